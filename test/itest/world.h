/* world.h - what integration tests use to drive the hermetic mail world.
 *
 * The tests run inside test/world/in-world, which exports AA_* variables
 * (see test/world/README.md). Everything here is static inline so that any
 * test/itest/check_*.c can include it without a Makefile change.
 *
 *   world_send()        one SMTP transaction from a chosen source address,
 *                       optionally DKIM-signed; gives the stage that ended it
 *                       and the server's reply there
 *   world_mail_wait()   the delivered copy of a message, by Exim id
 *   world_mail_newest() the newest message in a mailbox
 *   world_header()      a header's unfolded value
 *   world_log_grep()    main log lines holding a string (e.g. a message id)
 *   world_log_wait()    wait for a main log line holding two strings
 *   world_log_grep_in(), world_log_wait_in(), world_mail_wait_in():
 *                       the same for another log or Maildir root (the
 *                       outbound world's sender, relay and receiver)
 *   world_dns_fault()   test/world/dns-fault: servfail/restore/stop/cont
 *   world_dns_heal()    undo every DNS fault (for a checked setup)
 *   world_queue_run()   exim -qff, bounded
 *   world_sh()          any shell command, bounded, output captured
 *
 *   world_require()     fails the test outside the world: first checked setup
 *
 * Every wait is bounded. Functions return -1 when they could not run; the
 * tests decide what that means. Strings handed out are malloc()ed.
 * Check's default test timeout (4 s) is too short for the world: give each
 * TCase tcase_set_timeout(tc, 60) or so.
 */
#ifndef WORLD_H
#define WORLD_H

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORLD_REPLY_MAX 2048	/* kept of one SMTP reply (all its lines) */
#define WORLD_OUTPUT_MAX (4 << 20)	/* kept of a command's output */

enum world_stage {
	WORLD_CONNECT,		/* connect and greeting */
	WORLD_EHLO,
	WORLD_MAIL,
	WORLD_RCPT,
	WORLD_DATA,		/* the DATA command */
	WORLD_DOT,		/* end of data: where local_scan() answers */
	WORLD_AUTH,		/* AUTH PLAIN (after EHLO, before MAIL) */
};

struct world_msg {
	const char *src;	/* source address; NULL: $AA_GOOD_IP4 */
	const char *server;	/* NULL: $AA_MX_IP4 */
	int port;		/* 0: 25 */
	const char *auth_user;	/* non-NULL: AUTH PLAIN with auth_pass after EHLO */
	const char *auth_pass;
	const char *helo;	/* NULL: mail.<domain of mail_from>, or client.example */
	const char *mail_from;	/* NULL: user@aligned.example; "": null sender */
	const char *rcpt;	/* NULL: alice@test.example; "a@x,b@x" for several */
	const char *text;	/* header and body, LF or CRLF, no final dot;
				   NULL: a small message From: mail_from */
	const char *dkim_domain;	/* non-NULL: sign as d= this with the world's key */
	const char *dkim_key;	/* "rsa" (selector rsa, default) or "ed" */
	int timeout_s;		/* for each reply; 0: 30 */
};

struct world_reply {
	enum world_stage stage;	/* the stage that ended the transaction */
	int code;		/* its reply code; 0: none (refused, closed, timeout) */
	char text[WORLD_REPLY_MAX];	/* its reply, lines joined by '\n' */
	char id[32];		/* Exim's message id when DOT gave 2xx, else "" */
};

