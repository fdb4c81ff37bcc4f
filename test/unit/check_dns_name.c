/* check_dns_name.c - the one DNS name check (aa_dns_name.h) at its limits,
 * under each flag, and the character classes of aa_ctype.h. */
#include <ctype.h>
#include <locale.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "aa_test.h"
#include "../../core/dmarc/dmarc_int.h"

#define V(s) s, sizeof(s) - 1

#define L10 "aaaaaaaaaa"
#define L60 L10 L10 L10 L10 L10 L10
#define L61 L60 "a"
#define L62 L60 "aa"
#define L63 L60 "aaa"
#define L64 L63 "a"
#define N253 L63 "." L63 "." L63 "." L61	/* 3 * 64 + 61 octets */
#define N254 L63 "." L63 "." L63 "." L62

#define ROOT AA_DNS_NAME_ROOT_DOT
#define USCORE AA_DNS_NAME_UNDERSCORE
#define PRINT AA_DNS_NAME_PRINTABLE
#define BIT8 AA_DNS_NAME_8BIT
#define HYPHEN AA_DNS_NAME_NO_EDGE_HYPHEN
#define DOTTED AA_DNS_NAME_DOTTED

struct name_case {
	const char *outcome;
	const char *s;
	size_t len;
	unsigned flags;
	enum aa_dns_name_status want;
};

static const struct name_case name_cases[] = {
	{ "a plain host name is a name", V("mail.example.com"), 0, AA_DNS_NAME_OK },
	{ "upper case is a name", V("MAIL.Example.COM"), 0, AA_DNS_NAME_OK },
	{ "a 63-octet label is a name", V(L63 ".example"), 0, AA_DNS_NAME_OK },
	{ "a 64-octet label is too long", V(L64 ".example"), 0, AA_DNS_NAME_LONG_LABEL },
	{ "a 64-octet last label is too long", V("example." L64), 0, AA_DNS_NAME_LONG_LABEL },
	{ "a 253-octet name is a name", V(N253), 0, AA_DNS_NAME_OK },
	{ "a 254-octet name is too long", V(N254), 0, AA_DNS_NAME_TOO_LONG },
	{ "a 253-octet name and the root dot is a name", V(N253 "."), ROOT, AA_DNS_NAME_OK },
	{ "a 254-octet name and the root dot is too long", V(N254 "."), ROOT,
	  AA_DNS_NAME_TOO_LONG },
	{ "nothing is empty", V(""), 0, AA_DNS_NAME_EMPTY },
	{ "nothing is empty with the root dot allowed", V(""), ROOT, AA_DNS_NAME_EMPTY },
	{ "the root dot alone is empty", V("."), ROOT, AA_DNS_NAME_EMPTY },
	{ "the root dot alone is an empty label when not allowed", V("."), 0,
	  AA_DNS_NAME_EMPTY_LABEL },
	{ "a leading dot is an empty label", V(".example.com"), ROOT, AA_DNS_NAME_EMPTY_LABEL },
	{ "two dots together are an empty label", V("a..example"), ROOT,
	  AA_DNS_NAME_EMPTY_LABEL },
	{ "a trailing dot is an empty label when not allowed", V("example.com."), 0,
	  AA_DNS_NAME_EMPTY_LABEL },
	{ "a trailing dot is the root when allowed", V("example.com."), ROOT, AA_DNS_NAME_OK },
	{ "two trailing dots are an empty label", V("example.com.."), ROOT,
	  AA_DNS_NAME_EMPTY_LABEL },
	{ "an underscore is a bad byte by default", V("_dmarc.example"), 0,
	  AA_DNS_NAME_BAD_BYTE },
	{ "an underscore is allowed with its flag", V("_dmarc.example"), USCORE, AA_DNS_NAME_OK },
	{ "printable names take an underscore", V("_spf.example"), PRINT, AA_DNS_NAME_OK },
	{ "a space is a bad byte in a host name", V("a b.example"), USCORE,
	  AA_DNS_NAME_BAD_BYTE },
	{ "a space and '%' are askable", V("a%b  c.example"), PRINT, AA_DNS_NAME_OK },
	{ "a control byte is never askable", V("a\tb.example"), PRINT, AA_DNS_NAME_BAD_BYTE },
	{ "DEL is never askable", V("a\x7f" "b.example"), PRINT, AA_DNS_NAME_BAD_BYTE },
	{ "a non-ASCII byte is a bad byte", V("caf\xc3\xa9.example"), PRINT,
	  AA_DNS_NAME_BAD_BYTE },
	{ "a non-ASCII byte is allowed with the 8-bit flag", V("caf\xc3\xa9.example"), BIT8,
	  AA_DNS_NAME_OK },
	{ "a NUL in the middle is a bad byte", V("exa\0mple.com"), PRINT | BIT8 | USCORE,
	  AA_DNS_NAME_BAD_BYTE },
	{ "a NUL after the length is never read", "example.com\0x", 11, 0, AA_DNS_NAME_OK },
	{ "the length cuts the name", "example.com", 7, 0, AA_DNS_NAME_OK },
	{ "an outer hyphen is allowed by default", V("-a-.example"), 0, AA_DNS_NAME_OK },
	{ "a leading hyphen is refused for host names", V("-a.example"), HYPHEN,
	  AA_DNS_NAME_EDGE_HYPHEN },
	{ "a trailing hyphen is refused for host names", V("a.example-"), HYPHEN,
	  AA_DNS_NAME_EDGE_HYPHEN },
	{ "an inner hyphen is a host name", V("a-b.ex-ample"), HYPHEN, AA_DNS_NAME_OK },
	{ "one label is a name", V("localhost"), 0, AA_DNS_NAME_OK },
	{ "one label is not a dotted name", V("localhost"), DOTTED, AA_DNS_NAME_ONE_LABEL },
	{ "one label and the root dot is not a dotted name", V("localhost."), ROOT | DOTTED,
	  AA_DNS_NAME_ONE_LABEL },
	{ "two labels are a dotted name", V("example.com"), DOTTED, AA_DNS_NAME_OK },
	{ "a '(' is a bad byte (CVE-2020-12272)", V("legit.example(.attacker.example"), USCORE,
	  AA_DNS_NAME_BAD_BYTE },
};

