/* outscan.h - local_scan()'s outbound half: plan every message that leaves. */
#ifndef AA_OUTSCAN_H
#define AA_OUTSCAN_H

#include "aa_exim.h"

/* local_scan()'s answer when it cannot judge or plan (no memory, a lookup
 * that deferred): 451, the message stays with the client. */
#define TEMP_TEXT "4.3.0 Temporary local problem, try again later"

/* Plan each remote recipient domain. Returns LOCAL_SCAN_ACCEPT with
 * *text_r the plan for $local_scan_data (or untouched when outbound is
 * off), LOCAL_SCAN_REJECT (enforce: no route passes; *text_r says why and
 * what would fix it) or LOCAL_SCAN_TEMPREJECT (a DNS temporary failure,
 * or no memory for the message's facts). fd is the spool data file, for
 * DKIM when the inbound half did not verify it. */
int outbound_scan(struct aa_plugin *pl, int fd, const char **text_r);

#endif
