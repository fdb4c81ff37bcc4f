/* aa_table.h - a table read from an Exim lsearch file, indexed once.
 *
 * Every table of ours (the per-domain table, destination profiles,
 * routes, the outbound domains table, the owners file) is one of these:
 * the file is read by the one lsearch reader (aa_lsearch.h), each entry
 * becomes a record of the caller's type in one array that grows by
 * doubling, and its key goes into a hash index built as the file is read,
 * so a duplicate key and a lookup cost O(1), not a walk of the table.
 *
 * A record's first member is `const char *key`: the table sets it to its
 * own copy of the key, which lives as long as the table.
 *
 * Tables are shared within a process: aa_table_open() hands out the table
 * already read from the same file by the same kind when the file's
 * (device, inode, size, mtime) are unchanged, and reads it again
 * otherwise; aa_table_is_current() says whether a reload would read it.
 * The table knows nothing of what its records mean.
 */
#ifndef AA_TABLE_H
#define AA_TABLE_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>
#include "aa_lsearch.h"

struct aa_table;

/* What a file was when it was read: a reread is due when any differs. */
struct aa_file_stamp {
	unsigned long long dev, ino;
	long long size;
	struct timespec mtime;
};

void aa_file_stamp_set(struct aa_file_stamp *s, const struct stat *st);
/* 1 when path (followed through links) is still the file of s. */
int aa_file_stamp_current(const struct aa_file_stamp *s, const char *path);

/* One kind of table: a static per loader. entry gets the table as its
 * arg; finish (may be NULL) runs once the whole file is read. */
struct aa_table_kind {
	size_t rec_size;
	aa_lsearch_entry_fn *entry;
	int (*finish)(struct aa_table *t, const char *file, char *err, size_t errlen);
	void (*rec_free)(void *rec);	/* what a record owns; may be NULL */
};

/* The table of path (shared when current, see above), or NULL with
 * "file:line: what" in err. */
struct aa_table *aa_table_open(const struct aa_table_kind *kind, const char *path, char *err,
			       size_t errlen);
/* The same, held in a new zeroed struct of holder_size bytes whose first
 * member is the struct aa_table pointer (a loader's public handle, such
 * as struct aa_routes). NULL with err set; free the holder's table with
 * aa_table_free() and the holder with free(). */
void *aa_table_open_held(const struct aa_table_kind *kind, const char *path, size_t holder_size,
			 char *err, size_t errlen);
/* An empty table of no file (built-in data). NULL when out of memory. */
struct aa_table *aa_table_new(const struct aa_table_kind *kind);
/* Drop this reference; the last one frees the records. */
void aa_table_free(struct aa_table **tp);

/* A new zeroed record for key (copied), its key member set; valid until
 * the next add. NULL when out of memory. Check aa_table_find() first:
 * keys are not checked for duplicates here. */
void *aa_table_add(struct aa_table *t, const char *key);

/* aa_table_add() for a loader's entry function: NULL with "file:line:
 * WHAT "key" given twice", "too many WHATs" (max) or "out of memory"
 * in err. */
void *aa_table_add_new(struct aa_table *t, const char *key, size_t max, const char *what, const char *file,
		       unsigned line, char *err, size_t errlen);

/* The record whose key is exactly key, or NULL. */
const void *aa_table_find(const struct aa_table *t, const char *key);
/* The record for domain (any case) whose key is the most specific: the
 * domain, then "*.parent" for each parent, nearest first, then "*". */
const void *aa_table_best(const struct aa_table *t, const char *domain);

size_t aa_table_count(const struct aa_table *t);
/* Records in file order. */
const void *aa_table_at(const struct aa_table *t, size_t i);

/* 1 when t has no file or its file is unchanged since it was read. */
int aa_table_is_current(const struct aa_table *t);

/* Key comparisons made through the index so far (for tests: a load
 * must stay linear in the number of entries). */
unsigned long long aa_table_compares(const struct aa_table *t);

#endif