static inline const char *world_stage_name(enum world_stage s)
{
	static const char *const names[] = { "CONNECT", "EHLO", "MAIL", "RCPT", "DATA", "DOT", "AUTH" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* An AA_* variable; the test fails when the world is not there. */
static inline const char *world_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		ck_abort_msg("%s unset: run the tests inside test/world/in-world", name);
	return v;
}

/* Fails the test unless it runs inside in-world: use as the first checked
 * setup of every TCase, so that nothing (not even a DNS query) goes to the
 * host's resolver or mail server when the runner is started by mistake
 * outside the world. */
static inline void world_require(void)
{
	world_env("AA_WORLD");
	world_env("AA_WORLD_BIN");
}

static inline long world_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void world_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- running commands ---- */

/* Run argv (argv[0] looked up in PATH) with stdin from in_file (NULL:
 * /dev/null), stdout and stderr into *out_r (if out_r is non-NULL), for at
 * most timeout_s seconds; then its process group is killed. Returns the
 * exit status, 124 on timeout, -1 when it could not run. */
static inline int world_run(char *const argv[], const char *in_file, char **out_r, int timeout_s)
{
	int p[2], status = -1, timed_out = 0;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	long deadline = world_now_ms() + (long)timeout_s * 1000;
	pid_t pid;

	if (out_r != NULL)
		*out_r = NULL;
	if (out == NULL || pipe(p) < 0) {
		free(out);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		free(out);
		return -1;
	}
	if (pid == 0) {
		int in = open(in_file != NULL ? in_file : "/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (in < 0 || dup2(in, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		close(p[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);	/* both sides, whichever runs first */
	close(p[1]);
	for (;;) {
		long left = deadline - world_now_ms();
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;	/* EINTR or the deadline: checked above */
		if (len + 1 >= cap && cap < WORLD_OUTPUT_MAX) {
			char *bigger = realloc(out, cap * 2);

			if (bigger != NULL) {
				out = bigger;
				cap *= 2;
			}
		}
		if (len + 1 >= cap) {	/* full: drain and drop */
			char sink[4096];

			n = read(p[0], sink, sizeof(sink));
		} else {
			n = read(p[0], out + len, cap - len - 1);
			if (n > 0)
				len += (size_t)n;
		}
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	close(p[0]);
	out[len] = '\0';
	if (timed_out)
		kill(-pid, SIGKILL);
	/* The pipe is closed (or the group killed): the exit comes soon; still bounded. */
	for (int i = 0; i < 500; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (i == 300)
			kill(-pid, SIGKILL);
		world_sleep_ms(10);
	}
	if (out_r != NULL)
		*out_r = out;
	else
		free(out);
	if (timed_out)
		return 124;
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* /bin/sh -c "fmt...", bounded, output (stdout and stderr) in *out_r. */
static inline int world_sh(char **out_r, int timeout_s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int world_sh(char **out_r, int timeout_s, const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int rc, n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (cmd = malloc((size_t)n + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(cmd, (size_t)n + 1, fmt, ap);
	va_end(ap);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	rc = world_run(argv, NULL, out_r, timeout_s);
	free(cmd);
	return rc;
}

/* One of the scripts in test/world ($AA_WORLD_BIN), with up to 3 arguments. */
static inline int world_script(char **out_r, int timeout_s, const char *script,
			       const char *a1, const char *a2, const char *a3)
{
	const char *bin = getenv("AA_WORLD_BIN");	/* no abort: fixtures call this */
	char path[4096];

	if (bin == NULL) {
		fprintf(stderr, "world: AA_WORLD_BIN unset, cannot run %s outside test/world/in-world\n", script);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", bin, script);
	char *argv[] = { path, (char *)a1, (char *)a2, (char *)a3, NULL };
	return world_run(argv, NULL, out_r, timeout_s);
}

/* ---- DNS faults and the queue ---- */

/* action: "servfail" or "restore" (zone, or NULL for restore: all broken),
 * "stop" or "cont" (zone NULL). Waits until kdig sees the state, at most
 * about 10 s. Returns dns-fault's exit status: 0 when the state holds. */
static inline int world_dns_fault(const char *action, const char *zone)
{
	char *out = NULL;
	int rc = world_script(&out, 30, "dns-fault", action, zone, NULL);

	if (rc != 0)
		fprintf(stderr, "dns-fault %s %s: %d: %s", action, zone ? zone : "", rc, out ? out : "");
	free(out);
	return rc;
}

/* Continue knotd and restore every broken zone: use as a checked setup so a
 * test that failed half-way does not leave the next one without DNS. */
static inline void world_dns_heal(void)
{
	world_dns_fault("cont", NULL);
	world_dns_fault("restore", NULL);
}

/* exim -qff, at most 60 s. Returns 0 when the queue run finished. */
static inline int world_queue_run(void)
{
	return world_script(NULL, 70, "queue-run", "60", NULL, NULL);
}

/* ---- SMTP ---- */

struct world_conn {
	int fd;
	int timeout_ms;
	char buf[8192];
	size_t have;
};

/* A multi-line reply as one line of text (malloc'd): each further line's
 * "550-" or "550 ", and the enhanced status Exim repeats after it, are
 * dropped and the lines joined with a space (where authalign broke a long
 * reply at a space). */
static inline char *world_reply_joined(const char *text)
{
	size_t n = strlen(text), o = 0, sl = 0;
	char *out = malloc(n + 1);
	const char *st = text + 4;

	if (out == NULL)
		return NULL;
	while (st[sl] != '\0' && st[sl] != ' ' && st[sl] != '\n' && n > 4)
		sl++;		/* the first line's enhanced status, "5.7.1" */
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n' && i + 4 < n && (text[i + 4] == '-' || text[i + 4] == ' ')) {
			i += 4;
			if (sl > 0 && strncmp(text + i + 1, st, sl) == 0 && text[i + 1 + sl] == ' ')
				i += sl + 1;
			out[o++] = ' ';
			continue;
		}
		out[o++] = text[i];
	}
	out[o] = '\0';
	return out;
}

/* Read one reply (all its lines); returns its code, 0 on close or timeout. */
static inline int world_smtp_reply(struct world_conn *c, char *text, size_t text_size)
{
	long deadline = world_now_ms() + c->timeout_ms;
	size_t tl = 0;

	text[0] = '\0';
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);

		if (nl != NULL) {
			size_t ll = (size_t)(nl - c->buf) + 1;
			size_t cl = ll;
			int last = ll < 5 || c->buf[3] != '-';
			int code = 0;

			for (int i = 0; i < 3 && i < (int)ll && c->buf[i] >= '0' && c->buf[i] <= '9'; i++)
				code = code * 10 + (c->buf[i] - '0');
			while (cl > 0 && (c->buf[cl - 1] == '\n' || c->buf[cl - 1] == '\r'))
				cl--;
			if (tl > 0 && tl + 1 < text_size)
				text[tl++] = '\n';
			if (cl > text_size - tl - 1)
				cl = text_size - tl - 1;
			memcpy(text + tl, c->buf, cl);
			tl += cl;
			text[tl] = '\0';
			memmove(c->buf, c->buf + ll, c->have - ll);
			c->have -= ll;
			if (last)
				return code >= 100 ? code : 0;
			continue;
		}
		if (c->have == sizeof(c->buf))
			c->have = 0;	/* an endless line: drop it */
		long left = deadline - world_now_ms();
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			if (left > 0 && errno == EINTR)
				continue;
			return 0;
		}
		ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return 0;
		}
		c->have += (size_t)n;
	}
}

static inline int world_smtp_write(struct world_conn *c, const char *s, size_t len)
{
	long deadline = world_now_ms() + c->timeout_ms;

	while (len > 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		long left = deadline - world_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			if (left > 0 && errno == EINTR)
				continue;
			return -1;
		}
		ssize_t n = write(c->fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send a command line (CRLF added) and read the reply. */
static inline int world_smtp_cmd(struct world_conn *c, struct world_reply *r,
				 enum world_stage stage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int world_smtp_cmd(struct world_conn *c, struct world_reply *r,
				 enum world_stage stage, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return 0;
	memcpy(line + n, "\r\n", 3);
	r->stage = stage;
	if (world_smtp_write(c, line, (size_t)n + 2) < 0) {
		r->code = 0;
		snprintf(r->text, sizeof(r->text), "(write failed: %s)", strerror(errno));
		return 0;
	}
	r->code = world_smtp_reply(c, r->text, sizeof(r->text));
	return r->code;
}

static inline int world_sockaddr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static inline int world_connect(const char *src, const char *server, int port, int timeout_ms,
				char *err, size_t errsize)
{
	struct sockaddr_storage sa, da;
	socklen_t sl, dl;
	int af = world_sockaddr(server, port, &da, &dl);
	int fd, soerr = 0;
	socklen_t el = sizeof(soerr);
	struct pollfd pfd;

	if (af < 0 || world_sockaddr(src, 0, &sa, &sl) != af) {
		snprintf(err, errsize, "(bad address pair %s -> %s)", src, server);
		return -1;
	}
	fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sl) < 0) {
		snprintf(err, errsize, "(bind %s: %s)", src, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&da, dl) < 0 && errno != EINPROGRESS) {
		snprintf(err, errsize, "(connect %s: %s)", server, strerror(errno));
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr != 0) {
		snprintf(err, errsize, "(connect %s: %s)", server, soerr ? strerror(soerr) : "timeout");
		close(fd);
		return -1;
	}
	return fd;
}

/* The message as it goes after DATA: CRLF line ends, dot-stuffed, ".\r\n". */
static inline char *world_smtp_data(const char *text)
{
	size_t n = strlen(text), o = 0;
	char *out = malloc(3 * n + 8);	/* worst case: every byte a "\n." */
	int bol = 1;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (bol && text[i] == '.')
			out[o++] = '.';
		bol = 0;
		if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')
			continue;	/* the \n below writes the CRLF */
		if (text[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			bol = 1;
			continue;
		}
		out[o++] = text[i];
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 4);
	return out;
}

/* DKIM-sign text with test/world/dkim-sign; NULL when signing failed. */
static inline char *world_sign(const char *text, const char *domain, const char *key)
{
	char path[4096], *out = NULL, script[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/run/sign.XXXXXX", world_env("AA_WORLD"));
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	rc = world_smtp_write(&(struct world_conn){ .fd = fd, .timeout_ms = 5000 }, text, strlen(text));
	close(fd);
	snprintf(script, sizeof(script), "%s/dkim-sign", world_env("AA_WORLD_BIN"));
	char *argv[] = { script, (char *)domain, (char *)(key ? key : "rsa"), NULL };
	if (rc == 0)
		rc = world_run(argv, path, &out, 30);
	unlink(path);
	if (rc != 0) {
		fprintf(stderr, "dkim-sign %s: %d: %s\n", domain, rc, out ? out : "");
		free(out);
		return NULL;
	}
	return out;
}

/* base64 (RFC 4648) of len bytes into out (4 * ((len + 2) / 3) + 1 bytes). */
static inline void world_base64(const unsigned char *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}

/* One SMTP transaction. Returns r->code: 0 when no reply came (see r->text). */
static inline int world_send(const struct world_msg *m, struct world_reply *r)
{
	const char *src = m->src ? m->src : world_env("AA_GOOD_IP4");
	const char *server = m->server ? m->server : world_env("AA_MX_IP4");
	const char *from = m->mail_from ? m->mail_from : "user@aligned.example";
	const char *rcpts = m->rcpt ? m->rcpt : "alice@test.example";
	const char *at = strrchr(from, '@');
	char helo[512], built[2048], *text = NULL, *data = NULL;
	struct world_conn c = { .fd = -1, .timeout_ms = (m->timeout_s > 0 ? m->timeout_s : 30) * 1000 };
	int accepted = 0;

	memset(r, 0, sizeof(*r));
	r->stage = WORLD_CONNECT;
	if (m->helo != NULL)
		snprintf(helo, sizeof(helo), "%s", m->helo);
	else
		snprintf(helo, sizeof(helo), "%s%s", at ? "mail." : "client.example", at ? at + 1 : "");
	if (m->text == NULL) {
		snprintf(built, sizeof(built),
			 "From: <%s>\nTo: <%s>\nSubject: world test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
			 "Message-ID: <%ld.%d@world.test>\n\nA message from world_send().\n",
			 *from ? from : "postmaster@client.example", rcpts, world_now_ms(), (int)getpid());
	}
	text = m->dkim_domain ? world_sign(m->text ? m->text : built, m->dkim_domain, m->dkim_key)
			      : strdup(m->text ? m->text : built);
	if (text == NULL) {
		snprintf(r->text, sizeof(r->text), "(could not %s the message)", m->dkim_domain ? "sign" : "copy");
		return 0;
	}
	data = world_smtp_data(text);
	free(text);
	c.fd = world_connect(src, server, m->port > 0 ? m->port : 25, c.timeout_ms, r->text, sizeof(r->text));
	if (c.fd < 0 || data == NULL)
		goto out;
	r->code = world_smtp_reply(&c, r->text, sizeof(r->text));
	if (r->code != 220)
		goto quit;
	if (world_smtp_cmd(&c, r, WORLD_EHLO, "EHLO %s", helo) != 250)
		goto quit;
	if (m->auth_user != NULL) {
		char plain[512], b64[700];
		int pl = snprintf(plain, sizeof(plain), "%c%s%c%s", 0, m->auth_user, 0,
				  m->auth_pass ? m->auth_pass : "");

		if (pl < 0 || (size_t)pl >= sizeof(plain)) {
			snprintf(r->text, sizeof(r->text), "(AUTH credentials too long)");
			r->stage = WORLD_AUTH;
			r->code = 0;
			goto quit;
		}
		world_base64((const unsigned char *)plain, (size_t)pl, b64);
		if (world_smtp_cmd(&c, r, WORLD_AUTH, "AUTH PLAIN %s", b64) != 235)
			goto quit;
	}
	if (world_smtp_cmd(&c, r, WORLD_MAIL, "MAIL FROM:<%s>", from) / 100 != 2)
		goto quit;
	for (const char *p = rcpts; *p != '\0';) {
		size_t l = strcspn(p, ",");
		struct world_reply rr = { 0 };

		if (world_smtp_cmd(&c, &rr, WORLD_RCPT, "RCPT TO:<%.*s>", (int)l, p) / 100 == 2)
			accepted++;
		else
			*r = rr;	/* the last refusal, if none is accepted */
		if (rr.code == 0) {
			*r = rr;
			goto quit;
		}
		p += l + (p[l] == ',');
	}
	if (accepted == 0)
		goto quit;
	if (world_smtp_cmd(&c, r, WORLD_DATA, "DATA") != 354)
		goto quit;
	r->stage = WORLD_DOT;
	if (world_smtp_write(&c, data, strlen(data)) < 0) {
		r->code = 0;
		snprintf(r->text, sizeof(r->text), "(write failed: %s)", strerror(errno));
		goto out;
	}
	r->code = world_smtp_reply(&c, r->text, sizeof(r->text));
	if (r->code / 100 == 2) {
		const char *id = strstr(r->text, "id=");

		if (id != NULL)
			snprintf(r->id, sizeof(r->id), "%.*s", (int)strcspn(id + 3, " \n"), id + 3);
	}
quit:
	if (r->code != 0) {	/* polite, bounded, its reply ignored */
		struct world_reply q;

		c.timeout_ms = 2000;
		world_smtp_cmd(&c, &q, r->stage, "QUIT");
	}
out:
	if (c.fd >= 0)
		close(c.fd);
	free(data);
	return r->code;
}

/* ---- mailboxes ---- */

static inline char *world_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	FILE *mem = open_memstream(&s, &len);
	char buf[8192];
	size_t n;

	while (mem != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (mem == NULL)
		return NULL;
	fclose(mem);
	return s;
}

/* Calls fn(path, arg) for every message file of root/mailbox (new/ and
 * cur/); stops when fn returns non-zero and returns that. */
static inline int world_mail_each_in(const char *root, const char *mailbox,
				     int (*fn)(const char *path, void *arg), void *arg)
{
	static const char *const subs[] = { "new", "cur" };

	for (size_t i = 0; i < 2; i++) {
		char dir[4096];
		DIR *d;
		struct dirent *e;
		int rc = 0;

		snprintf(dir, sizeof(dir), "%s/%s/%s", root, mailbox, subs[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while (rc == 0 && (e = readdir(d)) != NULL) {
			char path[4096 + 256];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			rc = fn(path, arg);
		}
		closedir(d);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The same for a mailbox of $AA_MAILDIR. */
static inline int world_mail_each(const char *mailbox, int (*fn)(const char *path, void *arg), void *arg)
{
	return world_mail_each_in(world_env("AA_MAILDIR"), mailbox, fn, arg);
}

static inline int world_mail_count_one(const char *path, void *arg)
{
	(void)path;
	++*(int *)arg;
	return 0;
}

static inline int world_mail_count(const char *mailbox)
{
	int n = 0;

	world_mail_each(mailbox, world_mail_count_one, &n);
	return n;
}

struct world_mail_find {
	const char *id;
	char *text;		/* found */
	char newest[4096 + 256];
	struct timespec newest_mtime;
};

static inline int world_mail_find_id(const char *path, void *arg)
{
	struct world_mail_find *f = arg;
	char *text = world_read_file(path);
	char needle[64];

	if (text == NULL)
		return 0;
	/* Exim's Received: header ends "id <message id>" (then "for ..." or ";"). */
	snprintf(needle, sizeof(needle), "id %s", f->id);
	char *hit = strstr(text, needle);
	char *body = strstr(text, "\n\n");
	if (hit != NULL && (body == NULL || hit < body)) {
		f->text = text;
		return 1;
	}
	free(text);
	return 0;
}

static inline int world_mail_find_newest(const char *path, void *arg)
{
	struct world_mail_find *f = arg;
	struct stat st;

	if (stat(path, &st) == 0 &&
	    (st.st_mtim.tv_sec > f->newest_mtime.tv_sec ||
	     (st.st_mtim.tv_sec == f->newest_mtime.tv_sec &&
	      (st.st_mtim.tv_nsec > f->newest_mtime.tv_nsec ||
	       (st.st_mtim.tv_nsec == f->newest_mtime.tv_nsec && strcmp(path, f->newest) > 0))))) {
		f->newest_mtime = st.st_mtim;
		snprintf(f->newest, sizeof(f->newest), "%s", path);
	}
	return 0;
}

/* Wait (at most timeout_s) for the delivered copy of message id in
 * root/mailbox. Returns 0 and the text, or -1. Delivery runs after the 250,
 * so wait. */
static inline int world_mail_wait_in(const char *root, const char *mailbox, const char *id,
				     int timeout_s, char **text_r)
{
	long deadline = world_now_ms() + (long)timeout_s * 1000;
	struct world_mail_find f = { .id = id };

	*text_r = NULL;
	if (id == NULL || *id == '\0')
		return -1;
	for (;;) {
		if (world_mail_each_in(root, mailbox, world_mail_find_id, &f) != 0) {
			*text_r = f.text;
			return 0;
		}
		if (world_now_ms() >= deadline)
			return -1;
		world_sleep_ms(50);
	}
}

/* The same for a mailbox of $AA_MAILDIR. */
static inline int world_mail_wait(const char *mailbox, const char *id, int timeout_s, char **text_r)
{
	return world_mail_wait_in(world_env("AA_MAILDIR"), mailbox, id, timeout_s, text_r);
}

/* The newest message of the mailbox (by mtime, then name), or NULL. */
static inline char *world_mail_newest(const char *mailbox)
{
	struct world_mail_find f = { 0 };

	world_mail_each(mailbox, world_mail_find_newest, &f);
	return f.newest[0] ? world_read_file(f.newest) : NULL;
}

/* The n-th (0 = first) header called name, unfolded, without "Name:" and
 * leading blanks; NULL when there is none. Looks only at the header. */
static inline char *world_header(const char *msg, const char *name, int n)
{
	size_t nl = strlen(name);
	const char *p = msg;

	while (p != NULL && *p != '\0' && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *next = strchr(p, '\n');

		while (next != NULL && (next[1] == ' ' || next[1] == '\t'))
			next = strchr(next + 1, '\n');
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':' && n-- == 0) {
			const char *v = p + nl + 1, *end = next ? next : p + strlen(p);
			char *out = malloc((size_t)(end - v) + 1), *o = out;

			if (out == NULL)
				return NULL;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			for (; v < end; v++)
				if (*v != '\r' && *v != '\n')
					*o++ = *v;
			*o = '\0';
			return out;
		}
		p = next ? next + 1 : NULL;
	}
	return NULL;
}

/* ---- the Exim main log ---- */

/* The lines of the log file at path holding needle, in *lines_r (may be
 * NULL); returns how many, -1 when the log cannot be read. */
static inline int world_log_grep_in(const char *path, const char *needle, char **lines_r)
{
	char *log = world_read_file(path);
	char *out = NULL;
	size_t len = 0;
	FILE *mem;
	int count = 0;

	if (lines_r != NULL)
		*lines_r = NULL;
	if (log == NULL)
		return -1;
	mem = open_memstream(&out, &len);
	for (char *line = log, *end; mem != NULL && *line != '\0'; line = end + (*end != '\0')) {
		end = line + strcspn(line, "\n");
		char save = *end;
		int hit;

		*end = '\0';
		hit = strstr(line, needle) != NULL;
		*end = save;
		if (hit) {
			fprintf(mem, "%.*s\n", (int)(end - line), line);
			count++;
		}
	}
	free(log);
	if (mem != NULL)
		fclose(mem);
	if (lines_r != NULL)
		*lines_r = out;
	else
		free(out);
	return count;
}

/* The main log lines holding needle (e.g. a message id), in *lines_r
 * (may be NULL); returns how many, -1 when the log cannot be read. */
static inline int world_log_grep(const char *needle, char **lines_r)
{
	return world_log_grep_in(world_env("AA_EXIM_LOG"), needle, lines_r);
}

/* Wait (at most timeout_s) for a line of the log at path holding both a and
 * b (b may be NULL); returns 0 and the line in *line_r (may be NULL), or -1. */
static inline int world_log_wait_in(const char *path, const char *a, const char *b, int timeout_s,
				    char **line_r)
{
	long deadline = world_now_ms() + (long)timeout_s * 1000;

	if (line_r != NULL)
		*line_r = NULL;
	for (;;) {
		char *lines = NULL;

		if (world_log_grep_in(path, a, &lines) > 0) {
			for (char *l = lines, *end; *l != '\0'; l = end + 1) {
				end = strchr(l, '\n');
				*end = '\0';
				if (b == NULL || strstr(l, b) != NULL) {
					if (line_r != NULL)
						*line_r = strdup(l);
					free(lines);
					return 0;
				}
			}
		}
		free(lines);
		if (world_now_ms() >= deadline)
			return -1;
		world_sleep_ms(50);
	}
}

/* The same for the main log. */
static inline int world_log_wait(const char *a, const char *b, int timeout_s, char **line_r)
{
	return world_log_wait_in(world_env("AA_EXIM_LOG"), a, b, timeout_s, line_r);
}

#endif