START_TEST(dns_name_check_gives_the_status_of_its_case)
{
	const struct name_case *c = &name_cases[_i];
	enum aa_dns_name_status st = aa_dns_name_check(c->s, c->len, c->flags);

	ck_assert_msg(st == c->want, "%s: got %d (%s), want %d", c->outcome, (int)st,
		      aa_dns_name_why(st), (int)c->want);
}
END_TEST

START_TEST(dns_name_check_of_null_is_empty)
{
	ck_assert_int_eq(aa_dns_name_check(NULL, 0, ROOT), AA_DNS_NAME_EMPTY);
}
END_TEST

START_TEST(dns_name_every_status_has_words)
{
	for (int st = AA_DNS_NAME_OK; st <= AA_DNS_NAME_NOMEM; st++)
		ck_assert_msg(strstr(aa_dns_name_why((enum aa_dns_name_status)st), "unknown") == NULL,
			      "status %d has no words", st);
	ck_assert_str_eq(aa_dns_name_why(AA_DNS_NAME_LONG_LABEL), "a label over 63 octets");
}
END_TEST

/* aa_domain_norm: the rule's flags, IDNA, folding, and no memory kept
 * apart from "not a domain". */
struct norm_case {
	const char *outcome;
	const char *s;
	size_t len;
	enum aa_name_rule rule;
	enum aa_dns_name_status want;
	const char *norm;
};

static const struct norm_case norm_cases[] = {
	{ "an author domain is folded and loses its root dot", V("Mail.Example.COM."),
	  AA_NAME_IDNA, AA_DNS_NAME_OK, "mail.example.com" },
	{ "a Unicode author domain becomes A-labels", V("b\xc3\xbc" "cher.example"), AA_NAME_IDNA,
	  AA_DNS_NAME_OK, "xn--bcher-kva.example" },
	{ "a fullwidth full stop separates labels", V("victim\xef\xbc\x8etest"), AA_NAME_IDNA,
	  AA_DNS_NAME_OK, "victim.test" },
	{ "bytes that are not UTF-8 cannot be mapped", V("a\xff.example"), AA_NAME_IDNA,
	  AA_DNS_NAME_BAD_IDNA, NULL },
	{ "a NUL inside an author domain is a bad byte", V("b\xc3\xbc\0.example"), AA_NAME_IDNA,
	  AA_DNS_NAME_BAD_BYTE, NULL },
	{ "an edge hyphen is not an LDH name", V("-a.example"), AA_NAME_LDH,
	  AA_DNS_NAME_EDGE_HYPHEN, NULL },
	{ "an edge hyphen is a loose name", V("-a.example"), AA_NAME_LOOSE, AA_DNS_NAME_OK,
	  "-a.example" },
	{ "8-bit bytes are a loose name, kept", V("caf\xc3\xa9.example"), AA_NAME_LOOSE,
	  AA_DNS_NAME_OK, "caf\xc3\xa9.example" },
	{ "8-bit bytes are not an LDH name", V("caf\xc3\xa9.example"), AA_NAME_LDH,
	  AA_DNS_NAME_BAD_BYTE, NULL },
	{ "a 64-octet label is no author domain", V(L64 ".example"), AA_NAME_IDNA,
	  AA_DNS_NAME_LONG_LABEL, NULL },
};

