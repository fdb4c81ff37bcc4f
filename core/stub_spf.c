/* Placeholder until core/spf lands; delete this file with it. */
#include "aa_ctx.h"
void aa_spf_lib_free(struct aa_spf_lib **lib) { (void)lib; }
