/* check_arena.c - the per-message arena: alignment, growth, reset, copies, no memory, cleanup hooks. */
#include <stdint.h>
#include "aa_arena.h"
#include "aa_test.h"

#define ALIGN 16		/* the arena's rounding step (ARENA_ALIGN, core/lib/arena.c) */
/* every pointer is 16-aligned: the block header's data field is aligned
 * (it was 8 mod 16 on x86-64 before, with a 24-byte header) */
#define ALIGN_HELD ALIGN
#define BLOCK 16384		/* one standard block (core/lib/arena.c) */

static struct aa_arena *arena_open(void)
{
	struct aa_arena *a = aa_arena_new();

	ck_assert_ptr_nonnull(a);
	return a;
}

static const size_t sizes[] = { 0, 1, 3, 15, 16, 17, 100, 1000, 4097, BLOCK - 1, BLOCK, BLOCK + 1, 100000 };

START_TEST(arena_alloc_of_any_size_is_aligned_and_zeroed)
{
	struct aa_arena *a = arena_open();

	/* after an odd-sized allocation too, so the offset inside a block varies */
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 7));
	for (int round = 0; round < 2; round++) {
		unsigned char *p = aa_arena_alloc(a, sizes[_i]);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % ALIGN_HELD, 0);
		for (size_t k = 0; k < sizes[_i]; k++)
			ck_assert_uint_eq(p[k], 0);
		memset(p, 0xa5, sizes[_i]);
	}
	aa_arena_free(&a);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(arena_allocations_across_many_blocks_never_overlap)
{
	struct aa_arena *a = arena_open();
	unsigned char *p[200];
	size_t len[200];

	for (size_t i = 0; i < 200; i++) {
		len[i] = 1 + (i * 997) % 3000;
		p[i] = aa_arena_alloc(a, len[i]);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], (int)(i & 0xff), len[i]);
	}
	ck_assert_uint_gt(aa_arena_used(a), 10 * BLOCK);
	for (size_t i = 0; i < 200; i++)
		for (size_t k = 0; k < len[i]; k++)
			ck_assert_uint_eq(p[i][k], i & 0xff);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_used_counts_aligned_sizes_and_reset_clears_it)
{
	struct aa_arena *a = arena_open();

	ck_assert_uint_eq(aa_arena_used(a), 0);
	aa_arena_alloc(a, 1);
	ck_assert_uint_eq(aa_arena_used(a), ALIGN);
	aa_arena_alloc(a, 0);
	ck_assert_uint_eq(aa_arena_used(a), 2 * ALIGN);
	aa_arena_alloc(a, ALIGN + 1);
	ck_assert_uint_eq(aa_arena_used(a), 4 * ALIGN);
	{
		/* consecutive allocations in a block are a whole step apart */
		char *p = aa_arena_alloc(a, 1), *q = aa_arena_alloc(a, 1);

		ck_assert_uint_eq((size_t)(q - p), ALIGN);
	}
	aa_arena_reset(a);
	ck_assert_uint_eq(aa_arena_used(a), 0);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_reset_reuses_the_first_block)
{
	struct aa_arena *a = arena_open();
	void *first = aa_arena_alloc(a, 10);

	/* grow well past one block, then forget it all */
	for (int i = 0; i < 50; i++)
		ck_assert_ptr_nonnull(aa_arena_alloc(a, 1000));
	aa_arena_reset(a);
	ck_assert_ptr_eq(aa_arena_alloc(a, 10), first);
	/* and reset before anything was allocated is harmless */
	aa_arena_free(&a);
	a = arena_open();
	aa_arena_reset(a);
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 1));
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_zero_size_allocations_are_distinct)
{
	struct aa_arena *a = arena_open();
	void *p = aa_arena_alloc(a, 0), *q = aa_arena_alloc(a, 0);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(p, q);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_big_allocation_gets_its_own_block_and_small_ones_go_on)
{
	struct aa_arena *a = arena_open();
	char *small = aa_arena_alloc(a, 10);
	unsigned char *big = aa_arena_alloc(a, 5 * BLOCK);
	char *after = aa_arena_alloc(a, 10);

	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(after);
	memset(big, 0xff, 5 * BLOCK);
	memcpy(small, "small", 6);
	memcpy(after, "after", 6);
	ck_assert_str_eq(small, "small");
	ck_assert_str_eq(after, "after");
	ck_assert_uint_eq(big[5 * BLOCK - 1], 0xff);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_sizes_that_overflow_give_null)
{
	struct aa_arena *a = arena_open();

	ck_assert_ptr_null(aa_arena_alloc(a, SIZE_MAX));
	ck_assert_ptr_null(aa_arena_alloc(a, SIZE_MAX - ALIGN + 2));
	ck_assert_ptr_null(aa_arena_strndup(a, "x", SIZE_MAX));
	/* the arena is still usable */
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 10));
	aa_arena_free(&a);
}
END_TEST

