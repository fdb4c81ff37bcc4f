/* itest.h - what the integration tests share besides the world itself. */
#ifndef ITEST_H
#define ITEST_H

#include "world.h"

#define ITEST_AUTHSERV_ID "mx.test.example"

/* Rewrite the plugin's settings file ($AA_AUTHALIGN_CONFIG): mode for
 * every domain, short DNS timeouts, no DNS answers shared between
 * connections (tests break DNS between messages) unless extra says so,
 * plus extra lines (may be NULL). The file is replaced by rename, so the
 * plugin sees a new inode and reloads. */
static inline void itest_settings(const char *mode, const char *extra)
{
	const char *path = world_env("AA_AUTHALIGN_CONFIG");
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	/* the extra lines right after the first four: tests name their line numbers */
	fprintf(f, "authserv_id = %s\nmode = %s\ndns_timeout = 1s\ndns_tries = 1\n%s%s",
		ITEST_AUTHSERV_ID, mode, extra != NULL ? extra : "",
		extra != NULL && strstr(extra, "dns_shared_cache") != NULL ? "" : "dns_shared_cache = no\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tmp, 0644), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/* A message to alice with the given From header line(s) and extra header
 * lines (may be NULL) before To:, a unique Message-ID, and a short body. */
static inline char *itest_message(const char *from_lines, const char *extra_headers)
{
	char *text = NULL;

	ck_assert_int_ge(asprintf(&text,
				  "%s"
				  "%s"
				  "To: <alice@test.example>\n"
				  "Subject: authalign integration test\n"
				  "Date: Mon, 23 Nov 2026 12:00:00 +0000\n"
				  "Message-ID: <%ld.%d@client.example>\n"
				  "\n"
				  "Hello from the hermetic world.\n",
				  from_lines, extra_headers != NULL ? extra_headers : "",
				  world_now_ms(), (int)getpid()), 0);
	return text;
}

#endif
