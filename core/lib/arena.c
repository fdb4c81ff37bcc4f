/* arena.c - bump allocator for per-message data. */
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

struct aa_arena {
	struct arena_block *head;
	size_t used_total;
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

void aa_arena_free(struct aa_arena **arena)
{
	if (*arena == NULL)
		return;
	free_blocks((*arena)->head);
	free(*arena);
	*arena = NULL;
}

void aa_arena_reset(struct aa_arena *arena)
{
	struct arena_block *keep = arena->head;

	arena->fail_after = SIZE_MAX;
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

void *aa_arena_alloc(struct aa_arena *arena, size_t size)
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
