/* aa_lsearch.h - the one reader of Exim's lsearch format, for every table.
 *
 * The inbound per-domain table, the destination profiles, the routes and
 * the outbound domains table are all lsearch files, so Exim admins write
 * them the way they write any Exim lookup file:
 *
 *   # a comment line
 *   key: data               (the colon is optional: "key data")
 *      more data            (a line that starts with white space continues)
 *
 * Blank lines are ignored. Quoted keys (Exim allows "a b": ...) are
 * refused: no table of ours has keys with spaces or colons. The reader
 * has no state of its own: each entry goes to the caller's function with
 * its file and the line its key is on, and every error names both. The
 * tables themselves (records, hash index, rereading a changed file) are
 * aa_table.h's. Part of the toolkit (core/lib/): it knows the file
 * format, not what any table means.
 */
#ifndef AA_LSEARCH_H
#define AA_LSEARCH_H

#include <stddef.h>
#include <stdio.h>

#define AA_LSEARCH_LINE_MAX 4096	/* one physical line */
#define AA_LSEARCH_DATA_MAX 4096	/* an entry's data, continuations joined by a space */
#define AA_LSEARCH_KEY_MAX 255		/* RFC 1035 name length, plus "*." */

/* One entry: key and data (both writable, data trimmed, continuation
 * lines joined with one space). Return 0 to go on, -1 after writing err. */
typedef int aa_lsearch_entry_fn(void *arg, const char *file, unsigned line, char *key,
				char *data, char *err, size_t errlen);

/* Read path, calling fn for each entry in file order. Returns 0, or -1
 * with "file:line: what" in err (a file that cannot be opened: "file:
 * cannot open: ..."). */
/* Open an admin's file to read, as every loader must: never blocking (a
 * FIFO or a device named by mistake would stall the Exim daemon, which
 * reads them before it forks), close-on-exec, and only a regular file or
 * /dev/null (another device, such as /dev/zero, never ends). NULL with "path: cannot open:
 * why" in err. */
FILE *aa_lsearch_open(const char *path, char *err, size_t errlen);
/* One physical line of f into buf (size bytes), without its "\n" or
 * "\r\n": 1; 0 at the end of the file; -1 with *why_r for a line longer
 * than size - 2 bytes, one holding a NUL byte (what follows it would be
 * dropped unseen) or a read error. */
int aa_lsearch_read_line(FILE *f, char *buf, size_t size, const char **why_r);

int aa_lsearch_read(const char *path, aa_lsearch_entry_fn *fn, void *arg, char *err,
		    size_t errlen);

/* The same for a file already open (path names it in errors). */
int aa_lsearch_read_file(FILE *f, const char *path, aa_lsearch_entry_fn *fn, void *arg, char *err,
			 size_t errlen);

/* "file:line: " (or "file: " for line 0) and the message, into err. */
/* "file:line: what" into err; every byte that is not printable ASCII
 * becomes '?' (a key quoted from the file may hold any byte). */
void aa_lsearch_err(char *err, size_t errlen, const char *file, unsigned line, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));

/* Lower-case key in place; 1 when it is a domain, "*.domain" or "*". */
int aa_lsearch_domain_key(char *key);

/* s without leading and trailing white space (trailing cut in place). */
char *aa_trim(char *s);

/* 1 when name is a plain DNS name (letters, digits, '-', '_', dots
 * between non-empty labels, at most 253 octets). */
int aa_lsearch_is_name(const char *name);

/* The next white-space separated "name=value" of data at *cursor (data
 * is cut in place). Returns 1 with *name and *value set, 0 at the end,
 * -1 for a token without '=' (*name is the token, *value NULL). */
int aa_lsearch_option(char **cursor, char **name, char **value);

/* The entry for domain whose key is the most specific: the domain
 * itself, then "*.parent" for each parent, nearest first, then "*".
 * find(arg, key) returns the entry for an exact key or NULL. */
const void *aa_lsearch_best(const char *domain, const void *(*find)(const void *arg,
								    const char *key),
			    const void *arg);

/* Split v at sep into a NULL-terminated vector in one malloc()ed block
 * (free() it once). Items are lower-cased when fold is set. NULL when out
 * of memory or when v or any item is empty (*empty_r = 1 then). */
char **aa_lsearch_list(const char *v, char sep, int fold, size_t *n_r, int *empty_r);

#endif