START_TEST(domain_norm_gives_the_status_of_its_case)
{
	const struct norm_case *c = &norm_cases[_i];
	struct aa_arena *arena = aa_arena_new();
	const char *d = "unset";
	enum aa_dns_name_status st;

	ck_assert_ptr_nonnull(arena);
	st = aa_domain_norm(arena, c->s, c->len, c->rule, &d);
	ck_assert_msg(st == c->want, "%s: got %d (%s)", c->outcome, (int)st, aa_dns_name_why(st));
	if (c->norm != NULL)
		ck_assert_str_eq(d, c->norm);
	else
		ck_assert_ptr_null(d);
	aa_arena_free(&arena);
}
END_TEST

START_TEST(domain_norm_without_memory_says_so_never_invalid)
{
	static const enum aa_name_rule rules[] = { AA_NAME_LDH, AA_NAME_LOOSE, AA_NAME_IDNA };
	struct aa_arena *arena = aa_arena_new();
	const char *d;

	ck_assert_ptr_nonnull(arena);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		aa_arena_fail_after(arena, 0, SIZE_MAX);
		ck_assert_int_eq(aa_domain_norm(arena, V("example.com"), rules[i], &d),
				 AA_DNS_NAME_NOMEM);
	}
	aa_arena_fail_after(arena, 0, SIZE_MAX);
	ck_assert_int_eq(aa_domain_norm(arena, V("b\xc3\xbc" "cher.example"), AA_NAME_IDNA, &d),
			 AA_DNS_NAME_NOMEM);
	aa_arena_fail_after(arena, SIZE_MAX, 0);
	aa_arena_free(&arena);
}
END_TEST

/* The classes are the C locale's, whatever the process's locale. */
START_TEST(ctype_classes_are_the_c_locales_for_every_byte)
{
	setlocale(LC_CTYPE, "C");
	for (int c = 0; c < 256; c++) {
		unsigned char b = (unsigned char)c;

		ck_assert_msg(aa_is_space(b) == (isspace(c) != 0), "space %#x", c);
		ck_assert_msg(aa_is_alnum(b) == (isalnum(c) != 0), "alnum %#x", c);
		ck_assert_msg(aa_is_alpha(b) == (isalpha(c) != 0), "alpha %#x", c);
		ck_assert_msg(aa_is_digit(b) == (isdigit(c) != 0), "digit %#x", c);
		ck_assert_msg(aa_is_upper(b) == (isupper(c) != 0), "upper %#x", c);
		ck_assert_msg(aa_is_vchar(b) == (isgraph(c) != 0), "vchar %#x", c);
		ck_assert_msg(aa_lower(b) == tolower(c), "lower %#x", c);
	}
}
END_TEST

START_TEST(ctype_all_digits_needs_one_digit_and_only_digits_within_len)
{
	ck_assert(aa_all_digits("0", 1) && aa_all_digits("2026", 4));
	ck_assert(!aa_all_digits("", 0) && !aa_all_digits("1", 0));
	ck_assert(!aa_all_digits("12a", 3) && !aa_all_digits("-1", 2) && !aa_all_digits("1 ", 2));
	ck_assert(aa_all_digits("12a", 2));		/* only len bytes are read */
	ck_assert(!aa_all_digits("1\0" "2", 3));	/* a NUL is not a digit */
	ck_assert(!aa_all_digits("\xd9\xa3", 2));	/* nor is ARABIC-INDIC DIGIT THREE */
}
END_TEST

START_TEST(ctype_white_space_sets_are_distinct)
{
	/* WSP: SP HTAB; folding white space adds CR LF; isspace adds VT FF */
	ck_assert(aa_is_wsp(' ') && aa_is_wsp('\t'));
	ck_assert(!aa_is_wsp('\r') && !aa_is_wsp('\n'));
	ck_assert(aa_is_fws('\r') && aa_is_fws('\n') && aa_is_fws(' ') && aa_is_fws('\t'));
	ck_assert(!aa_is_fws('\v') && !aa_is_fws('\f'));
	ck_assert(aa_is_space('\v') && aa_is_space('\f'));
	ck_assert(!aa_is_space(0xa0) && !aa_is_fws(0xa0) && !aa_is_wsp(0xa0));
	ck_assert(aa_is_ldh('-') && !aa_is_ldh('_') && !aa_is_ldh('.'));
}
END_TEST

Suite *suite_dns_name(void)
{
	Suite *s = suite_create("dns_name");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, dns_name_check_gives_the_status_of_its_case, 0,
			    sizeof(name_cases) / sizeof(name_cases[0]));
	tcase_add_test(tc, dns_name_check_of_null_is_empty);
	tcase_add_test(tc, dns_name_every_status_has_words);
	tcase_add_loop_test(tc, domain_norm_gives_the_status_of_its_case, 0,
			    sizeof(norm_cases) / sizeof(norm_cases[0]));
	tcase_add_test(tc, domain_norm_without_memory_says_so_never_invalid);
	tcase_add_test(tc, ctype_classes_are_the_c_locales_for_every_byte);
	tcase_add_test(tc, ctype_white_space_sets_are_distinct);
	tcase_add_test(tc, ctype_all_digits_needs_one_digit_and_only_digits_within_len);
	suite_add_tcase(s, tc);
	return s;
}
