/* check_memory.c - one Exim process, many messages, under valgrind.
 *
 * Acceptance: valgrind finds no leak attributable to the plugin in one Exim
 * process that receives 1,000 messages, and the process does not grow per
 * message.
 *
 * Exim runs as `exim -bs` (SMTP on stdin/stdout, so one process receives
 * every message) under valgrind --leak-check=full --show-leak-kinds=all,
 * no suppressions, with -oMa 203.0.113.5 so that the plugin sees a remote
 * client, and -odq (queued, never delivered). The client waits for every
 * reply. Exim gets its own spool, logs and settings (-DWORLD= a directory
 * of its own), so the world's daemon and main log are not disturbed, and a
 * copy of the world's exim.conf with smtp_accept_max_per_connection = 0
 * (the default, 1000, counts MAIL commands). Valgrind will not run a
 * setuid binary, so it runs a copy of Debian's exim4 without the setuid
 * bit; we are root, so Exim keeps its privileges all the same.
 *
 * --run-libc-freeres=no: at exit, glibc's freeres would free its resolver
 * registry and so orphan the one resolv.conf block that the plugin's
 * process-lifetime res_state (core/dns/dns.c, res_ninit once per process)
 * still refers to, and valgrind would call that "definitely lost". Without
 * it the block is "still reachable", counted in what the plugin holds at
 * exit, and a res_ninit per message would show up as growth.
 *
 * The messages mix every path that resets per-message state: aligned and
 * DKIM-signed (RSA and ed25519), a spoofed p=reject domain (550), forged
 * Authentication-Results, several From fields, a broken signature, SPF
 * through includes, RFC 9091 np=, a transaction abandoned by RSET after the
 * RCPT ACL ran the SPF dlfunc, and a domain whose zone answers SERVFAIL
 * for the middle third of the run (451).
 *
 * Attribution: a record is the plugin's when a frame of its allocation
 * stack is a function defined in authalign.so (nm) or the object itself.
 * Fails: a "definitely" or "indirectly lost" record of the plugin's, or a
 * memory error (invalid read, uninitialised value...) through the plugin.
 * Printed only: possibly lost through the plugin, and Exim's and the
 * libraries' own lost records. Growth: the bytes in use at exit whose
 * stacks are the plugin's, after 1,000 messages minus after 100, must stay
 * under GROWTH_BYTES_PER_MESSAGE for each of the 900. (Exim's own store
 * grows by about 80 kB over such a session; that is printed, not judged.)
 */
#define _GNU_SOURCE
#include "world.h"

#ifndef MEMORY_MESSAGES
#define MEMORY_MESSAGES 1000	/* the acceptance figure */
#endif
#ifndef BASELINE_MESSAGES
#define BASELINE_MESSAGES 100	/* the run compared with it for growth */
#endif
/* Bytes a message may add to what the plugin holds at exit. Per-message
 * state that is not reset (a cache that never empties, a memo per
 * transaction) costs hundreds of bytes a message; one 24-byte block kept
 * per message (21,600 bytes over 900) fails too. Measured: 0. */
#define GROWTH_BYTES_PER_MESSAGE 16
#define REPLY_SECONDS 60	/* bound on one SMTP reply under valgrind */

/* ---- the messages ---- */

enum kind {
	K_ALIGNED_RSA,		/* accepted */
	K_ALIGNED_ED,		/* accepted */
	K_SPOOF_REJECT,		/* p=reject, SPF of another domain, unsigned: 550 */
	K_FORGED_AR,		/* our id in a forged Authentication-Results: accepted */
	K_SEVERAL_FROM,		/* two authors: never passes; 550 */
	K_FLAKY,		/* signed; its zone SERVFAILs in the middle third: 451 */
	K_CHAIN,		/* SPF through two includes: accepted */
	K_NP_GHOST,		/* non-existent subdomain of np=reject: 550 */
	K_FOREIGN_SIG,		/* signed by aligned.example, From reject.example: 550 */
	K_TAMPERED,		/* signature broken after signing, SPF aligned: accepted */
	K_RSET,			/* MAIL, RCPT (SPF dlfunc runs), RSET: no message */
	KINDS
};

