/* check_options.c - the settings table against its manual page, and the
 * enum name tables it rests on.
 *
 * doc/authalign.conf.5.md writes each setting, in its OPTIONS section, as
 * a line "`name` = VALUES" (VALUES: the enum's words as "`a` | `b`", or
 * the type's placeholder such as "*time*") followed by its description;
 * the description says "Default `value`" exactly when the table has a
 * default. THE PER-DOMAIN TABLE section writes each option as a line
 * "`name=a|b|c`". Lines are joined, so a sentence may wrap anywhere. */
#include <ctype.h>
#include "aa_config.h"
#include "aa_test.h"

#define MANUAL "doc/authalign.conf.5.md"
#define MANUAL_MAX (256 * 1024)
#define ENTRIES_MAX 64

struct doc_entry {
	char name[64];
	char head[256];		/* what follows "`name` = ", or the words after '=' */
	char body[4096];	/* the description, white space runs as one space */
};

struct manual {
	struct doc_entry options[ENTRIES_MAX], domain[ENTRIES_MAX];
	size_t n_options, n_domain;
};

static void append(char *body, size_t size, const char *line)
{
	size_t used = strlen(body);

	for (; *line != '\0' && used + 2 < size; line++) {
		int space = isspace((unsigned char)*line);

		if (space && (used == 0 || body[used - 1] == ' '))
			continue;
		body[used++] = space ? ' ' : *line;
	}
	if (used > 0 && body[used - 1] != ' ' && used + 1 < size)
		body[used++] = ' ';
	body[used] = '\0';
}

/* "`name` = rest" (sep '`') or "`name=rest`" (sep '='): the entry, or NULL. */
static struct doc_entry *entry_line(const char *line, const char *sep, struct doc_entry *v, size_t *n)
{
	size_t len = 0;
	struct doc_entry *e;

	if (line[0] != '`')
		return NULL;
	while (islower((unsigned char)line[1 + len]) || line[1 + len] == '_')
		len++;
	if (len == 0 || len >= sizeof(v->name) || strncmp(line + 1 + len, sep, strlen(sep)) != 0)
		return NULL;
	ck_assert_msg(*n < ENTRIES_MAX, "more than %d entries in the manual", ENTRIES_MAX);
	e = &v[(*n)++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, line + 1, len);
	snprintf(e->head, sizeof(e->head), "%s", line + 1 + len + strlen(sep));
	if (strcmp(sep, "=") == 0 && e->head[0] != '\0' && e->head[strlen(e->head) - 1] == '`')
		e->head[strlen(e->head) - 1] = '\0';
	return e;
}

static void manual_read(struct manual *m)
{
	static char text[MANUAL_MAX];
	FILE *f = fopen(MANUAL, "r");
	size_t len;
	enum { OTHER, OPTIONS, DOMAIN } section = OTHER;
	struct doc_entry *cur = NULL;

	ck_assert_msg(f != NULL, "cannot open %s (run from the top of the tree)", MANUAL);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	ck_assert_msg(len < sizeof(text) - 1, "%s is larger than the test reads", MANUAL);
	text[len] = '\0';
	memset(m, 0, sizeof(*m));
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct doc_entry *e = NULL;

		if (strncmp(line, "## ", 3) == 0) {
			section = strcmp(line, "## OPTIONS") == 0 ? OPTIONS :
				  strcmp(line, "## THE PER-DOMAIN TABLE") == 0 ? DOMAIN : OTHER;
			cur = NULL;
			continue;
		}
		if (section == OPTIONS)
			e = entry_line(line, "` = ", m->options, &m->n_options);
		else if (section == DOMAIN)
			e = entry_line(line, "=", m->domain, &m->n_domain);
		if (e != NULL)
			cur = e;
		else if (cur != NULL)
			append(cur->body, sizeof(cur->body), line[0] == ':' ? line + 1 : line);
	}
}

START_TEST(manual_documents_every_setting_of_the_table_and_no_other)
{
	static struct manual m;
	const struct aa_option *o;
	size_t n = 0;

	manual_read(&m);
	for (; (o = aa_option_at(n)) != NULL; n++) {
		ck_assert_msg(n < m.n_options, "%s: setting %s is not documented", MANUAL, o->name);
		ck_assert_msg(strcmp(m.options[n].name, o->name) == 0,
			      "%s: setting %zu is %s, the table's is %s (same settings, same order)",
			      MANUAL, n + 1, m.options[n].name, o->name);
	}
	ck_assert_msg(m.n_options == n, "%s documents %s, which the table does not have", MANUAL,
		      m.options[n < m.n_options ? n : 0].name);
}
END_TEST