/* strndup copies exactly len bytes, NULs included, and adds one NUL. */
static const struct {
	const char *src;
	size_t len;
} dups[] = {
	{ "", 0 },
	{ "abc", 3 },
	{ "abcdef", 2 },		/* a prefix: the rest is not copied */
	{ "a\0b", 3 },			/* an inner NUL is kept */
	{ "\0\0", 2 },
	{ "tail\0", 5 },
};

START_TEST(arena_strndup_copies_the_given_length_and_adds_a_nul)
{
	struct aa_arena *a = arena_open();
	char *p = aa_arena_strndup(a, dups[_i].src, dups[_i].len);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p, dups[_i].src);
	ck_assert_int_eq(memcmp(p, dups[_i].src, dups[_i].len), 0);
	ck_assert_int_eq(p[dups[_i].len], '\0');
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_strdup_and_strndup_of_null_give_null)
{
	struct aa_arena *a = arena_open();
	char *s;

	ck_assert_ptr_null(aa_arena_strdup(a, NULL));
	ck_assert_ptr_null(aa_arena_strndup(a, NULL, 3));
	s = aa_arena_strdup(a, "copy me");
	ck_assert_str_eq(s, "copy me");
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_printf_formats_beyond_one_block)
{
	struct aa_arena *a = arena_open();
	char *big = malloc(2 * BLOCK + 1), *s;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 2 * BLOCK);
	big[2 * BLOCK] = '\0';
	ck_assert_str_eq(aa_arena_printf(a, "%s=%d", "pct", 50), "pct=50");
	s = aa_arena_printf(a, "<%s>", big);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), 2 * BLOCK + 2);
	ck_assert_int_eq(s[2 * BLOCK + 1], '>');
	free(big);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_fail_after_refuses_the_counted_allocations_then_recovers)
{
	struct aa_arena *a = arena_open();

	ck_assert_uint_eq(aa_arena_fail_after(a, 2, 2), 0);
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 8));
	ck_assert_ptr_nonnull(aa_arena_strdup(a, "ok"));
	ck_assert_ptr_null(aa_arena_alloc(a, 8));
	ck_assert_ptr_null(aa_arena_printf(a, "%d", 1));
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 8));	/* only two refused */
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 8));
	/* the next setting reports what the previous one refused */
	ck_assert_uint_eq(aa_arena_fail_after(a, SIZE_MAX, 0), 2);
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 8));
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_fail_forever_lasts_until_reset)
{
	struct aa_arena *a = arena_open();

	aa_arena_fail_after(a, 0, SIZE_MAX);
	for (int i = 0; i < 100; i++)
		ck_assert_ptr_null(aa_arena_alloc(a, 1));
	ck_assert_int_eq(aa_arena_may_alloc(a), 0);
	ck_assert_ptr_null(aa_arena_strndup(a, "abc", 3));
	aa_arena_reset(a);
	ck_assert_int_eq(aa_arena_may_alloc(a), 1);
	ck_assert_ptr_nonnull(aa_arena_alloc(a, 1));
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_may_alloc_counts_against_the_same_budget)
{
	struct aa_arena *a = arena_open();

	ck_assert_int_eq(aa_arena_may_alloc(a), 1);	/* no hook: always */
	aa_arena_fail_after(a, 1, 1);
	ck_assert_int_eq(aa_arena_may_alloc(a), 1);
	ck_assert_ptr_null(aa_arena_alloc(a, 1));
	ck_assert_int_eq(aa_arena_may_alloc(a), 1);
	ck_assert_uint_eq(aa_arena_fail_after(a, SIZE_MAX, 0), 1);
	aa_arena_free(&a);
}
END_TEST

START_TEST(arena_free_of_null_is_harmless)
{
	struct aa_arena *a = NULL;

	aa_arena_free(&a);
	ck_assert_ptr_null(a);
}
END_TEST

/* ---- cleanup hooks ---- */

