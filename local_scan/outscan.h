/* outscan.h - local_scan()'s outbound half: plan every message that leaves. */
#ifndef AA_OUTSCAN_H
#define AA_OUTSCAN_H

#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "plugin.h"

/* 1 when a recipient's domain is in Exim's +local_domains list (or the
 * list cannot be matched: then every recipient counts as both). */
int message_has_local_recipient(void);

/* Plan each remote recipient domain. Returns LOCAL_SCAN_ACCEPT with
 * *text_r the plan for $local_scan_data (or untouched when outbound is
 * off), LOCAL_SCAN_REJECT (enforce: no route passes; *text_r says why and
 * what would fix it) or LOCAL_SCAN_TEMPREJECT (a DNS temporary failure).
 * dkim and from are found here unless the inbound half did (*_done). */
int outbound_scan(struct aa_plugin *pl, int fd, struct aa_dkim_result *dkim, int *dkim_done,
		  struct aa_from *from, int *from_done, const char **text_r);

#endif
