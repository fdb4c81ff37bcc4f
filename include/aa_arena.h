/* aa_arena.h - a per-message bump allocator, freed all at once.
 *
 * Core code never keeps Exim store: it allocates here and the Exim
 * adapters copy what must outlive the call into store_get() memory.
 * Allocation failure returns NULL; callers turn that into temperror.
 */
#ifndef AA_ARENA_H
#define AA_ARENA_H

#include <stddef.h>

struct aa_arena;

struct aa_arena *aa_arena_new(void);
void aa_arena_free(struct aa_arena **arena);

/* Forget everything allocated so far, keep the first block for reuse. */
void aa_arena_reset(struct aa_arena *arena);

void *aa_arena_alloc(struct aa_arena *arena, size_t size);
/* Copy len bytes and add a NUL; NULL src gives NULL. */
char *aa_arena_strndup(struct aa_arena *arena, const char *src, size_t len);
char *aa_arena_strdup(struct aa_arena *arena, const char *src);
char *aa_arena_printf(struct aa_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Test hook for out-of-memory paths: the next n allocations succeed,
 * then count allocations fail (SIZE_MAX: every later one), until
 * aa_arena_reset() or the next call; n = SIZE_MAX switches it off.
 * Returns how many allocations the previous setting refused. */
size_t aa_arena_fail_after(struct aa_arena *arena, size_t n, size_t count);

/* One allocation's worth of the hook, for memory taken outside the
 * arena on the message's behalf (a library's allocator): 0 = refuse. */
int aa_arena_may_alloc(struct aa_arena *arena);

/* Bytes handed out since the last reset (for tests and benchmarks). */
size_t aa_arena_used(const struct aa_arena *arena);

#endif