/* What the hooks did, in the order they did it. */
struct hook_log {
	char seen[32];
	size_t n;
	struct aa_arena *arena;		/* for hooks that act on their arena */
};

struct hook_arg {
	struct hook_log *log;
	char mark;
};

static void hook_note(void *arg)
{
	struct hook_arg *h = arg;

	if (h->log->n < sizeof(h->log->seen) - 1)
		h->log->seen[h->log->n++] = h->mark;
}

static void hooks_add(struct aa_arena *a, struct hook_arg *args, const char *marks,
		      struct hook_log *log)
{
	for (size_t i = 0; marks[i] != '\0'; i++) {
		args[i].log = log;
		args[i].mark = marks[i];
		ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &args[i], NULL), 0);
	}
}

/* Hooks registered (marks), then the arena reset ('r') or freed ('f'):
 * what ran, in order; freeing it after that runs nothing more. */
static const struct {
	const char *marks;
	const char *ends;
	const char *seen;
} hook_runs[] = {
	{ "abc", "r", "cba" },		/* a reset runs them newest first */
	{ "ab", "rrf", "ba" },		/* once, however often it ends */
	{ "xyz", "f", "zyx" },		/* freeing the arena runs them too */
	{ "", "rf", "" },
};

START_TEST(arena_hooks_run_once_newest_first_at_reset_or_free)
{
	struct aa_arena *a = arena_open();
	struct hook_log log = { .n = 0 };
	struct hook_arg args[4];

	ck_assert_ptr_nonnull(aa_arena_alloc(a, 100));
	hooks_add(a, args, hook_runs[_i].marks, &log);
	ck_assert_str_eq(log.seen, "");
	for (const char *e = hook_runs[_i].ends; *e != '\0'; e++) {
		if (*e == 'r')
			aa_arena_reset(a);
		else
			aa_arena_free(&a);
	}
	ck_assert_str_eq(log.seen, hook_runs[_i].seen);
	aa_arena_free(&a);	/* once: nothing more runs */
	ck_assert_str_eq(log.seen, hook_runs[_i].seen);
}
END_TEST

START_TEST(arena_hook_registered_again_after_reset_runs_at_the_next_reset)
{
	struct aa_arena *a = arena_open();
	struct hook_log log = { .n = 0 };
	struct hook_arg args[2];

	hooks_add(a, args, "a", &log);
	ck_assert_uint_gt(aa_arena_used(a), 0);		/* the record is in the arena */
	aa_arena_reset(a);
	ck_assert_uint_eq(aa_arena_used(a), 0);		/* and went with it */
	hooks_add(a, args + 1, "b", &log);
	aa_arena_reset(a);
	ck_assert_str_eq(log.seen, "ab");
	aa_arena_free(&a);
	ck_assert_str_eq(log.seen, "ab");
}
END_TEST

START_TEST(arena_hook_that_cannot_be_allocated_is_refused_and_never_runs)
{
	struct aa_arena *a = arena_open();
	struct hook_log log = { .n = 0 };
	struct hook_arg arg = { &log, 'a' }, later[1];
	struct aa_arena_hook *h = (struct aa_arena_hook *)&arg;

	aa_arena_fail_after(a, 0, SIZE_MAX);
	ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &arg, &h), -1);
	ck_assert_ptr_null(h);
	ck_assert_uint_eq(aa_arena_fail_after(a, SIZE_MAX, 0), 1);
	aa_arena_reset(a);
	ck_assert_str_eq(log.seen, "");
	/* memory back: registering works again */
	hooks_add(a, later, "b", &log);
	aa_arena_free(&a);
	ck_assert_str_eq(log.seen, "b");
}
END_TEST

START_TEST(arena_cancelled_hook_does_not_run_the_others_do)
{
	struct aa_arena *a = arena_open();
	struct hook_log log = { .n = 0 };
	struct hook_arg args[3] = { { &log, 'a' }, { &log, 'b' }, { &log, 'c' } };
	struct aa_arena_hook *hb;

	ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &args[0], NULL), 0);
	ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &args[1], &hb), 0);
	ck_assert_ptr_nonnull(hb);
	ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &args[2], NULL), 0);
	aa_arena_hook_cancel(&hb);
	ck_assert_ptr_null(hb);
	aa_arena_hook_cancel(&hb);	/* a second cancel is harmless */
	aa_arena_reset(a);
	ck_assert_str_eq(log.seen, "ca");
	aa_arena_free(&a);
}
END_TEST