struct kind_def {
	const char *name;
	const char *mail_from;
	const char *from_lines;
	const char *extra;
	const char *sign_domain;	/* NULL: unsigned */
	const char *sign_key;
	int code;		/* expected at the end of DATA */
};

static const struct kind_def kinds[KINDS] = {
	[K_ALIGNED_RSA] = { "aligned rsa", "u@aligned.example", "From: <u@aligned.example>\n", NULL,
			    "aligned.example", "rsa", 250 },
	[K_ALIGNED_ED] = { "aligned ed25519", "u@aligned.example", "From: <u@aligned.example>\n", NULL,
			   "aligned.example", "ed", 250 },
	[K_SPOOF_REJECT] = { "spoofed p=reject", "u@forwarder.example", "From: CEO <ceo@reject.example>\n",
			     NULL, NULL, NULL, 550 },
	[K_FORGED_AR] = { "forged Authentication-Results", "u@aligned.example", "From: <u@aligned.example>\n",
			  "Authentication-Results: mx.test.example; dmarc=pass header.from=aligned.example\n",
			  NULL, NULL, 250 },
	[K_SEVERAL_FROM] = { "several From", "u@aligned.example",
			     "From: <u@aligned.example>\nFrom: <ceo@reject.example>\n", NULL, NULL, NULL, 550 },
	[K_FLAKY] = { "flaky", "u@flaky.example", "From: <u@flaky.example>\n", NULL, "flaky.example", "rsa", 250 },
	[K_CHAIN] = { "SPF includes", "u@chain.example", "From: <u@chain.example>\n", NULL, NULL, NULL, 250 },
	[K_NP_GHOST] = { "np=reject ghost", "u@forwarder.example", "From: <x@ghost.np.example>\n", NULL,
			 NULL, NULL, 550 },
	[K_FOREIGN_SIG] = { "unaligned signature", "u@forwarder.example", "From: CEO <ceo@reject.example>\n",
			    NULL, "aligned.example", "rsa", 550 },
	[K_TAMPERED] = { "broken signature", "u@aligned.example", "From: <u@aligned.example>\n", NULL,
			 "aligned.example", "rsa", 250 },
	[K_RSET] = { "RSET after RCPT", "u@reject.example", NULL, NULL, NULL, NULL, 0 },
};

/* The SMTP DATA payload of each kind, made (and signed) once. */
static char *payload[KINDS];

static void payloads_make(void)
{
	for (int k = 0; k < KINDS; k++) {
		const struct kind_def *d = &kinds[k];
		char *text = NULL;

		if (d->from_lines == NULL)
			continue;
		ck_assert_int_ge(asprintf(&text,
					  "%s%sTo: <alice@test.example>\nSubject: memory %s\n"
					  "Date: Mon, 23 Nov 2026 12:00:00 +0000\n"
					  "Message-ID: <memory.%d.%d@client.example>\n\n"
					  "One of many messages to one Exim process.\n",
					  d->from_lines, d->extra ? d->extra : "", d->name, k, (int)getpid()), 0);
		if (d->sign_domain != NULL) {
			char *signed_text = world_sign(text, d->sign_domain, d->sign_key);

			ck_assert_msg(signed_text != NULL, "cannot sign the %s message", d->name);
			free(text);
			text = signed_text;
		}
		if (k == K_TAMPERED) {
			char *body = strstr(text, "One of many");

			ck_assert_ptr_nonnull(body);
			body[0] = 'N';	/* the body hash no longer matches */
		}
		payload[k] = world_smtp_data(text);
		ck_assert_ptr_nonnull(payload[k]);
		free(text);
	}
}

/* ---- Exim under valgrind, driven over pipes ---- */

struct vg_exim {
	pid_t pid;
	struct world_conn rd;	/* Exim's stdout */
	int wr;			/* Exim's stdin */
	char dir[4096];		/* its WORLD directory */
	char log[4096 + 32];	/* valgrind's report */
};

