/* Placeholder until core/psl lands; delete this file with it. */
#include "aa_ctx.h"
void aa_psl_free(struct aa_psl **psl) { (void)psl; }
