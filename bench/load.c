/* load.c - SMTP load client for bench/run.
 *
 *   load -s SRC -S SERVER [-p PORT] -c CONNS -m PER_CONN -n TOTAL
 *        -f MESSAGE [-f MESSAGE...] [-F MAIL_FROM] [-t RCPT] [-h HELO] [-w WALL_S] [-r REPLY_S]
 *
 * CONNS threads each keep one connection open at a time, bound to the
 * source address SRC. Each connection greets (EHLO), then sends messages
 * one after another (MAIL, RCPT, DATA) until it has sent PER_CONN of them
 * or the shared pool of TOTAL messages is empty, says QUIT (and closes
 * without waiting for the reply) and, while the pool lasts, connects again. So "-m 1" is one message per connection and
 * a large -m keeps one connection per thread for the whole run.
 *
 * Each MESSAGE is sent as it is (DKIM-signed once by the caller): it must
 * end its lines in CRLF; lines starting with "." are dot-stuffed here.
 * With several, the messages of a run take them in turn (the n-th message
 * of the run is file n modulo their number), so a run of TOTAL sends each
 * the same number of times whatever the threads do. A 5xx at end of data
 * is a rejection: counted, and the connection goes on.
 *
 * Bounds: each reply is awaited at most REPLY_S seconds (default 30); after
 * WALL_S seconds (default 120) no new message is started. Prints one line:
 *
 *   sent=N accepted=N rejected=N failed=N connections=N seconds=S cpu=S eod_p50_ms=M eod_p99_ms=M
 *
 * (cpu: this client's own user + system time, all threads; eod: the time
 * from sending the message's final "." to reading the 250, over the
 * accepted messages, the 50th and 99th percentiles)
 * and exits 0 when every one of TOTAL messages got 250 or 5xx at end of
 * data, 1 when some did not (a 4xx, a broken connection), 2 on a usage
 * or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOAD_CONNS_MAX 256	/* threads */
#define LOAD_MESSAGE_MAX (1 << 20)	/* bytes of the message file */
#define LOAD_REPLY_MAX 4096	/* bytes kept of one SMTP reply (RFC 5321 4.5.3.1.5: 512 a line) */
#define LOAD_TOTAL_MAX 1000000	/* messages of one run (their end-of-data times are kept) */
#define LOAD_FILES_MAX 1024	/* -f messages: a corpus of up to 1,000 files */

struct load_opts {
	const char *src;
	const char *server;
	int port;
	int conns;
	int per_conn;
	long total;
	const char *mail_from;
	const char *rcpt;
	const char *helo;
	int wall_s;
	int reply_s;
	char *data[LOAD_FILES_MAX];	/* the messages, dot-stuffed, ending in ".\r\n" */
	size_t data_len[LOAD_FILES_MAX];
	int files;
};

struct load_state {
	const struct load_opts *o;
	atomic_long pool;	/* messages not yet taken */
	atomic_long accepted;
	atomic_long rejected;	/* 5xx at end of data */
	atomic_long next;	/* the next message's number: its file */
	atomic_long failed;
	atomic_long connections;
	atomic_int reported;	/* errors printed (only the first few are) */
	double deadline;
	double *eod;		/* end-of-data time of each accepted message, seconds */
	atomic_long eod_n;
};

struct load_conn {
	int fd;
	char buf[LOAD_REPLY_MAX];
	size_t len;	/* bytes in buf */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void load_report(struct load_state *st, const char *what, const char *detail)
{
	if (atomic_fetch_add(&st->reported, 1) < 5)
		fprintf(stderr, "load: %s: %s\n", what, detail);
}

/* Takes one message from the pool: 1, or 0 when it is empty or time is up. */
static int load_take(struct load_state *st)
{
	if (load_now() >= st->deadline)
		return 0;
	if (atomic_fetch_sub(&st->pool, 1) > 0)
		return 1;
	atomic_fetch_add(&st->pool, 1);
	return 0;
}

static int load_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one whole reply (its last line has a space after the code) and
 * returns its code, or -1 on timeout, close or garbage. */
static int load_reply(struct load_conn *c)
{
	for (;;) {
		char *line = c->buf, *nl;

		/* Look for a complete final line among the buffered ones. */
		while ((nl = memchr(line, '\n', c->len - (size_t)(line - c->buf))) != NULL) {
			if (nl - line >= 4 && line[3] == ' ') {
				int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
				size_t rest = c->len - (size_t)(nl + 1 - c->buf);

				memmove(c->buf, nl + 1, rest);
				c->len = rest;
				return code >= 200 && code <= 599 ? code : -1;
			}
			line = nl + 1;
		}
		if (c->len == sizeof(c->buf))
			return -1;	/* a reply longer than we keep */
		ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;	/* closed, or SO_RCVTIMEO ran out */
		c->len += (size_t)n;
	}
}

static int load_cmd(struct load_conn *c, const char *cmd, size_t len)
{
	if (load_write_all(c->fd, cmd, len) < 0)
		return -1;
	return load_reply(c);
}

static int load_connect(const struct load_opts *o)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = o->reply_s };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, o->src, &src.sin_addr);	/* checked in main() */
	inet_pton(AF_INET, o->server, &dst.sin_addr);
	dst.sin_port = htons((uint16_t)o->port);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection: up to per_conn messages. Returns 0 when it ended
 * normally (pool empty, per_conn reached), -1 when it broke down. */