struct tally {
	int code[6];		/* by first digit of the final reply */
	int per_kind[KINDS];
};

static const char *mem_dir(void)
{
	static char dir[4096];

	snprintf(dir, sizeof(dir), "%s/memcheck", world_env("AA_WORLD"));
	return dir;
}

/* Once per world: an Exim valgrind may run, a WORLD directory and settings. */
static void mem_setup(void)
{
	char *out = NULL;
	int rc;

	world_require();
	world_dns_heal();
	rc = world_sh(&out, 60,
		      "set -e; d='%s'; mkdir -p \"$d\"; cd \"$d\";"
		      " [ -x exim4 ] || install -m 0755 \"$AA_EXIM\" exim4;"
		      " mkdir -p spool log run mail/alice;"
		      " printf 'authserv_id = mx.test.example\\nmode = enforce\\n"
		      "dns_timeout = 1s\\ndns_tries = 1\\n' >authalign.conf;"
		      " chmod 0644 authalign.conf;"
		      /* Exim's default smtp_accept_max_per_connection (1000) counts MAIL
		       * commands: 1,000 messages and the RSET transactions need more. */
		      " sed -e '/^smtp_accept_max_per_connection/d'"
		      " -e '/^primary_hostname/a smtp_accept_max_per_connection = 0' \"$AA_EXIM_CONF\" >exim.conf;"
		      " grep -q '^smtp_accept_max_per_connection = 0' exim.conf;"
		      " chown -R Debian-exim:Debian-exim spool log run mail; chmod 0750 spool",
		      mem_dir());
	ck_assert_msg(rc == 0, "memcheck setup: %s", out ? out : "");
	free(out);
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin: nothing to check");
}

static int vg_write(struct vg_exim *e, const char *s)
{
	struct world_conn w = { .fd = e->wr, .timeout_ms = REPLY_SECONDS * 1000 };

	return world_smtp_write(&w, s, strlen(s));
}

static int vg_cmd(struct vg_exim *e, struct world_reply *r, const char *line)
{
	char buf[1100];

	snprintf(buf, sizeof(buf), "%s\r\n", line);
	if (vg_write(e, buf) < 0)
		return r->code = 0;
	return r->code = world_smtp_reply(&e->rd, r->text, sizeof(r->text));
}