START_TEST(manual_gives_each_setting_the_table_values_and_default)
{
	static struct manual m;
	const struct aa_option *o = aa_option_at((size_t)_i);
	const struct doc_entry *e = NULL;
	char want[256], words[256], def[128];

	manual_read(&m);
	for (size_t i = 0; i < m.n_options; i++)
		if (strcmp(m.options[i].name, o->name) == 0)
			e = &m.options[i];
	ck_assert_msg(e != NULL, "%s: setting %s is not documented", MANUAL, o->name);
	if (o->type->metavar != NULL)
		snprintf(want, sizeof(want), "%s", o->type->metavar);
	else
		snprintf(want, sizeof(want), "`%s`", aa_names_list(o->names, "` | `", "` | `", words, sizeof(words)));
	ck_assert_msg(strcmp(e->head, want) == 0, "%s: `%s` = %s, the table says %s", MANUAL, o->name,
		      e->head, want);
	if (o->def != NULL) {
		snprintf(def, sizeof(def), "Default `%s`", o->def);
		ck_assert_msg(strstr(e->body, def) != NULL, "%s: %s does not say \"%s\"", MANUAL, o->name, def);
	} else {
		ck_assert_msg(strstr(e->body, "Default `") == NULL,
			      "%s: %s names a default, the table has none", MANUAL, o->name);
	}
	if (o->max > 0) {
		snprintf(want, sizeof(want), "1 to %u", o->max);
		ck_assert_msg(strstr(e->body, want) != NULL, "%s: %s does not say \"%s\"", MANUAL, o->name, want);
	}
	ck_assert_msg(o->doc != NULL && o->doc[0] != '\0', "%s has no description in the table", o->name);
}
END_TEST

START_TEST(manual_gives_the_per_domain_options_and_their_words)
{
	static struct manual m;
	const struct aa_names *t;
	const char *name;
	char words[256];
	size_t n = 0;

	manual_read(&m);
	for (; (name = aa_domain_option_at(n, &t)) != NULL; n++) {
		ck_assert_msg(n < m.n_domain, "%s: per-domain option %s is not documented", MANUAL, name);
		ck_assert_str_eq(m.domain[n].name, name);
		ck_assert_str_eq(m.domain[n].head, aa_names_list(t, "|", "|", words, sizeof(words)));
	}
	ck_assert_msg(m.n_domain == n, "%s: the per-domain table documents %zu options, the parser has %zu",
		      MANUAL, m.n_domain, n);
}
END_TEST

START_TEST(every_default_is_a_value_its_type_takes)
{
	const struct aa_option *o;

	for (size_t i = 0; (o = aa_option_at(i)) != NULL; i++) {
		struct aa_config *cfg = calloc(1, sizeof(*cfg));
		const char *why = aa_option_invalid;

		ck_assert_ptr_nonnull(cfg);
		ck_assert_ptr_eq(aa_option_find(o->name), o);
		if (o->def != NULL)
			ck_assert_msg(o->type->set(o, cfg, o->def, &why) == 0, "default of %s: %s", o->name, why);
		aa_config_free(&cfg);
	}
}
END_TEST

static const struct aa_name colour_words[] = {
	{ "red", 1 }, { "green", 2 }, { "blue", 3 }, { "crimson", 1 },
};
static const struct aa_names colours = { colour_words, 4 };

