/* exim_int.h - what the files of exim/ share among themselves (not its callers). */
#ifndef AA_EXIM_INT_H
#define AA_EXIM_INT_H

#include "aa_exim.h"

/* Who handed in the message Exim is handling (submitter.c); strings in
 * ctx's arena. 0, or -1 when out of memory (then *s is not usable). */
int submitter_from_exim(struct aa_ctx *ctx, struct aa_submitter *s);

#endif
