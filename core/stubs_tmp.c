/* temporary until the modules land */
#include "aa_ctx.h"
void aa_spf_lib_free(struct aa_spf_lib **lib) { (void)lib; }
void aa_dkim_lib_free(struct aa_dkim_lib **lib) { (void)lib; }
void aa_psl_free(struct aa_psl **psl) { (void)psl; }
