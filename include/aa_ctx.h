/* aa_ctx.h - what every core call gets: arena, DNS, logging, library handles.
 *
 * One context a process (Exim forks one process per connection). Per
 * message state lives in the arena (DNS answers included) and the DNS
 * cache and time budget, all emptied by aa_ctx_end_message(); nothing else
 * carries from one message to the next.
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

struct aa_spf_lib;
struct aa_dkim_lib;
struct aa_psl;

struct aa_ctx {
	struct aa_arena *arena;		/* per message */
	struct aa_dns *dns;		/* answers in arena; cache and budget per message */
	const char *msgid;		/* for log lines; "" before DATA */
	aa_log_fn *log_fn;
	void *log_arg;
	enum aa_log_level log_min;
	/* library handles, made on first use by their module, kept for
	 * the process, freed by aa_ctx_free() */
	struct aa_spf_lib *spf;
	struct aa_dkim_lib *dkim;
	struct aa_psl *psl;
	const char *psl_file;		/* NULL: Debian's compiled list */
};

/* NULL dns_config: system resolver with default timeouts. */
struct aa_ctx *aa_ctx_new(const struct aa_dns_config *dns_config, const char **err_r);
void aa_ctx_free(struct aa_ctx **ctx);

/* Empty the arena and the DNS cache, restart the DNS time budget; call
 * after each message (and when a new SMTP transaction starts). */
void aa_ctx_end_message(struct aa_ctx *ctx);

void aa_ctx_set_log(struct aa_ctx *ctx, aa_log_fn *fn, void *arg);

/* Format a log line. %s arguments that come from the network must be
 * passed through aa_esc() first; the finished line is escaped again
 * (anything outside printable ASCII becomes \xHH) as a last defence. */
void aa_log(struct aa_ctx *ctx, enum aa_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Escape len bytes of untrusted text for a log line or a header comment:
 * printable ASCII stays, except '\\', '"', '(' and ')' which get a
 * backslash; everything else becomes \xHH. Result in the arena, capped
 * at max_out bytes of input (longer input ends in "..."). NULL gives "". */
const char *aa_esc(struct aa_ctx *ctx, const char *s, size_t len);
const char *aa_escz(struct aa_ctx *ctx, const char *s);

/* Module teardown hooks, called by aa_ctx_free(). */
void aa_spf_lib_free(struct aa_spf_lib **lib);
void aa_dkim_lib_free(struct aa_dkim_lib **lib);
void aa_psl_free(struct aa_psl **psl);

#endif