START_TEST(names_take_aliases_but_list_and_write_only_the_first)
{
	char buf[64];
	int v = 0;

	ck_assert_int_eq(aa_names_parse(&colours, "crimson", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_str_eq(aa_names_name(&colours, 1, "?"), "red");
	ck_assert_str_eq(aa_names_name(&colours, 7, "?"), "?");
	ck_assert_int_eq(aa_names_parse(&colours, "Red", &v), -1);
	ck_assert_str_eq(aa_names_list(&colours, ", ", " or ", buf, sizeof(buf)), "red, green or blue");
	ck_assert_str_eq(aa_names_list(&colours, ", ", " or ", buf, 7), "red, g");
	ck_assert_str_eq(aa_names_list(&aa_bool_names, ", ", " or ", buf, sizeof(buf)), "yes or no");
	ck_assert_str_eq(aa_mode_name(AA_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(aa_out_mode_name(AA_OUT_ROUTE), "route");
}
END_TEST

#define V(s) s, sizeof(s) - 1

static const struct {
	const char *outcome;
	const char *word;
	size_t len;
	unsigned flags;
	int want;			/* -1: no word */
} parse_n_cases[] = {
	{ "an exact word of its length is found", V("green"), 0, 2 },
	{ "an alias of its length is found", V("crimson"), 0, 1 },
	{ "a prefix of a word is no word", V("gree"), 0, -1 },
	{ "a word and more is no word", V("greens"), 0, -1 },
	{ "only len bytes are read", "green:x", 5, 0, 2 },
	{ "a NUL inside the length is no word", V("red\0"), 0, -1 },
	{ "the empty string is no word", V(""), 0, -1 },
	{ "upper case is no word without ICASE", V("BLUE"), 0, -1 },
	{ "upper case is the word under ICASE", V("BLUE"), AA_NAMES_ICASE, 3 },
	{ "ICASE still needs the whole word", V("Gree"), AA_NAMES_ICASE, -1 },
};

START_TEST(names_parse_n_reads_len_bytes_under_its_case_rule)
{
	int v = -1;
	int rc = aa_names_parse_n(&colours, parse_n_cases[_i].word, parse_n_cases[_i].len,
				  parse_n_cases[_i].flags, &v);

	ck_assert_msg(rc == (parse_n_cases[_i].want < 0 ? -1 : 0) && (rc < 0 || v == parse_n_cases[_i].want),
		      "%s: rc %d value %d", parse_n_cases[_i].outcome, rc, v);
}
END_TEST

START_TEST(every_result_and_step_name_parses_back_to_its_value)
{
	for (int r = AA_NONE; r <= AA_POLICY; r++) {
		enum aa_result back;

		ck_assert_int_eq(aa_result_parse(aa_result_name((enum aa_result)r), &back), 0);
		ck_assert_int_eq((int)back, r);
	}
	ck_assert_str_eq(aa_result_name((enum aa_result)99), "temperror");
	for (int s = AA_STEP_DIRECT; s <= AA_STEP_REFUSE; s++) {
		int back = -1;

		ck_assert_int_eq(aa_names_parse(&aa_step_names, aa_step_name((enum aa_step)s), &back), 0);
		ck_assert_int_eq(back, s);
	}
	ck_assert_str_eq(aa_step_name((enum aa_step)99), "refuse");
}
END_TEST

START_TEST(a_misspelt_setting_finds_the_one_meant_and_nothing_else)
{
	ck_assert_str_eq(aa_option_nearest("dns_timout"), "dns_timeout");
	ck_assert_str_eq(aa_option_nearest("outbound_trusted_host"), "outbound_trusted_hosts");
	ck_assert_str_eq(aa_option_nearest("mod"), "mode");
	ck_assert_ptr_null(aa_option_nearest("colour"));
	ck_assert_ptr_null(aa_option_nearest("x"));
	ck_assert_ptr_null(aa_option_nearest(""));
}
END_TEST

Suite *suite_options(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");
	size_t n = 0;

	while (aa_option_at(n) != NULL)
		n++;
	tcase_add_test(tc, manual_documents_every_setting_of_the_table_and_no_other);
	tcase_add_loop_test(tc, manual_gives_each_setting_the_table_values_and_default, 0, (int)n);
	tcase_add_test(tc, manual_gives_the_per_domain_options_and_their_words);
	tcase_add_test(tc, every_default_is_a_value_its_type_takes);
	tcase_add_test(tc, names_take_aliases_but_list_and_write_only_the_first);
	tcase_add_loop_test(tc, names_parse_n_reads_len_bytes_under_its_case_rule, 0,
			    sizeof(parse_n_cases) / sizeof(parse_n_cases[0]));
	tcase_add_test(tc, every_result_and_step_name_parses_back_to_its_value);
	tcase_add_test(tc, a_misspelt_setting_finds_the_one_meant_and_nothing_else);
	suite_add_tcase(s, tc);
	return s;
}
