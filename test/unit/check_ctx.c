/* check_ctx.c - the context: escaping that cannot fail, the two lifetimes. */
#include <stdint.h>
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_spf.h"
#include "aa_test.h"

/* ---- aa_esc ---- */

static const struct {
	const char *in;
	size_t len;
	const char *out;
} escapes[] = {
	{ "plain text", 10, "plain text" },
	{ "a\"b\\c(d)e", 9, "a\\\"b\\\\c\\(d\\)e" },
	{ "nul\0here", 8, "nul\\x00here" },
	{ "tab\tcr\rlf\n", 10, "tab\\x09cr\\x0dlf\\x0a" },
	{ "\x7f\xc3\xa9", 3, "\\x7f\\xc3\\xa9" },
	{ "", 0, "" },
};

START_TEST(esc_escapes_what_is_not_plain_printable_ascii)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	ck_assert_str_eq(aa_esc(ctx, escapes[_i].in, escapes[_i].len), escapes[_i].out);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(esc_without_memory_gives_the_same_escaped_text)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	ck_assert_str_eq(aa_esc(ctx, escapes[_i].in, escapes[_i].len), escapes[_i].out);
	ck_assert_uint_eq(aa_arena_fail_after(ctx->arena, SIZE_MAX, 0), 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(esc_of_null_is_empty)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	ck_assert_str_eq(aa_esc(ctx, NULL, 5), "");
	ck_assert_str_eq(aa_escz(ctx, NULL), "");
	aa_ctx_free(&ctx);
}
END_TEST

/* The longest input escapes to the longest output: every byte as \xHH,
 * then "...". With and without memory (the ring buffers are that size). */
START_TEST(esc_cuts_long_input_with_dots_with_or_without_memory)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char in[AA_ESC_INPUT_MAX + 1];
	const char *out;

	memset(in, '\x01', sizeof(in));
	if (_i == 1)
		aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	out = aa_esc(ctx, in, sizeof(in));
	ck_assert_uint_eq(strlen(out), AA_ESC_OUT_MAX - 1);
	ck_assert_int_eq(strncmp(out, "\\x01\\x01", 8), 0);
	ck_assert_str_eq(out + 4 * AA_ESC_INPUT_MAX, "...");
	/* exactly the limit: nothing cut */
	memset(in, 'a', AA_ESC_INPUT_MAX);
	in[AA_ESC_INPUT_MAX] = '\0';
	out = aa_escz(ctx, in);
	ck_assert_uint_eq(strlen(out), AA_ESC_INPUT_MAX);
	aa_ctx_free(&ctx);
}
END_TEST

/* Out of memory, the last AA_ESC_RING results stay valid together (one
 * log line escapes several fields); the one before them is reused. */
START_TEST(esc_without_memory_keeps_the_last_ring_results)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	const char *r[AA_ESC_RING + 1];
	char in[16], want[16];

	aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	for (int i = 0; i <= AA_ESC_RING; i++) {
		snprintf(in, sizeof(in), "(%d)", i);
		r[i] = aa_escz(ctx, in);
	}
	for (int i = 1; i <= AA_ESC_RING; i++) {
		snprintf(want, sizeof(want), "\\(%d\\)", i);
		ck_assert_str_eq(r[i], want);
	}
	ck_assert_ptr_eq(r[0], r[AA_ESC_RING]);
	aa_ctx_free(&ctx);
}
END_TEST

/* ---- process lifetime: aa_ctx_on_free ---- */

struct teardown_log {
	char seen[8];
	size_t n;
};

struct teardown {
	struct teardown_log *log;
	char mark;
};

static void teardown_note(void *arg)
{
	struct teardown *t = arg;

	t->log->seen[t->log->n++] = t->mark;
}

