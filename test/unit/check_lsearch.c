/* check_lsearch.c - the one lsearch reader: entries, continuations, keys, errors with file:line. */
#include <sys/stat.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_lsearch.h"
#include "aa_test.h"

/* path of a file holding len bytes of text (NUL bytes included) */
static char *write_tmp_n(const char *text, size_t len)
{
	char path[] = "/tmp/aa-lsearch-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return strdup(path);
}

static char *write_tmp(const char *text)
{
	return write_tmp_n(text, strlen(text));
}

struct seen {
	char out[1024];
};

static int collect(void *arg, const char *file, unsigned line, char *key, char *data, char *err,
		   size_t errlen)
{
	struct seen *s = arg;
	size_t n = strlen(s->out);

	(void)file; (void)err; (void)errlen;
	snprintf(s->out + n, sizeof(s->out) - n, "%u|%s|%s\n", line, key, data);
	return 0;
}

struct read_case {
	const char *name;
	const char *text;
	const char *expect;	/* collected entries, or the error's tail */
	int rc;
};

static const struct read_case read_cases[] = {
	{ "key colon data and key space data are the same", "a.example: x=1\nb.example  y=2\n",
	  "1|a.example|x=1\n2|b.example|y=2\n", 0 },
	{ "continuation lines join with one space and keep the key's line",
	  "# c\n\nk: a=1\n   b=2\n\tc=3\nz: \n", "3|k|a=1 b=2 c=3\n6|z|\n", 0 },
	{ "a key with empty data continued", "k:\n  a=1\n", "1|k|a=1\n", 0 },
	{ "a continuation without a key is an error with its line", "\n  a=1\n",
	  ":2: continuation line without a key", -1 },
	{ "a quoted key is refused", "\"a b\": x=1\n", ":1: malformed key", -1 },
	{ "CRLF line ends are fine", "k: a=1\r\n  b=2\r\n", "1|k|a=1 b=2\n", 0 },
};

START_TEST(lsearch_reads_entries)
{
	const struct read_case *c = &read_cases[_i];
	char *path = write_tmp(c->text);
	struct seen s = { "" };
	char err[256] = "";
	int rc = aa_lsearch_read(path, collect, &s, err, sizeof(err));

	ck_assert_msg(rc == c->rc, "%s: rc %d (%s)", c->name, rc, err);
	if (rc == 0)
		ck_assert_msg(strcmp(s.out, c->expect) == 0, "%s: got \"%s\"", c->name, s.out);
	else
		ck_assert_msg(strstr(err, c->expect) != NULL && strncmp(err, path, strlen(path)) == 0,
			      "%s: error \"%s\"", c->name, err);
	unlink(path);
	free(path);
}
END_TEST

static const char *const keys[] = { "a.example", "*.b.example", "*", NULL };

static const void *find(const void *arg, const char *key)
{
	const char *const *k = arg;

	for (; *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return *k;
	return NULL;
}

START_TEST(lsearch_most_specific_key_wins)
{
	ck_assert_str_eq(aa_lsearch_best("a.example", find, keys), "a.example");
	ck_assert_str_eq(aa_lsearch_best("x.y.b.example", find, keys), "*.b.example");
	ck_assert_str_eq(aa_lsearch_best("b.example", find, keys), "*");
	ck_assert_str_eq(aa_lsearch_best(NULL, find, keys), "*");
}
END_TEST

START_TEST(lsearch_keys_and_lists_are_checked)
{
	char k1[] = "*.Example.COM", k2[] = "a..example", k3[] = "*", k4[] = "bad!key";
	size_t n;
	int empty;
	char **v;

	ck_assert_int_eq(aa_lsearch_domain_key(k1), 1);
	ck_assert_str_eq(k1, "*.example.com");
	ck_assert_int_eq(aa_lsearch_domain_key(k2), 0);
	ck_assert_int_eq(aa_lsearch_domain_key(k3), 1);
	ck_assert_int_eq(aa_lsearch_domain_key(k4), 0);
	v = aa_lsearch_list("A.example,b.example", ',', 1, &n, &empty);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0], "a.example");
	ck_assert_ptr_null(v[2]);
	free(v);
	ck_assert_ptr_null(aa_lsearch_list("a,,b", ',', 0, &n, &empty));
	ck_assert_int_eq(empty, 1);
	ck_assert_ptr_null(aa_lsearch_list("", ',', 0, &n, &empty));
	ck_assert_int_eq(empty, 1);
}
END_TEST

