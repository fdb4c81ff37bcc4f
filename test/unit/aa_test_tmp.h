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

#endif
