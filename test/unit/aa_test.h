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

/* A context whose DNS is a fixed zone made of the given lines
 * (aa_dns_zone_add_line format), terminated by NULL. */
static inline struct aa_ctx *aa_test_ctx(const char *const *zone_lines)
{
	struct aa_ctx *ctx = aa_ctx_new(NULL, NULL);

	ck_assert_ptr_nonnull(ctx);
	aa_dns_free(&ctx->dns);
	ctx->dns = aa_dns_new_zone();
	ck_assert_ptr_nonnull(ctx->dns);
	aa_dns_set_arena(ctx->dns, ctx->arena);
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

#endif
