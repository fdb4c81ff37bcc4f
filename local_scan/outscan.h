/* outscan.h - local_scan()'s outbound half: plan every message that leaves. */
#ifndef AA_OUTSCAN_H
#define AA_OUTSCAN_H

#include "aa_dkim.h"
#include "plugin.h"

/* 1 when a recipient's domain is in Exim's +local_domains list. */
int message_has_local_recipient(void);

/* Plan each remote recipient domain. Returns LOCAL_SCAN_ACCEPT with
 * *text_r the plan for $local_scan_data (or untouched when outbound is
 * off), LOCAL_SCAN_REJECT (enforce: no route passes; *text_r says why and
 * what would fix it) or LOCAL_SCAN_TEMPREJECT (a DNS temporary failure).
 * dkim is verified here unless *dkim_done. */
int outbound_scan(struct aa_plugin *pl, int fd, struct aa_dkim_result *dkim, int *dkim_done,
		  const char **text_r);

#endif
