/* aa_test_tmp.h - a private temporary directory holding one table file, for table loaders' tests. */
#ifndef AA_TEST_TMP_H
#define AA_TEST_TMP_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aa_test_tmp {
	char dir[64];
	char path[96];
};

/* Make a fresh directory (mkdtemp) and write text to "table" in it. */
static inline const char *aa_test_tmp_write(struct aa_test_tmp *t, const char *text)
{
	FILE *f;
	const char *base = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/aa-unit-XXXXXX",
		 base != NULL && strlen(base) < 40 ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/table", t->dir);
	f = fopen(t->path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	return t->path;
}

static inline void aa_test_tmp_remove(struct aa_test_tmp *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

/* A loader's error for the table at path: it names path:line first and
 * holds why; line_text (the bad line) only labels a failure. */
static inline void aa_test_assert_error_at(const char *err, const char *path, unsigned line,
					   const char *why, const char *line_text)
{
	char want[160];

	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: error \"%s\" not at %s", line_text, err, want);
	ck_assert_msg(strstr(err, why) != NULL, "%s: error \"%s\", want \"%s\"", line_text, err, why);
}

#endif