static int load_session(struct load_state *st, const char *ehlo, size_t ehlo_len,
			const char *env, size_t env_len)
{
	const struct load_opts *o = st->o;
	struct load_conn c = { .fd = -1 };
	int sent = 0, code = 0;
	const char *stage = "connect";
	double t_eod;

	if (!load_take(st))
		return 0;
	c.fd = load_connect(o);
	atomic_fetch_add(&st->connections, 1);
	if (c.fd < 0)
		goto broken;
	stage = "greeting";
	if ((code = load_reply(&c)) != 220)
		goto broken;
	stage = "EHLO";
	if ((code = load_cmd(&c, ehlo, ehlo_len)) != 250)
		goto broken;
	for (;;) {
		/* MAIL and RCPT in one write would need PIPELINING; send them
		 * one by one, as a plain client does. */
		const char *rcpt = memchr(env, '\n', env_len) + 1;

		stage = "MAIL";
		if ((code = load_cmd(&c, env, (size_t)(rcpt - env))) != 250)
			goto broken;
		stage = "RCPT";
		if ((code = load_cmd(&c, rcpt, env_len - (size_t)(rcpt - env))) != 250)
			goto broken;
		stage = "DATA";
		if ((code = load_cmd(&c, "DATA\r\n", 6)) != 354)
			goto broken;
		stage = "end of data";
		{
			int f = (int)(atomic_fetch_add(&st->next, 1) % o->files);
			long k;

			t_eod = load_now();
			code = load_cmd(&c, o->data[f], o->data_len[f]);
			if (code != 250 && (code < 500 || code > 599))
				goto broken;
			if ((k = atomic_fetch_add(&st->eod_n, 1)) < o->total)
				st->eod[k] = load_now() - t_eod;
		}
		atomic_fetch_add(code == 250 ? &st->accepted : &st->rejected, 1);
		if (++sent >= o->per_conn || !load_take(st))
			break;
	}
	/* Send QUIT and close without waiting for 221, as Postfix does by
	 * default (smtp_skip_quit_response). Exim 4.96 answers QUIT only
	 * after waiting up to 200 ms for the client to close first, so a
	 * client that waits pays 200 ms of idle time per connection. */
	(void)load_write_all(c.fd, "QUIT\r\n", 6);
	close(c.fd);
	return 0;
broken:
	{
		char detail[128];

		snprintf(detail, sizeof(detail), "%s gave %d%s", stage, code,
			 code < 0 ? " (timeout, close or refused)" : "");
		load_report(st, "message not accepted", detail);
	}
	atomic_fetch_add(&st->failed, 1);	/* the message taken and not accepted */
	if (c.fd >= 0)
		close(c.fd);
	return -1;
}

static void *load_worker(void *arg)
{
	struct load_state *st = arg;
	const struct load_opts *o = st->o;
	char ehlo[300], env[1100];
	int ehlo_len = snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", o->helo);
	int env_len = snprintf(env, sizeof(env), "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n",
			       o->mail_from, o->rcpt);

	/* Every pass takes at least one message or ends: bounded by TOTAL.
	 * A broken session is counted in failed; go on with a new one. */
	while (atomic_load(&st->pool) > 0 && load_now() < st->deadline)
		(void)load_session(st, ehlo, (size_t)ehlo_len, env, (size_t)env_len);
	return NULL;
}

/* Reads message file number i and dot-stuffs it; returns 0 or -1. */
static int load_message(const char *path, struct load_opts *o, int i)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *raw, *out;
	size_t n = 0, len = 0;

	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size <= 0 || sb.st_size > LOAD_MESSAGE_MAX) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	raw = malloc((size_t)sb.st_size);
	out = malloc((size_t)sb.st_size * 2 + 8);	/* every line could gain a dot */
	while (raw != NULL && n < (size_t)sb.st_size) {
		ssize_t r = read(fd, raw + n, (size_t)sb.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (raw == NULL || out == NULL || n != (size_t)sb.st_size) {
		free(raw);
		free(out);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == '.' && (i == 0 || raw[i - 1] == '\n'))
			out[len++] = '.';
		out[len++] = raw[i];
	}
	if (len < 2 || out[len - 2] != '\r' || out[len - 1] != '\n') {
		free(raw);
		free(out);
		return -1;	/* the caller gives CRLF text ending in a line end */
	}
	memcpy(out + len, ".\r\n", 3);
	free(raw);
	o->data[i] = out;
	o->data_len[i] = len + 3;
	return 0;
}

static int load_usage(void)
{
	fprintf(stderr, "usage: load -s SRC -S SERVER [-p PORT] -c CONNS -m PER_CONN -n TOTAL\n"
		"            -f MESSAGE [-f MESSAGE...] [-F MAIL_FROM] [-t RCPT] [-h HELO] [-w WALL_S] [-r REPLY_S]\n");
	return 2;
}

