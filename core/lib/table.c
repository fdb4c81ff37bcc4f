/* table.c - lsearch tables read once, hash-indexed, shared while their
 * file is unchanged (aa_table.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_table.h"

#define KEYS_BLOCK_MIN 4096
#define RECS_MIN 16
#define SLOTS_MIN 32		/* power of two; at most half full */

/* Keys live in blocks that never move, so a record's key stays put. */
struct key_block {
	struct key_block *next;
	size_t size, used;
	char data[];
};

struct aa_table {
	const struct aa_table_kind *kind;
	char *path;			/* NULL: built in, not from a file */
	struct aa_file_stamp stamp;
	unsigned refs;
	struct aa_table *next_live;	/* the process's tables, for sharing */
	char *recs;
	size_t n, cap;
	struct key_block *keys;
	uint32_t *slots;		/* record index + 1; 0 is empty */
	size_t slot_count;
	unsigned long long compares;
};

/* Tables alive in this process (Exim runs us in one thread). */
static struct aa_table *live;

void aa_file_stamp_set(struct aa_file_stamp *s, const struct stat *st)
{
	s->dev = (unsigned long long)st->st_dev;
	s->ino = (unsigned long long)st->st_ino;
	s->size = (long long)st->st_size;
	s->mtime = st->st_mtim;
}