static void vg_start(struct vg_exim *e, const char *tag)
{
	int in[2], out[2];
	char exim[8192], conf[8192], world[8192], so[8192], logarg[8192];
	char errfile[8192], cfgfile[8192];

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s", mem_dir());
	snprintf(e->log, sizeof(e->log), "%s/valgrind-%s.log", e->dir, tag);
	snprintf(exim, sizeof(exim), "%s/exim4", e->dir);
	snprintf(conf, sizeof(conf), "-DAUTHALIGN_CONFIG=%s/authalign.conf", e->dir);
	snprintf(world, sizeof(world), "-DWORLD=%s", e->dir);
	snprintf(so, sizeof(so), "-DAUTHALIGN_SO=%s", world_env("AA_SO"));
	snprintf(logarg, sizeof(logarg), "--log-file=%s", e->log);
	snprintf(errfile, sizeof(errfile), "%s/exim-%s.stderr", e->dir, tag);
	snprintf(cfgfile, sizeof(cfgfile), "%s/exim.conf", e->dir);
	char *argv[] = {
		"valgrind", "--tool=memcheck", "--trace-children=no", "--leak-check=full",
		"--num-callers=50", "--vgdb=no", "--run-libc-freeres=no", "--show-leak-kinds=all", "--error-limit=no", logarg,
		exim, "-C", cfgfile, world, conf, so, "-DAUTHALIGN_ENABLE=1",
		"-bs", "-odq", "-oMa", (char *)world_env("AA_GOOD_IP4"), "-oMs", "mail.aligned.example",
		NULL,
	};

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	e->pid = fork();
	ck_assert_int_ge(e->pid, 0);
	if (e->pid == 0) {
		int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		setpgid(0, 0);
		if (err < 0 || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(e->pid, e->pid);
	close(in[0]);
	close(out[1]);
	e->wr = in[1];
	e->rd = (struct world_conn){ .fd = out[0], .timeout_ms = REPLY_SECONDS * 1000 };
}

/* Wait for the end of valgrind (bounded); its exit status, or -1. */
static int vg_wait(struct vg_exim *e, int timeout_s)
{
	int status = -1;

	close(e->wr);
	close(e->rd.fd);
	for (long i = 0; i < timeout_s * 10L; i++) {
		pid_t w = waitpid(e->pid, &status, WNOHANG);

		if (w == e->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		world_sleep_ms(100);
	}
	kill(-e->pid, SIGKILL);
	waitpid(e->pid, &status, 0);
	return -1;
}

/* One transaction of kind k; returns the final reply code (0: none). */
static int vg_message(struct vg_exim *e, int k, struct world_reply *r)
{
	const struct kind_def *d = &kinds[k];
	char line[600];

	snprintf(line, sizeof(line), "MAIL FROM:<%s>", d->mail_from);
	if (vg_cmd(e, r, line) != 250)
		return r->code;
	if (vg_cmd(e, r, "RCPT TO:<alice@test.example>") != 250)
		return r->code;
	if (k == K_RSET)
		return vg_cmd(e, r, "RSET");
	if (vg_cmd(e, r, "DATA") != 354)
		return r->code;
	if (vg_write(e, payload[k]) < 0)
		return r->code = 0;
	return r->code = world_smtp_reply(&e->rd, r->text, sizeof(r->text));
}

/* The kind of message number i of n (cycles through every kind). */
static int kind_of(int i)
{
	return i % KINDS;
}

/* Send n messages (plus the RSET transactions among them) to one Exim. */
static void run_messages(struct vg_exim *e, int n, struct tally *t)
{
	struct world_reply r;
	int sent = 0, flaky_broken = 0;

	memset(t, 0, sizeof(*t));
	r.code = world_smtp_reply(&e->rd, r.text, sizeof(r.text));
	ck_assert_msg(r.code == 220, "no greeting from exim -bs under valgrind: %d %s", r.code, r.text);
	ck_assert_int_eq(vg_cmd(e, &r, "EHLO mail.aligned.example"), 250);
	for (int i = 0; sent < n; i++) {
		int k = kind_of(i), want = kinds[k].code;

		/* the flaky zone answers SERVFAIL for the middle third */
		if (!flaky_broken && sent >= n / 3 && sent < 2 * n / 3) {
			ck_assert_int_eq(world_dns_fault("servfail", "flaky.example"), 0);
			flaky_broken = 1;
		} else if (flaky_broken == 1 && sent >= 2 * n / 3) {
			ck_assert_int_eq(world_dns_fault("restore", "flaky.example"), 0);
			flaky_broken = 2;
		}
		vg_message(e, k, &r);
		ck_assert_msg(r.code != 0, "message %d (%s): no reply from Exim (see %s)",
			      i, kinds[k].name, e->log);
		if (k == K_RSET) {
			ck_assert_msg(r.code == 250, "RSET: %d %s", r.code, r.text);
			continue;
		}
		if (k == K_FLAKY && flaky_broken == 1)
			ck_assert_msg(r.code / 100 == 4, "message %d (%s, SERVFAIL): want 4xx, got %d %s",
				      i, kinds[k].name, r.code, r.text);
		else
			ck_assert_msg(r.code == want, "message %d (%s): want %d, got %d %s",
				      i, kinds[k].name, want, r.code, r.text);
		t->code[r.code / 100]++;
		t->per_kind[k]++;
		sent++;
	}
	if (flaky_broken == 1)
		ck_assert_int_eq(world_dns_fault("restore", "flaky.example"), 0);
	vg_cmd(e, &r, "QUIT");
}

/* ---- valgrind's report ---- */

struct vg_report {
	long in_use_bytes, in_use_blocks;	/* HEAP SUMMARY: everything */
	long allocs, frees;
	long ours_in_use;	/* bytes in use at exit allocated through the plugin */
	int ours_lost;		/* definitely/indirectly lost records through the plugin */
	int ours_errors;	/* invalid reads, uninitialised values... through the plugin */
	int ours_possibly;	/* possibly lost through the plugin (printed, not judged) */
	int others_lost;	/* Exim's and the libraries' own */
	long others_lost_bytes;
	long others_in_use;
	char *ours_text;	/* our failing records, for the failure message */
	char *others_text;	/* the others' lost records, printed */
};

/* The plugin's functions: every text symbol nm finds in the .so. */
static char *our_symbols;	/* "\nname1\nname2\n...\n" */

static void our_symbols_load(void)
{
	char *out = NULL;
	int rc = world_sh(&out, 30, "nm --defined-only '%s' | awk '$2 ~ /^[tTwW]$/ { print $3 }'",
			  world_env("AA_SO"));

	ck_assert_msg(rc == 0 && out != NULL && strstr(out, "\nlocal_scan\n") != NULL,
		      "nm of the plugin: %s", out ? out : "");
	ck_assert_int_ge(asprintf(&our_symbols, "\n%s", out), 0);
	free(out);
}

/* A stack frame line "at 0x..: name (where)" or "by 0x..: name (where)". */
static int frame_is_ours(const char *line)
{
	const char *p = strstr(line, ": ");
	char name[512], needle[520];
	size_t n;

	if (strncmp(line, "at 0x", 5) != 0 && strncmp(line, "by 0x", 5) != 0)
		return 0;
	if (strstr(line, "authalign.so") != NULL)
		return 1;
	if (p == NULL)
		return 0;
	p += 2;
	n = strcspn(p, " (");
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	if (strstr(p + n, "(in /") != NULL)
		return 0;	/* the same name in another object */
	if (strncmp(name, "aa_", 3) == 0 || strncmp(name, "authalign_", 10) == 0 ||
	    strncmp(name, "plugin_", 7) == 0 || strcmp(name, "local_scan") == 0)
		return 1;
	snprintf(needle, sizeof(needle), "\n%s\n", name);
	return strstr(our_symbols, needle) != NULL;
}

/* The number (digits and commas) that ends right before what; -1: none. */
static long number_before(const char *s, const char *what)
{
	const char *p = strstr(s, what);
	long v = 0, mul = 1;
	int digits = 0;

	if (p == NULL)
		return -1;
	while (p > s && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == ',')) {
		p--;
		if (*p != ',') {
			v += (*p - '0') * mul;
			mul *= 10;
			digits++;
		}
	}
	return digits > 0 ? v : -1;
}

/* Heads of valgrind's error records other than leaks. */
static int is_error_head(const char *t)
{
	static const char *const heads[] = {
		"Invalid read", "Invalid write", "Invalid free", "Mismatched free",
		"Conditional jump", "Use of uninitialised", "Syscall param",
		"Source and destination overlap", "Argument 'size'", "Jump to the invalid",
	};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (strncmp(t, heads[i], strlen(heads[i])) == 0)
			return 1;
	return 0;
}

enum rec_kind { REC_NONE, REC_LOST, REC_POSSIBLY, REC_REACHABLE, REC_ERROR };

static void vg_parse(const char *path, struct vg_report *rep)
{
	char *log = world_read_file(path), *ours = NULL, *others = NULL, *rec = NULL;
	size_t ol = 0, xl = 0, rl = 0;
	FILE *o, *x, *r = NULL;
	enum rec_kind kind = REC_NONE;
	int rec_ours = 0;
	long rec_bytes = 0;

	memset(rep, 0, sizeof(*rep));
	rep->in_use_bytes = rep->in_use_blocks = -1;
	ck_assert_msg(log != NULL, "no valgrind report at %s", path);
	o = open_memstream(&ours, &ol);
	x = open_memstream(&others, &xl);
	ck_assert(o != NULL && x != NULL);
	for (char *line = log, *end, *next; *line != '\0'; line = next) {
		char *t = line;

		end = line + strcspn(line, "\n");
		next = end + (*end != '\0');
		*end = '\0';
		if (t[0] == '=' && t[1] == '=') {	/* strip "==PID== " */
			char *q = strstr(t + 2, "==");

			t = q != NULL ? q + 2 : t;
			while (*t == ' ')
				t++;
		}
		if (kind != REC_NONE && *t != '\0') {	/* a record goes on */
			rec_ours |= frame_is_ours(t);
			fprintf(r, "%s\n", t);
			continue;
		}
		if (kind != REC_NONE) {			/* a blank line ends it */
			fclose(r);
			r = NULL;
			if (rec_ours && kind == REC_REACHABLE)
				rep->ours_in_use += rec_bytes;
			else if (kind == REC_REACHABLE)
				rep->others_in_use += rec_bytes;
			else if (rec_ours && kind == REC_LOST) {
				rep->ours_lost++;
				rep->ours_in_use += rec_bytes;
				fprintf(o, "%s\n", rec);
			} else if (rec_ours && kind == REC_ERROR) {
				rep->ours_errors++;
				fprintf(o, "%s\n", rec);
			} else if (rec_ours && kind == REC_POSSIBLY) {
				rep->ours_possibly++;
				rep->ours_in_use += rec_bytes;
				fprintf(o, "(possibly lost: printed, not judged)\n%s\n", rec);
			} else if (kind != REC_ERROR) {
				rep->others_in_use += rec_bytes;
				if (kind == REC_LOST) {
					rep->others_lost++;
					rep->others_lost_bytes += rec_bytes;
					fprintf(x, "%s\n", rec);
				}
			}
			free(rec);
			rec = NULL;
			kind = REC_NONE;
			continue;
		}
		if (strncmp(t, "in use at exit:", 15) == 0) {
			rep->in_use_bytes = number_before(t, " bytes in");
			rep->in_use_blocks = number_before(t, " blocks");
		} else if (strncmp(t, "total heap usage:", 17) == 0) {
			rep->allocs = number_before(t, " allocs");
			rep->frees = number_before(t, " frees");
		} else if (strstr(t, " in loss record ") != NULL) {
			kind = strstr(t, "still reachable") != NULL ? REC_REACHABLE :
			       strstr(t, "possibly lost") != NULL ? REC_POSSIBLY : REC_LOST;
			/* "N bytes in", or "N (D direct, I indirect) bytes in": count
			 * the direct ones; the indirect have records of their own */
			rec_bytes = strstr(t, " direct, ") != NULL ? number_before(t, " direct, ")
								   : number_before(t, " bytes in");
			if (rec_bytes < 0)
				rec_bytes = 0;
		} else if (is_error_head(t)) {
			kind = REC_ERROR;
			rec_bytes = 0;
		} else {
			continue;
		}
		rec_ours = 0;
		r = open_memstream(&rec, &rl);
		ck_assert_ptr_nonnull(r);
		fprintf(r, "%s\n", t);
	}
	if (r != NULL) {
		fclose(r);
		free(rec);
	}
	fclose(o);
	fclose(x);
	rep->ours_text = ours;
	rep->others_text = others;
	free(log);
}

static void vg_run(int n, const char *tag, struct vg_report *rep, struct tally *t)
{
	struct vg_exim e;
	long t0 = world_now_ms();
	int rc;

	vg_start(&e, tag);
	run_messages(&e, n, t);
	rc = vg_wait(&e, 120);
	ck_assert_msg(rc == 0, "exim -bs under valgrind (%s) ended with %d (see %s)", tag, rc, e.log);
	vg_parse(e.log, rep);
	fprintf(stderr,
		"memory: %d messages (2xx %d, 4xx %d, 5xx %d) to one exim -bs under valgrind in %.1f s;"
		" in use at exit %ld bytes in %ld blocks (through the plugin %ld, other %ld);"
		" %ld allocs, %ld frees; through the plugin: %d lost, %d errors, %d possibly lost;"
		" Exim's and libraries' own: %d lost (%ld bytes)\n",
		n, t->code[2], t->code[4], t->code[5], (world_now_ms() - t0) / 1000.0,
		rep->in_use_bytes, rep->in_use_blocks, rep->ours_in_use, rep->others_in_use,
		rep->allocs, rep->frees, rep->ours_lost, rep->ours_errors, rep->ours_possibly,
		rep->others_lost, rep->others_lost_bytes);
}

static void vg_report_free(struct vg_report *rep)
{
	free(rep->ours_text);
	free(rep->others_text);
}

START_TEST(one_exim_process_receives_1000_messages_without_plugin_leaks_or_growth)
{
	struct vg_report small, big;
	struct tally ts, tb;

	payloads_make();
	our_symbols_load();
	vg_run(BASELINE_MESSAGES, "small", &small, &ts);
	vg_run(MEMORY_MESSAGES, "big", &big, &tb);

	/* every kind of message, and every outcome, really ran */
	for (int k = 0; k < KINDS; k++)
		if (k != K_RSET)
			ck_assert_msg(tb.per_kind[k] > 0, "no %s message was sent", kinds[k].name);
	ck_assert_int_gt(tb.code[2], 0);
	ck_assert_int_gt(tb.code[4], 0);
	ck_assert_int_gt(tb.code[5], 0);
	/* the report was read: it lists the plugin's process state */
	ck_assert_int_gt(big.in_use_bytes, 0);
	ck_assert_msg(big.ours_in_use > 0, "no block in use at exit is the plugin's: is the report read?");

	if (big.others_lost > 0)
		fprintf(stderr, "memory: lost by Exim and the libraries themselves (no plugin frame):\n%s",
			big.others_text);
	if (big.ours_possibly > 0)
		fprintf(stderr, "memory: possibly lost through the plugin:\n%s", big.ours_text);
	if (small.ours_lost + small.ours_errors + big.ours_lost + big.ours_errors > 0)
		fprintf(stderr, "memory: lost or errors through the plugin (%d messages):\n%s\n"
			"memory: lost or errors through the plugin (%d messages):\n%s\n",
			BASELINE_MESSAGES, small.ours_text, MEMORY_MESSAGES, big.ours_text);
	ck_assert_msg(small.ours_lost + small.ours_errors + big.ours_lost + big.ours_errors == 0,
		      "valgrind finds through the plugin %d lost records and %d errors after %d messages,"
		      " %d and %d after %d (records above)", small.ours_lost, small.ours_errors,
		      BASELINE_MESSAGES, big.ours_lost, big.ours_errors, MEMORY_MESSAGES);

	long growth = big.ours_in_use - small.ours_in_use;
	long allowed = (long)GROWTH_BYTES_PER_MESSAGE * (MEMORY_MESSAGES - BASELINE_MESSAGES);

	fprintf(stderr, "memory: from %d to %d messages, in use at exit grows by %ld bytes through the"
		" plugin (allowed %ld), by %ld bytes in all\n", BASELINE_MESSAGES, MEMORY_MESSAGES,
		growth, allowed, big.in_use_bytes - small.in_use_bytes);
	ck_assert_msg(growth <= allowed,
		      "memory through the plugin grows per message: %ld bytes in use at exit after %d"
		      " messages, %ld after %d", big.ours_in_use, MEMORY_MESSAGES,
		      small.ours_in_use, BASELINE_MESSAGES);
	vg_report_free(&small);
	vg_report_free(&big);
}
END_TEST

Suite *suite_memory(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("memory");

	tcase_add_checked_fixture(tc, mem_setup, world_dns_heal);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, one_exim_process_receives_1000_messages_without_plugin_leaks_or_growth);
	suite_add_tcase(s, tc);
	return s;
}
