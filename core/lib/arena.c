/* arena.c - bump allocator for per-message data, with cleanup hooks.
 *
 * The lifetime model it serves is described in include/aa_arena.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_arena.h"

#define ARENA_BLOCK_SIZE 16384
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];	/* 16-aligned, as malloc's own blocks */
};

/* A cleanup hook; the record lives in the arena it is registered on. */
struct aa_arena_hook {
	struct aa_arena_hook *next;	/* registered before this one */
	aa_arena_hook_fn *fn;		/* NULL: cancelled */
	void *arg;
};

struct aa_arena {
	struct arena_block *head;
	size_t used_total;
	struct aa_arena_hook *hooks;	/* newest first */
	int in_hooks;			/* running them: no reset, no new hook */
	/* test hook (aa_arena_fail_after): allocations left before refusing,
	 * how many to refuse then, and how many were refused */
	size_t fail_after;
	size_t fail_count;
	size_t refused;
};

struct aa_arena *aa_arena_new(void)
{
	struct aa_arena *a = calloc(1, sizeof(struct aa_arena));

	if (a != NULL)
		a->fail_after = SIZE_MAX;
	return a;
}

size_t aa_arena_fail_after(struct aa_arena *arena, size_t n, size_t count)
{
	size_t refused = arena->refused;

	arena->fail_after = n;
	arena->fail_count = count;
	arena->refused = 0;
	return refused;
}

int aa_arena_may_alloc(struct aa_arena *arena)
{
	if (arena->fail_after == SIZE_MAX)
		return 1;
	if (arena->fail_after > 0) {
		arena->fail_after--;
		return 1;
	}
	if (arena->fail_count == 0) {
		arena->fail_after = SIZE_MAX;	/* done refusing */
		return 1;
	}
	if (arena->fail_count != SIZE_MAX)
		arena->fail_count--;
	arena->refused++;
	return 0;
}

static void free_blocks(struct arena_block *b)
{
	while (b != NULL) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
}

int aa_arena_on_reset(struct aa_arena *arena, aa_arena_hook_fn *fn, void *arg,
		      struct aa_arena_hook **hook_r)
{
	struct aa_arena_hook *h = NULL;

	if (!arena->in_hooks)
		h = aa_arena_alloc(arena, sizeof(*h));
	if (hook_r != NULL)
		*hook_r = h;
	if (h == NULL)
		return -1;
	h->fn = fn;
	h->arg = arg;
	h->next = arena->hooks;
	arena->hooks = h;
	return 0;
}

void aa_arena_hook_cancel(struct aa_arena_hook **hook)
{
	if (*hook != NULL)
		(*hook)->fn = NULL;
	*hook = NULL;
}

/* Each hook once, newest first; the records stay readable until the
 * blocks holding them are freed, after this returns. */
static void run_hooks(struct aa_arena *arena)
{
	struct aa_arena_hook *h = arena->hooks;

	arena->hooks = NULL;
	arena->in_hooks = 1;
	for (; h != NULL; h = h->next)
		if (h->fn != NULL)
			h->fn(h->arg);
	arena->in_hooks = 0;
}

void aa_arena_free(struct aa_arena **arena)
{
	if (*arena == NULL || (*arena)->in_hooks)
		return;
	run_hooks(*arena);
	free_blocks((*arena)->head);
	free(*arena);
	*arena = NULL;
}

void aa_arena_reset(struct aa_arena *arena)
{
	struct arena_block *keep;

	if (arena->in_hooks)
		return;
	arena->fail_after = SIZE_MAX;
	run_hooks(arena);
	keep = arena->head;
	if (keep == NULL)
		return;
	/* keep the oldest (last) block only if it is a standard one */
	while (keep->next != NULL)
		keep = keep->next;
	for (struct arena_block *b = arena->head; b != keep;) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	keep->used = 0;
	arena->head = keep;
	arena->used_total = 0;
}

void *aa_arena_alloc_uninit(struct aa_arena *arena, size_t size)
{
	struct arena_block *b = arena->head;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (size == 0)
		need = ARENA_ALIGN;
	if (need < size || !aa_arena_may_alloc(arena))
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t bsize = need > ARENA_BLOCK_SIZE ? need : ARENA_BLOCK_SIZE;

		if (bsize > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + bsize);
		if (b == NULL)
			return NULL;
		b->size = bsize;
		b->used = 0;
		b->next = arena->head;
		arena->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	arena->used_total += need;
	return p;
}

void *aa_arena_alloc(struct aa_arena *arena, size_t size)
{
	void *p = aa_arena_alloc_uninit(arena, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *aa_arena_strndup(struct aa_arena *arena, const char *src, size_t len)
{
	char *p;

	if (src == NULL || len == SIZE_MAX)
		return NULL;
	p = aa_arena_alloc(arena, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, src, len);
	p[len] = '\0';
	return p;
}

char *aa_arena_strdup(struct aa_arena *arena, const char *src)
{
	return src == NULL ? NULL : aa_arena_strndup(arena, src, strlen(src));
}

char *aa_arena_printf(struct aa_arena *arena, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = aa_arena_alloc(arena, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t aa_arena_used(const struct aa_arena *arena)
{
	return arena->used_total;
}
