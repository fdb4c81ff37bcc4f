/* aa_arena.h - the lifetime model: memory and cleanup that end together.
 *
 * authalign has two lifetimes, and this is the one place they are written
 * down:
 *   - the message: everything a message asked for (parsed headers, DNS
 *     answers, results, escaped text) is allocated in the context's
 *     message arena (aa_ctx.h, ctx->arena) and stays valid until the
 *     message ends, when aa_ctx_end_message() resets the arena. A module
 *     never frees what it has handed out; what it keeps outside the arena
 *     on the message's behalf (an index into the answers, a memo, a time
 *     budget) it forgets in a hook it registers here (aa_arena_on_reset),
 *     so it empties exactly when the arena does, whoever resets it;
 *   - the process: library handles and settings, made on first use and
 *     kept until aa_ctx_free(), which runs the teardown each module
 *     registered with aa_ctx_on_free() (an arena that is never reset).
 * Exim forks a process per connection. Core code never keeps Exim store:
 * the adapters copy what must outlive the call into store_get() memory.
 * Allocation failure returns NULL; callers turn that into temperror.
 * Part of the toolkit (core/lib/): it knows memory and hooks, not what is
 * stored in them nor who the hooks belong to.
 */
#ifndef AA_ARENA_H
#define AA_ARENA_H

#include <stddef.h>

struct aa_arena;
struct aa_arena_hook;

struct aa_arena *aa_arena_new(void);
/* Runs the hooks (as a reset does), then frees everything. */
void aa_arena_free(struct aa_arena **arena);

/* End of message: run the hooks, then forget everything allocated so far
 * (the hook records included), keeping the first block for reuse. */
void aa_arena_reset(struct aa_arena *arena);

/* size bytes, zeroed. NULL when out of memory. */
void *aa_arena_alloc(struct aa_arena *arena, size_t size);
/* The same, not zeroed: only for a buffer whose bytes are each written
 * before they are read (a read buffer, a scratch copy). A large one then
 * costs no page the message never uses. */
void *aa_arena_alloc_uninit(struct aa_arena *arena, size_t size);
/* Copy len bytes and add a NUL; NULL src gives NULL. */
char *aa_arena_strndup(struct aa_arena *arena, const char *src, size_t len);
char *aa_arena_strdup(struct aa_arena *arena, const char *src);
char *aa_arena_printf(struct aa_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Cleanup hooks. fn(arg) runs exactly once, at the next aa_arena_reset()
 * or aa_arena_free() of arena, before its memory goes (so the hook may
 * still read what it left in the arena); hooks run in the reverse order
 * of registration. The record is allocated in the arena itself, so a
 * reset frees it and the hook must be registered again for the next
 * message. Returns 0, or -1 when it could not be registered (no memory,
 * or called from a hook while the arena is being reset): fn will then
 * not run, and the caller must not keep anything the hook would have
 * emptied. hook_r (may be NULL) gets a handle for aa_arena_hook_cancel(),
 * valid until the hook runs; a hook must not reset or free its arena,
 * and what it allocates there is freed with the rest. */
typedef void aa_arena_hook_fn(void *arg);
int aa_arena_on_reset(struct aa_arena *arena, aa_arena_hook_fn *fn, void *arg,
		      struct aa_arena_hook **hook_r);
/* Keep a registered hook from running (its owner goes away before the
 * arena is reset); sets *hook to NULL. */
void aa_arena_hook_cancel(struct aa_arena_hook **hook);

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
