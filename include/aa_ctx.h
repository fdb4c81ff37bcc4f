/* aa_ctx.h - what every core call gets: arenas, DNS, logging, escaping.
 *
 * One context a process (Exim forks one process per connection). It
 * knows the toolkit (core/lib) and DNS (core/dns) and nothing above:
 * the modules that keep library handles here (SPF, the public suffix
 * list) make them on first use and register their own teardown with
 * aa_ctx_on_free(); the context never names them. (DKIM's library handle
 * is the process's, not the context's: core/dkim/dkim.c.)
 *
 * Lifetimes (aa_arena.h tells the whole model):
 *   - per message: ctx->arena. Everything a message asked for lives
 *     there, DNS answers included, until aa_ctx_end_message() resets it;
 *     the DNS cache and time budget empty themselves in a hook on that
 *     reset. Nothing else carries from one message to the next.
 *   - per process: ctx->process, an arena that is never reset: its hooks
 *     (aa_ctx_on_free) tear down the library handles when aa_ctx_free()
 *     runs. The settings belong to the adapter that made the context.
 * Who frees: the owner of the context calls aa_ctx_end_message() after
 * each message and aa_ctx_free() at the end; no module frees what it
 * handed out.
 */
#ifndef AA_CTX_H
#define AA_CTX_H

#include <stdarg.h>
#include "aa_arena.h"
#include "aa_dns.h"

enum aa_log_level {
	AA_LOG_DEBUG,
	AA_LOG_INFO,		/* main log: verdicts and decisions */
	AA_LOG_WARN,		/* main log: bad input, disagreements */
	AA_LOG_PANIC,		/* panic log: internal errors */
};

/* Receives one finished line: printable ASCII only, already escaped. */
typedef void aa_log_fn(void *arg, enum aa_log_level level, const char *line);

/* aa_esc() cuts untrusted text at this many bytes (then "..."); its
 * longest result, NUL included, is AA_ESC_OUT_MAX bytes. */
#define AA_ESC_INPUT_MAX 512
#define AA_ESC_OUT_MAX (AA_ESC_INPUT_MAX * 4 + 4)
/* Results aa_esc() gives from its own buffers when the arena has no
 * memory: the last AA_ESC_RING of them stay valid. */
#define AA_ESC_RING 8

struct aa_spf_lib;
struct aa_psl;

struct aa_ctx {
	struct aa_arena *arena;		/* per message */
	struct aa_arena *process;	/* per process: aa_ctx_on_free() hooks */
	struct aa_dns *dns;		/* answers in arena; cache and budget per message */
	const char *msgid;		/* for log lines; "" before DATA */
	aa_log_fn *log_fn;
	void *log_arg;
	enum aa_log_level log_min;
	/* library handles, made on first use by their module and torn down
	 * by the hook it registered (aa_ctx_on_free) */
	struct aa_spf_lib *spf;
	struct aa_psl *psl;
	const char *psl_file;		/* NULL: Debian's compiled list */
	/* aa_esc() when the arena has no memory */
	char esc_ring[AA_ESC_RING][AA_ESC_OUT_MAX];
	unsigned esc_next;
};

/* NULL dns_config: system resolver with default timeouts. */
struct aa_ctx *aa_ctx_new(const struct aa_dns_config *dns_config, const char **err_r);
/* A context whose DNS is an empty fixed zone (aa_dns_new_zone()): no
 * network; records are added with aa_dns_zone_add_line(ctx->dns, ...). */
struct aa_ctx *aa_ctx_new_zone(const char **err_r);
/* Ends the message (the arena's hooks run), runs the aa_ctx_on_free()
 * hooks newest first, frees the DNS and the context; sets *ctx to NULL. */
void aa_ctx_free(struct aa_ctx **ctx);

/* Process-lifetime teardown: fn(arg) runs once, in aa_ctx_free(), newest
 * first. A module registers it when it makes its library handle. Returns
 * 0, or -1 when out of memory: fn will not run, so the module must not
 * keep the handle (free it and answer temperror). */
int aa_ctx_on_free(struct aa_ctx *ctx, aa_arena_hook_fn *fn, void *arg);

/* End of message: reset the arena (its hooks run, so the DNS cache
 * empties and the DNS time budget starts again) and forget the message
 * id; call after each message (and when a new SMTP transaction starts). */
void aa_ctx_end_message(struct aa_ctx *ctx);

void aa_ctx_set_log(struct aa_ctx *ctx, aa_log_fn *fn, void *arg);

/* Format a log line. %s arguments that come from the network must be
 * passed through aa_esc() first; the finished line is escaped again
 * (anything outside printable ASCII becomes \xHH) as a last defence. */
void aa_log(struct aa_ctx *ctx, enum aa_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Escape len bytes of untrusted text for a log line or a header comment:
 * printable ASCII stays, except '\\', '"', '(' and ')' which get a
 * backslash; everything else becomes \xHH. Input past AA_ESC_INPUT_MAX
 * bytes is cut and the result ends in "...". NULL gives "". Never fails:
 * the result is in the arena (valid until the message ends) or, when the
 * arena has no memory, in the context's ring (the last AA_ESC_RING
 * results made there stay valid; an older one is overwritten). */
const char *aa_esc(struct aa_ctx *ctx, const char *s, size_t len);
const char *aa_escz(struct aa_ctx *ctx, const char *s);

#endif
