/* check_str.c - the one string builder: growth, the cap, no memory, binary bytes. */
#include <stdint.h>
#include "aa_arena.h"
#include "aa_str.h"
#include "aa_test.h"

/* Each test runs twice: _i 0 builds in an arena, _i 1 with malloc. */
struct where {
	struct aa_arena *arena;
};

static struct aa_arena *where_open(struct where *w, int i)
{
	w->arena = NULL;
	if (i == 0) {
		w->arena = aa_arena_new();
		ck_assert_ptr_nonnull(w->arena);
	}
	return w->arena;
}

static void where_close(struct where *w, struct aa_str *s)
{
	aa_str_free(s);
	aa_arena_free(&w->arena);
}

START_TEST(str_appends_across_growth_boundaries_keep_every_byte)
{
	struct where w;
	struct aa_str s;
	char want[3000];
	const char *text;
	size_t len;

	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	/* one byte at a time crosses every doubling; then runs of all sizes */
	for (size_t i = 0; i < 1000; i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(aa_str_add(&s, &want[i], 1), 0);
	}
	for (size_t i = 1000, run = 1; i + run < sizeof(want) - 1; i += run, run = run * 3 % 257 + 1) {
		for (size_t k = 0; k < run; k++)
			want[i + k] = (char)('A' + (i + k) % 26);
		ck_assert_int_eq(aa_str_add(&s, want + i, run), 0);
		ck_assert_uint_eq(aa_str_len(&s), i + run);
	}
	len = aa_str_len(&s);
	ck_assert_int_eq(aa_str_printf(&s, "%s|%05d", "end", 42), 0);
	memcpy(want + len, "end|00042", 10);
	text = aa_str_finish(&s, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(text, want);
	where_close(&w, &s);
}
END_TEST

START_TEST(str_printf_longer_than_the_buffer_grows_it)
{
	struct where w;
	struct aa_str s;
	char big[700];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	ck_assert_int_eq(aa_str_addz(&s, "<"), 0);
	ck_assert_int_eq(aa_str_printf(&s, "%s>%zu", big, sizeof(big) - 1), 0);
	ck_assert_uint_eq(aa_str_len(&s), 1 + 699 + 1 + 3);
	ck_assert_int_eq(strncmp(aa_str_finish(&s, NULL) + 700, ">699", 5), 0);
	where_close(&w, &s);
}
END_TEST

START_TEST(str_empty_builder_gives_an_empty_string)
{
	struct where w;
	struct aa_str s;
	size_t len = 99;
	const char *text;

	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	ck_assert_uint_eq(aa_str_len(&s), 0);
	text = aa_str_finish(&s, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "");
	ck_assert_uint_eq(len, 0);
	/* an empty append changes nothing */
	ck_assert_int_eq(aa_str_add(&s, "", 0), 0);
	ck_assert_str_eq(aa_str_finish(&s, NULL), "");
	where_close(&w, &s);
}
END_TEST

START_TEST(str_binary_bytes_with_a_length_keep_their_nuls)
{
	static const char bytes[] = { 'a', '\0', 'b', '\0', '\xff', '\n' };
	struct where w;
	struct aa_str s;
	const char *text;
	size_t len;

	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	ck_assert_int_eq(aa_str_add(&s, bytes, sizeof(bytes)), 0);
	ck_assert_int_eq(aa_str_add(&s, bytes, 2), 0);
	text = aa_str_finish(&s, &len);
	ck_assert_uint_eq(len, sizeof(bytes) + 2);
	ck_assert_int_eq(memcmp(text, bytes, sizeof(bytes)), 0);
	ck_assert_int_eq(memcmp(text + sizeof(bytes), "a\0", 3), 0);	/* and the NUL after */
	where_close(&w, &s);
}
END_TEST

START_TEST(str_cap_leaves_out_whole_appends_and_says_so)
{
	struct where w;
	struct aa_str s;
	size_t len;

	aa_str_init(&s, where_open(&w, _i), 8);
	ck_assert_int_eq(aa_str_addz(&s, "12345"), 0);
	ck_assert_int_eq(aa_str_over(&s), 0);
	/* four bytes do not fit: none of them goes in */
	ck_assert_int_eq(aa_str_add(&s, "6789", 4), -1);
	ck_assert_int_eq(aa_str_printf(&s, "%d", 6789), -1);
	ck_assert_int_eq(aa_str_over(&s), 1);
	ck_assert_str_eq(aa_str_finish(&s, NULL), "12345");
	/* three do, and fill it to the cap exactly */
	ck_assert_int_eq(aa_str_printf(&s, "%d", 678), 0);
	ck_assert_int_eq(aa_str_add(&s, "9", 1), -1);
	ck_assert_int_eq(aa_str_add(&s, "", 0), 0);
	ck_assert_str_eq(aa_str_finish(&s, &len), "12345678");
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(aa_str_over(&s), 1);	/* sticky */
	/* cutting back makes room again */
	aa_str_truncate(&s, 5);
	ck_assert_int_eq(aa_str_addz(&s, "abc"), 0);
	ck_assert_str_eq(aa_str_finish(&s, NULL), "12345abc");
	where_close(&w, &s);
}
END_TEST

START_TEST(str_no_cap_is_not_over)
{
	struct where w;
	struct aa_str s;

	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	for (int i = 0; i < 5000; i++)
		ck_assert_int_eq(aa_str_printf(&s, "%d,", i % 10), 0);
	ck_assert_int_eq(aa_str_over(&s), 0);
	ck_assert_uint_eq(aa_str_len(&s), 10000);
	where_close(&w, &s);
}
END_TEST

/* Out of memory at the first allocation, or at the growth after it
 * (_i 0, 1): every later append is refused, even one that would fit, and
 * the text is NULL at the end; the arena's test hook refuses the memory. */
START_TEST(str_out_of_memory_is_sticky_and_gives_no_text)
{
	struct aa_arena *arena = aa_arena_new();
	struct aa_str s;
	char big[200];

	memset(big, 'y', sizeof(big));
	aa_str_init(&s, arena, AA_STR_NO_CAP);
	if (_i == 1)
		ck_assert_int_eq(aa_str_add(&s, big, 100), 0);
	aa_arena_fail_after(arena, 0, 1);	/* refuse the next one only */
	ck_assert_int_eq(aa_str_add(&s, big, sizeof(big)), -1);
	ck_assert_int_eq(aa_arena_fail_after(arena, SIZE_MAX, 0), 1);
	ck_assert_int_eq(aa_str_add(&s, "z", 1), -1);
	ck_assert_int_eq(aa_str_printf(&s, "%s", "z"), -1);
	ck_assert_ptr_null(aa_str_finish(&s, NULL));
	ck_assert_int_eq(aa_str_over(&s), 0);	/* memory, not the cap */
	aa_arena_free(&arena);
}
END_TEST

START_TEST(str_empty_builder_without_memory_gives_no_text)
{
	struct aa_arena *arena = aa_arena_new();
	struct aa_str s;

	aa_str_init(&s, arena, AA_STR_NO_CAP);
	aa_arena_fail_after(arena, 0, SIZE_MAX);
	ck_assert_ptr_null(aa_str_finish(&s, NULL));
	aa_arena_free(&arena);
}
END_TEST

START_TEST(str_marked_out_of_memory_by_its_caller_gives_no_text)
{
	struct where w;
	struct aa_str s;

	aa_str_init(&s, where_open(&w, _i), AA_STR_NO_CAP);
	ck_assert_int_eq(aa_str_addz(&s, "part one"), 0);
	aa_str_nomem(&s);	/* a piece for it could not be made */
	ck_assert_int_eq(aa_str_addz(&s, "part two"), -1);
	ck_assert_ptr_null(aa_str_finish(&s, NULL));
	where_close(&w, &s);
}
END_TEST

/* In an arena the buffers left behind by growth stay bounded: all the
 * memory used is under four times the text (doubling, 16-byte rounding). */
START_TEST(str_arena_growth_leaves_bounded_waste)
{
	struct aa_arena *arena = aa_arena_new();
	struct aa_str s;

	aa_str_init(&s, arena, AA_STR_NO_CAP);
	for (int i = 0; i < 100000; i++)
		aa_str_add(&s, "0123456789", 10);
	ck_assert_ptr_nonnull(aa_str_finish(&s, NULL));
	ck_assert_uint_lt(aa_arena_used(arena), 4 * aa_str_len(&s));
	aa_arena_free(&arena);
}
END_TEST

/* A long reply over lines within width: breaks only at spaces, a word
 * longer than a line cut, nothing lost; a short one unchanged. */
START_TEST(a_long_reply_is_wrapped_into_lines_within_the_width)
{
	struct aa_arena *a = aa_arena_new();
	char text[1200], *out, *copy;
	size_t n = 0, len;

	for (int i = 0; n + 12 < sizeof(text) - 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "word%d ", i);
	memset(text + n, 'x', 250);
	text[n + 250] = '\0';
	len = strlen(text);
	out = aa_str_wrap(a, text, 100);
	ck_assert_ptr_nonnull(out);
	copy = strdup(out);
	for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n"))
		ck_assert_msg(strlen(line) <= 100, "line of %zu: %s", strlen(line), line);
	free(copy);
	/* every break replaced a space, except the cuts in the long word */
	n = 0;
	for (const char *p = out; *p != '\0'; p++)
		n += *p != '\n';
	ck_assert_uint_ge(n, len - 40);
	ck_assert_uint_le(n, len);
	ck_assert_str_eq(aa_str_wrap(a, "short text", 100), "short text");
	ck_assert_str_eq(aa_str_wrap(a, "aaaa bbbb", 4), "aaaa\nbbbb");
	aa_arena_free(&a);
}
END_TEST

Suite *suite_str(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("str");

	tcase_add_loop_test(tc, str_appends_across_growth_boundaries_keep_every_byte, 0, 2);
	tcase_add_test(tc, a_long_reply_is_wrapped_into_lines_within_the_width);
	tcase_add_loop_test(tc, str_printf_longer_than_the_buffer_grows_it, 0, 2);
	tcase_add_loop_test(tc, str_empty_builder_gives_an_empty_string, 0, 2);
	tcase_add_loop_test(tc, str_binary_bytes_with_a_length_keep_their_nuls, 0, 2);
	tcase_add_loop_test(tc, str_cap_leaves_out_whole_appends_and_says_so, 0, 2);
	tcase_add_loop_test(tc, str_no_cap_is_not_over, 0, 2);
	tcase_add_loop_test(tc, str_out_of_memory_is_sticky_and_gives_no_text, 0, 2);
	tcase_add_test(tc, str_empty_builder_without_memory_gives_no_text);
	tcase_add_loop_test(tc, str_marked_out_of_memory_by_its_caller_gives_no_text, 0, 2);
	tcase_add_test(tc, str_arena_growth_leaves_bounded_waste);
	suite_add_tcase(s, tc);
	return s;
}