static int stamp_same(const struct aa_file_stamp *s, const struct stat *st)
{
	return s->dev == (unsigned long long)st->st_dev && s->ino == (unsigned long long)st->st_ino &&
	       s->size == (long long)st->st_size && s->mtime.tv_sec == st->st_mtim.tv_sec &&
	       s->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

int aa_file_stamp_current(const struct aa_file_stamp *s, const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && stamp_same(s, &st);
}

/* FNV-1a over the lower-cased key: lookups may be case-blind. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= (uint64_t)aa_lower(*p);
		h *= 1099511628211ULL;
	}
	return h;
}

static inline void *rec_at(const struct aa_table *t, size_t i)
{
	return t->recs + i * t->kind->rec_size;
}

static inline const char *rec_key(const struct aa_table *t, size_t i)
{
	return *(const char **)rec_at(t, i);
}

static void slot_put(uint32_t *slots, size_t count, uint64_t h, size_t i)
{
	size_t mask = count - 1;

	for (size_t s = (size_t)h & mask;; s = (s + 1) & mask) {
		if (slots[s] == 0) {
			slots[s] = (uint32_t)(i + 1);
			return;
		}
	}
}

/* Room for one more key at most half full: double and rehash when not. */
static int slots_grow(struct aa_table *t)
{
	size_t count = t->slot_count != 0 ? t->slot_count * 2 : SLOTS_MIN;
	uint32_t *slots;

	if ((t->n + 1) * 2 <= t->slot_count)
		return 0;
	if (t->n >= UINT32_MAX - 1 || (slots = calloc(count, sizeof(*slots))) == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		slot_put(slots, count, key_hash(rec_key(t, i)), i);
	free(t->slots);
	t->slots = slots;
	t->slot_count = count;
	return 0;
}

static const char *key_copy(struct aa_table *t, const char *key)
{
	size_t len = strlen(key) + 1;
	struct key_block *b = t->keys;
	char *copy;

	if (b == NULL || b->size - b->used < len) {
		size_t size = b != NULL ? b->size * 2 : KEYS_BLOCK_MIN;

		if (size < len)
			size = len;
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = t->keys;
		t->keys = b;
	}
	copy = b->data + b->used;
	memcpy(copy, key, len);
	b->used += len;
	return copy;
}

void *aa_table_add(struct aa_table *t, const char *key)
{
	const char *copy;
	void *rec;

	if (t->n == t->cap) {
		size_t cap = t->cap != 0 ? t->cap * 2 : RECS_MIN;
		char *grown;

		if (cap > SIZE_MAX / t->kind->rec_size ||
		    (grown = realloc(t->recs, cap * t->kind->rec_size)) == NULL)
			return NULL;
		t->recs = grown;
		t->cap = cap;
	}
	if (slots_grow(t) < 0 || (copy = key_copy(t, key)) == NULL)
		return NULL;
	rec = rec_at(t, t->n);
	memset(rec, 0, t->kind->rec_size);
	*(const char **)rec = copy;
	slot_put(t->slots, t->slot_count, key_hash(copy), t->n);
	t->n++;
	return rec;
}

static const void *find(const struct aa_table *t, const char *key, int fold)
{
	struct aa_table *counted = (struct aa_table *)t;	/* the counter only */
	size_t mask;

	if (t == NULL || t->slot_count == 0 || key == NULL)
		return NULL;
	mask = t->slot_count - 1;
	for (size_t s = (size_t)key_hash(key) & mask; t->slots[s] != 0; s = (s + 1) & mask) {
		size_t i = t->slots[s] - 1;

		counted->compares++;
		if ((fold ? strcasecmp(rec_key(t, i), key) : strcmp(rec_key(t, i), key)) == 0)
			return rec_at(t, i);
	}
	return NULL;
}

const void *aa_table_find(const struct aa_table *t, const char *key)
{
	return find(t, key, 0);
}

static const void *find_folded(const void *arg, const char *key)
{
	return find(arg, key, 1);
}

const void *aa_table_best(const struct aa_table *t, const char *domain)
{
	return t != NULL ? aa_lsearch_best(domain, find_folded, t) : NULL;
}

size_t aa_table_count(const struct aa_table *t)
{
	return t != NULL ? t->n : 0;
}

const void *aa_table_at(const struct aa_table *t, size_t i)
{
	return t != NULL && i < t->n ? rec_at(t, i) : NULL;
}

unsigned long long aa_table_compares(const struct aa_table *t)
{
	return t != NULL ? t->compares : 0;
}

int aa_table_is_current(const struct aa_table *t)
{
	return t == NULL || t->path == NULL || aa_file_stamp_current(&t->stamp, t->path);
}

struct aa_table *aa_table_new(const struct aa_table_kind *kind)
{
	struct aa_table *t = calloc(1, sizeof(*t));

	if (t != NULL) {
		t->kind = kind;
		t->refs = 1;
	}
	return t;
}

void aa_table_free(struct aa_table **tp)
{
	struct aa_table *t = *tp;

	*tp = NULL;
	if (t == NULL || --t->refs > 0)
		return;
	for (struct aa_table **l = &live; *l != NULL; l = &(*l)->next_live) {
		if (*l == t) {
			*l = t->next_live;
			break;
		}
	}
	for (size_t i = 0; t->kind->rec_free != NULL && i < t->n; i++)
		t->kind->rec_free(rec_at(t, i));
	while (t->keys != NULL) {
		struct key_block *b = t->keys;

		t->keys = b->next;
		free(b);
	}
	free(t->recs);
	free(t->slots);
	free(t->path);
	free(t);
}

void *aa_table_add_new(struct aa_table *t, const char *key, size_t max, const char *what, const char *file,
		       unsigned line, char *err, size_t errlen)
{
	void *rec;

	if (aa_table_find(t, key) != NULL) {
		aa_lsearch_err(err, errlen, file, line, "%s \"%.64s\" given twice", what, key);
		return NULL;
	}
	if (t->n >= max) {
		aa_lsearch_err(err, errlen, file, line, "too many %ss (at most %zu)", what, max);
		return NULL;
	}
	if ((rec = aa_table_add(t, key)) == NULL)
		aa_lsearch_err(err, errlen, file, line, "out of memory");
	return rec;
}

/* The table already read from path by kind, when the file is unchanged. */
static struct aa_table *shared(const struct aa_table_kind *kind, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	for (struct aa_table *t = live; t != NULL; t = t->next_live) {
		if (t->kind == kind && strcmp(t->path, path) == 0 && stamp_same(&t->stamp, &st)) {
			t->refs++;
			return t;
		}
	}
	return NULL;
}

struct aa_table *aa_table_open(const struct aa_table_kind *kind, const char *path, char *err,
			       size_t errlen)
{
	struct aa_table *t = shared(kind, path);
	struct stat st;
	FILE *f;
	int rc;

	if (t != NULL)
		return t;
	f = aa_lsearch_open(path, err, errlen);
	if (f == NULL)
		return NULL;
	/* the stamp of what is read, taken before reading: an edit made
	 * while reading changes mtime and is read next time */
	if (fstat(fileno(f), &st) < 0) {
		aa_lsearch_err(err, errlen, path, 0, "cannot stat: %s", strerror(errno));
		fclose(f);
		return NULL;
	}
	if ((t = aa_table_new(kind)) == NULL || (t->path = strdup(path)) == NULL) {
		aa_lsearch_err(err, errlen, path, 0, "out of memory");
		aa_table_free(&t);
		fclose(f);
		return NULL;
	}
	aa_file_stamp_set(&t->stamp, &st);
	rc = aa_lsearch_read_file(f, path, kind->entry, t, err, errlen);
	fclose(f);
	if (rc == 0 && kind->finish != NULL)
		rc = kind->finish(t, path, err, errlen);
	if (rc < 0) {
		aa_table_free(&t);
		return NULL;
	}
	t->next_live = live;
	live = t;
	return t;
}

void *aa_table_open_held(const struct aa_table_kind *kind, const char *path, size_t holder_size,
			 char *err, size_t errlen)
{
	struct aa_table *t = aa_table_open(kind, path, err, errlen);
	struct aa_table **holder;

	if (t == NULL)
		return NULL;
	if (holder_size < sizeof(*holder) || (holder = calloc(1, holder_size)) == NULL) {
		aa_table_free(&t);
		aa_lsearch_err(err, errlen, path, 0, "out of memory");
		return NULL;
	}
	*holder = t;
	return holder;
}