static int load_number(const char *s, long lo, long hi, long *r)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*r = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct load_opts o = {
		.port = 25, .mail_from = "user@aligned.example", .rcpt = "alice@test.example",
		.helo = "mail.aligned.example", .wall_s = 120, .reply_s = 30,
	};
	static struct load_state st;
	static pthread_t tid[LOAD_CONNS_MAX];
	const char *files[LOAD_FILES_MAX];
	int nfiles = 0;
	struct in_addr a;
	double t0, secs;
	long v;
	int opt, started = 0;

	while ((opt = getopt(argc, argv, "s:S:p:c:m:n:f:F:t:h:w:r:")) != -1) {
		switch (opt) {
		case 's': o.src = optarg; break;
		case 'S': o.server = optarg; break;
		case 'f':
			if (nfiles >= LOAD_FILES_MAX)
				return load_usage();
			files[nfiles++] = optarg;
			break;
		case 'F': o.mail_from = optarg; break;
		case 't': o.rcpt = optarg; break;
		case 'h': o.helo = optarg; break;
		case 'p':
			if (load_number(optarg, 1, 65535, &v) < 0)
				return load_usage();
			o.port = (int)v;
			break;
		case 'c':
			if (load_number(optarg, 1, LOAD_CONNS_MAX, &v) < 0)
				return load_usage();
			o.conns = (int)v;
			break;
		case 'm':
			if (load_number(optarg, 1, 1000000, &v) < 0)
				return load_usage();
			o.per_conn = (int)v;
			break;
		case 'n':
			if (load_number(optarg, 1, LOAD_TOTAL_MAX, &v) < 0)
				return load_usage();
			o.total = v;
			break;
		case 'w':
			if (load_number(optarg, 1, 3600, &v) < 0)
				return load_usage();
			o.wall_s = (int)v;
			break;
		case 'r':
			if (load_number(optarg, 1, 600, &v) < 0)
				return load_usage();
			o.reply_s = (int)v;
			break;
		default:
			return load_usage();
		}
	}
	if (optind != argc || o.src == NULL || o.server == NULL || nfiles == 0 ||
	    o.conns == 0 || o.per_conn == 0 || o.total == 0 ||
	    strlen(o.helo) > 255 || strlen(o.mail_from) > 512 || strlen(o.rcpt) > 512 ||
	    strpbrk(o.mail_from, "\r\n") != NULL || strpbrk(o.rcpt, "\r\n") != NULL ||
	    strpbrk(o.helo, "\r\n") != NULL)
		return load_usage();
	if (inet_pton(AF_INET, o.src, &a) != 1 || inet_pton(AF_INET, o.server, &a) != 1) {
		fprintf(stderr, "load: -s and -S take IPv4 addresses\n");
		return 2;
	}
	for (int i = 0; i < nfiles; i++)
		if (load_message(files[i], &o, i) < 0) {
			fprintf(stderr, "load: %s: cannot read, empty, over %d bytes, or not ending in CRLF\n",
				files[i], LOAD_MESSAGE_MAX);
			return 2;
		}
	o.files = nfiles;

	st.o = &o;
	atomic_init(&st.pool, o.total);
	atomic_init(&st.eod_n, 0);
	atomic_init(&st.rejected, 0);
	atomic_init(&st.next, 0);
	if ((st.eod = calloc((size_t)o.total, sizeof(st.eod[0]))) == NULL) {
		fprintf(stderr, "load: out of memory\n");
		return 2;
	}
	t0 = load_now();
	st.deadline = t0 + o.wall_s;
	for (int i = 0; i < o.conns; i++) {
		if (pthread_create(&tid[i], NULL, load_worker, &st) != 0) {
			fprintf(stderr, "load: cannot start thread %d\n", i);
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	secs = load_now() - t0;

	long acc = atomic_load(&st.accepted), rej = atomic_load(&st.rejected), fail = atomic_load(&st.failed);

	struct rusage ru;
	double cpu = -1;

	if (getrusage(RUSAGE_SELF, &ru) == 0)	/* all threads */
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	long ne = atomic_load(&st.eod_n);

	if (ne > o.total)
		ne = o.total;
	qsort(st.eod, (size_t)ne, sizeof(st.eod[0]), cmp_double);
	printf("sent=%ld accepted=%ld rejected=%ld failed=%ld connections=%ld seconds=%.3f cpu=%.3f "
	       "eod_p50_ms=%.2f eod_p99_ms=%.2f\n", acc + rej + fail, acc, rej, fail, atomic_load(&st.connections),
	       secs, cpu,
	       ne > 0 ? st.eod[(ne - 1) / 2] * 1000 : 0, ne > 0 ? st.eod[(ne * 99 - 1) / 100] * 1000 : 0);
	free(st.eod);
	for (int i = 0; i < o.files; i++)
		free(o.data[i]);
	return acc + rej == o.total ? 0 : 1;
}