START_TEST(ctx_free_runs_module_teardown_once_newest_first_after_the_message)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct teardown_log log = { .n = 0 };
	struct teardown a = { &log, 'a' }, b = { &log, 'b' }, m = { &log, 'm' };

	ck_assert_int_eq(aa_ctx_on_free(ctx, teardown_note, &a), 0);
	ck_assert_int_eq(aa_ctx_on_free(ctx, teardown_note, &b), 0);
	ck_assert_int_eq(aa_arena_on_reset(ctx->arena, teardown_note, &m, NULL), 0);
	aa_ctx_end_message(ctx);		/* the message's hook, not the process's */
	ck_assert_str_eq(log.seen, "m");
	ck_assert_int_eq(aa_arena_on_reset(ctx->arena, teardown_note, &m, NULL), 0);
	aa_ctx_end_message(ctx);
	aa_ctx_end_message(ctx);
	ck_assert_str_eq(log.seen, "mm");
	ck_assert_int_eq(aa_arena_on_reset(ctx->arena, teardown_note, &m, NULL), 0);
	aa_ctx_free(&ctx);
	ck_assert_ptr_null(ctx);
	ck_assert_str_eq(log.seen, "mmmba");
}
END_TEST

START_TEST(ctx_end_message_forgets_the_message_id)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	ctx->msgid = "1abcde-000001-AB";
	ck_assert_ptr_nonnull(aa_arena_alloc(ctx->arena, 100));
	aa_ctx_end_message(ctx);
	ck_assert_str_eq(ctx->msgid, "");
	ck_assert_uint_eq(aa_arena_used(ctx->arena), 0);
	aa_ctx_free(&ctx);
}
END_TEST

/* A module that cannot register its teardown keeps no library handle
 * (it would leak) and answers as with no memory; with memory back it
 * makes the handle, and aa_ctx_free() tears it down (ASan would report
 * the leak otherwise). DKIM's library handle is the process's, not the
 * context's: it needs no teardown and is there either way. */
START_TEST(module_without_teardown_keeps_no_handle)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dkim_verify *v;
	struct aa_dkim_result r;
	const char *org;

	aa_arena_fail_after(ctx->process, 0, SIZE_MAX);
	ck_assert_int_eq(aa_spf_set_receiver(ctx, "mx.example"), -1);
	ck_assert_ptr_null(ctx->spf);
	ck_assert_int_eq(aa_org_domain(ctx, "a.example.com", AA_DMARC_RFC7489, &org), AA_TEMPERROR);
	ck_assert_ptr_null(ctx->psl);
	ck_assert_uint_eq(aa_arena_fail_after(ctx->process, SIZE_MAX, 0), 2);
	v = aa_dkim_verify_new(ctx);
	ck_assert_ptr_nonnull(v);
	aa_dkim_verify_abort(&v, &r);

	ck_assert_int_eq(aa_spf_set_receiver(ctx, "mx.example"), 0);
	ck_assert_ptr_nonnull(ctx->spf);
	ck_assert_int_eq(aa_org_domain(ctx, "a.example.com", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "example.com");
	ck_assert_ptr_nonnull(ctx->psl);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_ctx(void)
{
	Suite *s = suite_create("ctx");
	TCase *tc = tcase_create("ctx");

	tcase_add_loop_test(tc, esc_escapes_what_is_not_plain_printable_ascii, 0,
			    (int)(sizeof(escapes) / sizeof(escapes[0])));
	tcase_add_loop_test(tc, esc_without_memory_gives_the_same_escaped_text, 0,
			    (int)(sizeof(escapes) / sizeof(escapes[0])));
	tcase_add_test(tc, esc_of_null_is_empty);
	tcase_add_loop_test(tc, esc_cuts_long_input_with_dots_with_or_without_memory, 0, 2);
	tcase_add_test(tc, esc_without_memory_keeps_the_last_ring_results);
	tcase_add_test(tc, ctx_free_runs_module_teardown_once_newest_first_after_the_message);
	tcase_add_test(tc, ctx_end_message_forgets_the_message_id);
	tcase_add_test(tc, module_without_teardown_keeps_no_handle);
	suite_add_tcase(s, tc);
	return s;
}
