/* message.h - what local_scan() reads of the message being received. */
#ifndef AA_MESSAGE_H
#define AA_MESSAGE_H

#include "aa_dkim.h"
#include "aa_dmarc.h"

/* Every live From header, parsed (one status for none, several, malformed). */
void find_from(struct aa_ctx *ctx, struct aa_from *from);

/* Every DKIM-Signature over the live headers and the spool data file. */
int verify_dkim(struct aa_ctx *ctx, int fd, struct aa_dkim_result *r);

#endif