/* A FIFO, a directory, /dev/zero or a missing file named as a table or the settings
 * is an error at once: nothing waits for a writer (the Exim daemon reads
 * them before it accepts a connection), and /dev/null is an empty file. */
START_TEST(a_fifo_or_a_directory_named_as_a_file_is_refused_at_once)
{
	char dir[] = "/tmp/aa-open-XXXXXX", fifo[64], err[256];
	struct aa_config *cfg = NULL;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	alarm(10);	/* a blocking open would hang here: the test fails by timeout */
	ck_assert_ptr_null(aa_lsearch_open(fifo, err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot open: not a regular file") != NULL, "%s", err);
	ck_assert_int_eq(aa_config_load(fifo, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_null(aa_lsearch_open(dir, err, sizeof(err)));
	ck_assert_msg(strstr(err, "a directory, not a file") != NULL, "%s", err);
	ck_assert_int_eq(aa_config_load(dir, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "a directory, not a file") != NULL, "%s", err);
	ck_assert_ptr_null(aa_lsearch_open("/dev/zero", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	alarm(0);
	f = aa_lsearch_open("/dev/null", err, sizeof(err));
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fgetc(f), EOF);
	fclose(f);
	ck_assert_int_eq(aa_config_load("/dev/null", &cfg, err, sizeof(err)), 0);
	aa_config_free(&cfg);
	unlink(fifo);
	rmdir(dir);
}
END_TEST

/* An error quotes a key from the file as it is: no control or 8-bit
 * byte of it reaches the log line built from the error. */
START_TEST(an_error_quoting_a_key_holds_printable_ascii_only)
{
	char err[128];

	aa_lsearch_err(err, sizeof(err), "t", 3, "key \"%s\" given twice", "\x1b[2J\r\n\xc3\xa9x");
	ck_assert_str_eq(err, "t:3: key \"?[2J????x\" given twice");
}
END_TEST

/* "203.0.113.10\0, 2001:db8::10" must not load as the IPv4 address alone. */
START_TEST(a_nul_byte_in_a_table_or_the_settings_is_an_error_not_a_shorter_line)
{
	static const char table[] = "a.example: mode=enforce\nb.example: mode=off\0 policy=reject\n";
	static const char settings[] = "mode = monitor\noutbound_egress = 203.0.113.10\0, 2001:db8::10\n";
	char *t = write_tmp_n(table, sizeof(table) - 1), *s = write_tmp_n(settings, sizeof(settings) - 1);
	struct seen seen = { "" };
	struct aa_config *cfg = NULL;
	char err[256] = "";

	ck_assert_int_eq(aa_lsearch_read(t, collect, &seen, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":2: a NUL byte in the line") != NULL, "%s", err);
	ck_assert_int_eq(aa_config_load(s, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":2: a NUL byte in the line") != NULL, "%s", err);
	ck_assert_ptr_null(cfg);
	unlink(t);
	unlink(s);
	free(t);
	free(s);
}
END_TEST

Suite *suite_lsearch(void)
{
	Suite *s = suite_create("lsearch");
	TCase *tc = tcase_create("lsearch");

	tcase_add_loop_test(tc, lsearch_reads_entries, 0,
			    (int)(sizeof(read_cases) / sizeof(read_cases[0])));
	tcase_add_test(tc, lsearch_most_specific_key_wins);
	tcase_add_test(tc, a_nul_byte_in_a_table_or_the_settings_is_an_error_not_a_shorter_line);
	tcase_add_test(tc, an_error_quoting_a_key_holds_printable_ascii_only);
	tcase_add_test(tc, a_fifo_or_a_directory_named_as_a_file_is_refused_at_once);
	tcase_add_test(tc, lsearch_keys_and_lists_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
