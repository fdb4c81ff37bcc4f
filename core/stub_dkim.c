/* Placeholder until core/dkim lands; delete this file with it. */
#include "aa_ctx.h"
void aa_dkim_lib_free(struct aa_dkim_lib **lib) { (void)lib; }
