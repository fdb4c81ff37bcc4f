/* check_header.c - header names matched as Exim does, and as readers trim them. */
#include "aa_header.h"
#include "aa_test.h"

#define V(s) s, sizeof(s) - 1

struct name_case {
	const char *field;
	size_t len;
	const char *name;
	int exim, reader;	/* aa_header_name_is, aa_header_name_like */
	size_t off;		/* value offset when matched */
};

static const struct name_case name_cases[] = {
	{ V("From: a@b.example"), "From", 1, 1, 5 },
	{ V("from:a@b.example"), "From", 1, 1, 5 },
	{ V("FROM \t : a"), "From", 1, 1, 8 },
	{ V("From\v: a"), "From", 1, 1, 6 },	/* isspace(), as Exim's header_checkname() */
	{ V("From\f: a"), "From", 1, 1, 6 },
	{ V("From\xc2\xa0: a"), "From", 0, 1, 7 },
	{ V("From\xe2\x80\x83\xe3\x80\x80: a"), "From", 0, 1, 11 },
	{ V("From\xc2\xa1: a"), "From", 0, 0, 0 },
	{ V("Fromage: a"), "From", 0, 0, 0 },
	{ V("From"), "From", 0, 0, 0 },
	{ V("From "), "From", 0, 0, 0 },
	{ V("Fro"), "From", 0, 0, 0 },
	{ V("X-From: a"), "From", 0, 0, 0 },
	{ V("Received-SPF: pass"), "Received-SPF", 1, 1, 13 },
	{ V("received-spf : pass"), "Received-SPF", 1, 1, 14 },
	{ V("X-AuthAlign-Quarantine\xef\xbb\xbf: yes"), "X-AuthAlign-Quarantine", 0, 1, 26 },
};

START_TEST(header_names_match_as_exim_and_as_readers_do)
{
	const struct name_case *c = &name_cases[_i];
	size_t off = 99;

	ck_assert_msg(aa_header_name_is(c->field, c->len, c->name, &off) == c->exim,
		      "exim: %s", c->field);
	if (c->exim)
		ck_assert_uint_eq(off, c->off);
	off = 99;
	ck_assert_msg(aa_header_name_like(c->field, c->len, c->name, &off) == c->reader,
		      "reader: %s", c->field);
	if (c->reader)
		ck_assert_uint_eq(off, c->off);
}
END_TEST

START_TEST(header_name_never_reads_past_the_length)
{
	/* the colon lies just past the given length */
	ck_assert_int_eq(aa_header_name_is("From \t:", 6, "From", NULL), 0);
	ck_assert_int_eq(aa_header_name_like("From\xc2\xa0:", 5, "From", NULL), 0);
}
END_TEST

struct space_case {
	const char *s;
	size_t len, want;
};

static const struct space_case space_cases[] = {
	{ V("\v"), 1 }, { V("\f"), 1 }, { V(" "), 1 }, { V("\t"), 1 }, { V("\r"), 1 },
	{ V("\xc2\xa0"), 2 }, { V("\xc2\x85"), 2 }, { V("\xa0"), 1 }, { V("\x85"), 1 },
	{ V("\xe1\x9a\x80"), 3 }, { V("\xe1\xa0\x8e"), 3 }, { V("\xe2\x80\x80"), 3 },
	{ V("\xe2\x80\x83"), 3 }, { V("\xe2\x80\x8a"), 3 }, { V("\xe2\x80\x8b"), 3 },
	{ V("\xe2\x80\xa8"), 3 }, { V("\xe2\x80\xa9"), 3 }, { V("\xe2\x80\xaf"), 3 },
	{ V("\xe2\x81\x9f"), 3 }, { V("\xe3\x80\x80"), 3 }, { V("\xef\xbb\xbf"), 3 },
	{ V("a"), 0 }, { V("\xc2\xa1"), 0 }, { V("\xe2\x80\x8c"), 0 }, { V("\xe2\x80"), 0 },
	{ V("\xc2"), 0 }, { V("\xe3\x80\x81"), 0 }, { V(""), 0 },
};

START_TEST(header_space_is_every_unicode_white_space)
{
	const struct space_case *c = &space_cases[_i];

	ck_assert_msg(aa_header_space_len(c->s, c->len) == c->want, "case %d: got %zu, want %zu",
		      _i, aa_header_space_len(c->s, c->len), c->want);
}
END_TEST

Suite *suite_header(void)
{
	Suite *s = suite_create("header");
	TCase *tc = tcase_create("header");

	tcase_add_loop_test(tc, header_names_match_as_exim_and_as_readers_do, 0,
			    (int)(sizeof(name_cases) / sizeof(name_cases[0])));
	tcase_add_test(tc, header_name_never_reads_past_the_length);
	tcase_add_loop_test(tc, header_space_is_every_unicode_white_space, 0,
			    (int)(sizeof(space_cases) / sizeof(space_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
