/* aa_test.h - helpers shared by the Check unit tests. */
#ifndef AA_TEST_H
#define AA_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"
#include "aa_dns.h"
#include "../../core/dns/dns_int.h"
#include "aa_dkim_testsign.h"	/* aa_test_read_file() */

/* A context whose DNS is a fixed zone made of the given lines
 * (aa_dns_zone_add_line format), terminated by NULL. */
static inline struct aa_ctx *aa_test_ctx(const char *const *zone_lines)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(NULL);

	ck_assert_ptr_nonnull(ctx);
	for (size_t i = 0; zone_lines != NULL && zone_lines[i] != NULL; i++)
		ck_assert_msg(aa_dns_zone_add_line(ctx->dns, zone_lines[i]) == 0,
			      "bad zone line: %s", zone_lines[i]);
	ctx->psl_file = getenv("AA_TEST_PSL_FILE");
	return ctx;
}

/* The same with a DNS time budget (0: the default) and a clock of the
 * test's (aa_dns_set_clock), so that questions "take" the time it says. */
static inline struct aa_ctx *aa_test_ctx_budget(const char *const *zone_lines, unsigned budget_ms,
						aa_dns_clock_fn *clock, void *clock_arg)
{
	struct aa_dns_config cfg = { .budget_ms = budget_ms, .zone_file = "/dev/null" };
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	aa_dns_free(&ctx->dns);
	ctx->dns = aa_dns_new(&cfg, NULL);
	ck_assert_ptr_nonnull(ctx->dns);
	aa_dns_set_arena(ctx->dns, ctx->arena);
	aa_dns_set_clock(ctx->dns, clock, clock_arg);
	for (size_t i = 0; zone_lines != NULL && zone_lines[i] != NULL; i++)
		ck_assert_msg(aa_dns_zone_add_line(ctx->dns, zone_lines[i]) == 0,
			      "bad zone line: %s", zone_lines[i]);
	return ctx;
}

#define AA_TEST_DKIM_DIR "test/data/dkim/"

/* A file of test/data/dkim/ (see its README), without its final line
 * end, malloc'd. Run from the top directory. */
static inline char *aa_test_read_data(const char *name)
{
	char path[256];
	char *buf;

	snprintf(path, sizeof(path), AA_TEST_DKIM_DIR "%s", name);
	buf = aa_test_read_file(path);
	ck_assert_msg(buf != NULL, "cannot read %s (run from the top directory)", path);
	return buf;
}

/* "<name> TXT <the record in 200-octet quoted strings>" into the zone */
static inline void aa_test_publish_text(struct aa_ctx *ctx, const char *name, const char *rec)
{
	char line[9000];
	size_t len = strlen(rec);
	int k = snprintf(line, sizeof(line), "%s TXT", name);

	for (size_t i = 0; i < len; i += 200)
		k += snprintf(line + k, sizeof(line) - (size_t)k, " \"%.200s\"", rec + i);
	ck_assert_int_lt(k, (int)sizeof(line));
	ck_assert_int_eq(aa_dns_zone_add_line(ctx->dns, line), 0);
}

/* The record of test/data/dkim/file published at name. */
static inline void aa_test_publish(struct aa_ctx *ctx, const char *name, const char *file)
{
	char *rec = aa_test_read_data(file);

	aa_test_publish_text(ctx, name, rec);
	free(rec);
}

#endif