/* A hook that misbehaves: resets its arena and registers another hook. */
static void hook_meddle(void *arg)
{
	struct hook_arg *h = arg;

	hook_note(arg);
	aa_arena_reset(h->log->arena);
	ck_assert_int_eq(aa_arena_on_reset(h->log->arena, hook_note, arg, NULL), -1);
}

START_TEST(arena_hook_cannot_reset_its_arena_or_add_hooks_while_running)
{
	struct aa_arena *a = arena_open();
	struct hook_log log = { .n = 0, .arena = a };
	struct hook_arg first = { &log, '1' }, meddler = { &log, 'm' };

	ck_assert_int_eq(aa_arena_on_reset(a, hook_note, &first, NULL), 0);
	ck_assert_int_eq(aa_arena_on_reset(a, hook_meddle, &meddler, NULL), 0);
	aa_arena_reset(a);
	ck_assert_str_eq(log.seen, "m1");
	aa_arena_reset(a);
	aa_arena_free(&a);
	ck_assert_str_eq(log.seen, "m1");
}
END_TEST

/* A hook reads what it left in the arena: the memory goes after it ran
 * (under ASan, reading a freed block would be reported). */
struct left_in_arena {
	const char *text;
	int read;
};

static void hook_read_arena(void *arg)
{
	struct left_in_arena *l = arg;

	ck_assert_str_eq(l->text, "still here");
	l->read++;
}

START_TEST(arena_hook_runs_before_the_memory_goes)
{
	struct aa_arena *a = arena_open();
	char *big = aa_arena_alloc(a, 2 * BLOCK);	/* its own block, freed by a reset */
	struct left_in_arena l = { big, 0 };

	ck_assert_ptr_nonnull(big);
	strcpy(big, "still here");
	ck_assert_int_eq(aa_arena_on_reset(a, hook_read_arena, &l, NULL), 0);
	aa_arena_reset(a);
	ck_assert_int_eq(l.read, 1);
	l.text = aa_arena_strdup(a, "still here");
	ck_assert_int_eq(aa_arena_on_reset(a, hook_read_arena, &l, NULL), 0);
	aa_arena_free(&a);
	ck_assert_int_eq(l.read, 2);
}
END_TEST

Suite *suite_arena(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_loop_test(tc, arena_alloc_of_any_size_is_aligned_and_zeroed, 0,
			    (int)(sizeof(sizes) / sizeof(sizes[0])));
	tcase_add_test(tc, arena_allocations_across_many_blocks_never_overlap);
	tcase_add_test(tc, arena_used_counts_aligned_sizes_and_reset_clears_it);
	tcase_add_test(tc, arena_reset_reuses_the_first_block);
	tcase_add_test(tc, arena_zero_size_allocations_are_distinct);
	tcase_add_test(tc, arena_big_allocation_gets_its_own_block_and_small_ones_go_on);
	tcase_add_test(tc, arena_sizes_that_overflow_give_null);
	tcase_add_loop_test(tc, arena_strndup_copies_the_given_length_and_adds_a_nul, 0,
			    (int)(sizeof(dups) / sizeof(dups[0])));
	tcase_add_test(tc, arena_strdup_and_strndup_of_null_give_null);
	tcase_add_test(tc, arena_printf_formats_beyond_one_block);
	tcase_add_test(tc, arena_fail_after_refuses_the_counted_allocations_then_recovers);
	tcase_add_test(tc, arena_fail_forever_lasts_until_reset);
	tcase_add_test(tc, arena_may_alloc_counts_against_the_same_budget);
	tcase_add_test(tc, arena_free_of_null_is_harmless);
	tcase_add_loop_test(tc, arena_hooks_run_once_newest_first_at_reset_or_free, 0,
			    (int)(sizeof(hook_runs) / sizeof(hook_runs[0])));
	tcase_add_test(tc, arena_hook_registered_again_after_reset_runs_at_the_next_reset);
	tcase_add_test(tc, arena_hook_that_cannot_be_allocated_is_refused_and_never_runs);
	tcase_add_test(tc, arena_cancelled_hook_does_not_run_the_others_do);
	tcase_add_test(tc, arena_hook_cannot_reset_its_arena_or_add_hooks_while_running);
	tcase_add_test(tc, arena_hook_runs_before_the_memory_goes);
	suite_add_tcase(s, tc);
	return s;
}
