/* lsearch.c - the one reader of Exim's lsearch format (aa_lsearch.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "aa_lsearch.h"

void aa_lsearch_err(char *err, size_t errlen, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = line > 0 ? snprintf(err, errlen, "%s:%u: ", file, line) : snprintf(err, errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	/* what an admin's file (or a customer's, such as cPanel's owners
	 * file) holds reaches the logs through here: printable ASCII only */
	for (char *p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

char *aa_trim(char *s)
{
	char *e;

	while (aa_is_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && aa_is_space((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

struct reader {
	const char *path;
	aa_lsearch_entry_fn *fn;
	void *arg;
	char key[AA_LSEARCH_KEY_MAX + 1];
	char data[AA_LSEARCH_DATA_MAX];
	unsigned keyline;
	int have;
};

static int flush(struct reader *rd, char *err, size_t errlen)
{
	if (!rd->have)
		return 0;
	rd->have = 0;
	return rd->fn(rd->arg, rd->path, rd->keyline, rd->key, rd->data, err, errlen);
}

/* One line, already without its line end. */
static int take_line(struct reader *rd, char *line, unsigned lineno, char *err, size_t errlen)
{
	size_t klen;
	char *rest;

	if (line[0] == '#' || aa_trim(line)[0] == '\0')
		return 0;
	if (aa_is_space((unsigned char)line[0])) {
		const char *more = aa_trim(line);

		if (!rd->have) {
			aa_lsearch_err(err, errlen, rd->path, lineno, "continuation line without a key");
			return -1;
		}
		if (strlen(rd->data) + strlen(more) + 2 > sizeof(rd->data)) {
			aa_lsearch_err(err, errlen, rd->path, lineno, "data too long");
			return -1;
		}
		if (rd->data[0] != '\0')
			strcat(rd->data, " ");
		strcat(rd->data, more);
		return 0;
	}
	if (flush(rd, err, errlen) < 0)
		return -1;
	klen = strcspn(line, ": \t");
	if (line[0] == '"' || klen == 0 || klen >= sizeof(rd->key)) {
		aa_lsearch_err(err, errlen, rd->path, lineno, "malformed key");
		return -1;
	}
	memcpy(rd->key, line, klen);
	rd->key[klen] = '\0';
	rest = line + klen;
	while (aa_is_space((unsigned char)*rest))
		rest++;
	if (*rest == ':')
		rest++;
	snprintf(rd->data, sizeof(rd->data), "%s", aa_trim(rest));
	rd->have = 1;
	rd->keyline = lineno;
	return 0;
}

/* /dev/null, the one device an admin names as an empty file (another,
 * such as /dev/zero, would be read for ever) */
static int is_dev_null(const struct stat *st)
{
	struct stat null;

	return S_ISCHR(st->st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	       st->st_rdev == null.st_rdev;
}

FILE *aa_lsearch_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	const char *why = NULL;
	FILE *f;

	if (fd < 0) {
		aa_lsearch_err(err, errlen, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) && !is_dev_null(&st))
		why = S_ISDIR(st.st_mode) ? "a directory, not a file" : "not a regular file";
	else if (fcntl(fd, F_SETFL, O_RDONLY) < 0)	/* reads block again: a file never waits */
		why = strerror(errno);
	if (why == NULL && (f = fdopen(fd, "r")) != NULL)
		return f;
	aa_lsearch_err(err, errlen, path, 0, "cannot open: %s", why != NULL ? why : strerror(errno));
	close(fd);
	return NULL;
}

int aa_lsearch_read(const char *path, aa_lsearch_entry_fn *fn, void *arg, char *err, size_t errlen)
{
	FILE *f = aa_lsearch_open(path, err, errlen);
	int rc;

	if (f == NULL)
		return -1;
	rc = aa_lsearch_read_file(f, path, fn, arg, err, errlen);
	fclose(f);
	return rc;
}

int aa_lsearch_read_file(FILE *f, const char *path, aa_lsearch_entry_fn *fn, void *arg, char *err,
			 size_t errlen)
{
	struct reader *rd;
	char line[AA_LSEARCH_LINE_MAX];
	unsigned lineno = 0;
	int rc = 0;

	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		aa_lsearch_err(err, errlen, path, 0, "out of memory");
		return -1;
	}
	rd->path = path;
	rd->fn = fn;
	rd->arg = arg;
	while (rc == 0) {
		const char *why;
		int got = aa_lsearch_read_line(f, line, sizeof(line), &why);

		if (got == 0)
			break;
		lineno++;
		if (got < 0) {
			aa_lsearch_err(err, errlen, path, lineno, "%s", why);
			rc = -1;
			break;
		}
		rc = take_line(rd, line, lineno, err, errlen);
	}
	if (rc == 0)
		rc = flush(rd, err, errlen);
	free(rd);
	return rc;
}

int aa_lsearch_read_line(FILE *f, char *buf, size_t size, const char **why_r)
{
	size_t n = 0;
	int c, nul = 0;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			nul = 1;
		if (n + 2 >= size) {
			*why_r = "line too long";
			return -1;
		}
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(f)) {
		*why_r = "read error";
		return -1;
	}
	if (c == EOF && n == 0)
		return 0;
	if (nul) {
		*why_r = "a NUL byte in the line";
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 1;
}

int aa_lsearch_is_name(const char *name)
{
	return aa_dns_name_check(name, strlen(name), AA_DNS_NAME_UNDERSCORE) == AA_DNS_NAME_OK;
}

int aa_lsearch_domain_key(char *key)
{
	for (char *p = key; *p != '\0'; p++)
		*p = (char)aa_lower((unsigned char)*p);
	if (strcmp(key, "*") == 0)
		return 1;
	return aa_lsearch_is_name(key[0] == '*' && key[1] == '.' ? key + 2 : key);
}

int aa_lsearch_option(char **cursor, char **name, char **value)
{
	char *p = *cursor, *tok, *eq;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	tok = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*cursor = p;
	*name = tok;
	eq = strchr(tok, '=');
	if (eq == NULL) {
		*value = NULL;
		return -1;
	}
	*eq = '\0';
	*value = eq + 1;
	return 1;
}

const void *aa_lsearch_best(const char *domain, const void *(*find)(const void *arg, const char *key),
			    const void *arg)
{
	const void *e = NULL;
	char wild[AA_LSEARCH_KEY_MAX + 2];

	if (domain != NULL && *domain != '\0') {
		e = find(arg, domain);
		/* "*.parent" for every parent, nearest first */
		for (const char *p = strchr(domain, '.'); e == NULL && p != NULL; p = strchr(p + 1, '.')) {
			if (snprintf(wild, sizeof(wild), "*%s", p) < (int)sizeof(wild))
				e = find(arg, wild);
		}
	}
	return e != NULL ? e : find(arg, "*");
}

char **aa_lsearch_list(const char *v, char sep, int fold, size_t *n_r, int *empty_r)
{
	size_t n = 1, len = strlen(v), i = 0;
	char **vec, *copy, *item;

	*empty_r = 0;
	for (const char *p = v; *p != '\0'; p++)
		n += *p == sep;
	vec = malloc((n + 1) * sizeof(*vec) + len + 1);
	if (vec == NULL)
		return NULL;
	copy = (char *)(vec + n + 1);
	memcpy(copy, v, len + 1);
	for (item = copy;; item++) {
		char *end = strchr(item, sep);

		if (end != NULL)
			*end = '\0';
		if (*item == '\0') {
			*empty_r = 1;
			free(vec);
			return NULL;
		}
		if (fold)
			for (char *p = item; *p != '\0'; p++)
				*p = (char)aa_lower((unsigned char)*p);
		vec[i++] = item;
		if (end == NULL)
			break;
		item = end;
	}
	vec[i] = NULL;
	if (n_r != NULL)
		*n_r = i;
	return vec;
}
