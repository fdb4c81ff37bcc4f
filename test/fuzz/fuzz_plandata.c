/* fuzz_plandata.c - $local_scan_data of any bytes: decode, look up, encode
 * again, and the outbound ${dlfunc} lookups that read it at routing time.
 *
 * Input: $local_scan_data, '\n', the recipient domain, '\n', the From
 * value (the message's one From field). The lookups of lookups/outbound.c run as Exim calls
 * them (authalign_route, _transport, _dkim, _return_path), on a stand-in
 * for Exim (exim_stub.c) and settings written at start into build/fuzz:
 * outbound_mode route, a route "relay", keys for a.example, a return path
 * for b.example. make fuzz sets ASAN_OPTIONS=detect_stack_use_after_return=1,
 * so a lookup that reads the plan from a returned stack frame stops here.
 * What must hold:
 * - what decodes encodes to a text that decodes to as many entries;
 * - every decoded domain finds its own entry (any case);
 * - every lookup answers OK, FAIL or ERROR, one line, and when the plan
 *   decoded, is fresh and has an entry for the domain, the answers are
 *   the entry's: return path (rewrite), d= (sign), hosts (smarthost).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "local_scan.h"
#include "aa_plan.h"
#include "exim_stub.h"
#include "aa_exim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* lookups/outbound.c */
int authalign_route(uschar **yield, int argc, uschar *argv[]);
int authalign_transport(uschar **yield, int argc, uschar *argv[]);
int authalign_dkim(uschar **yield, int argc, uschar *argv[]);
int authalign_return_path(uschar **yield, int argc, uschar *argv[]);

#define CONF_DIR "build/fuzz/plandata-conf"
#define ROUTE_HOSTS "198.51.100.25"

static char config_path[PATH_MAX];

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), CONF_DIR "/%s", name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "fuzz_plandata: cannot write %s\n", path);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char key[PATH_MAX], dir[PATH_MAX], text[4 * PATH_MAX];

	(void)argc;
	(void)argv;
	mkdir("build", 0755);
	mkdir("build/fuzz", 0755);
	mkdir(CONF_DIR, 0755);
	if (realpath("test/data/dkim/rsa2048.pem", key) == NULL || realpath(CONF_DIR, dir) == NULL) {
		fprintf(stderr, "fuzz_plandata: run from the top directory\n");
		exit(1);
	}
	write_file("routes", "relay: hosts=" ROUTE_HOSTS " port=587 transport=remote_smtp_relay\n"
			     "       egress=198.51.100.25 helo=smtp.relay.example\n");
	snprintf(text, sizeof(text),
		 "a.example: dkim=rsa:%s\n"
		 "b.example: return_path=bounces@b.example\n"
		 "c.example: pin=relay\n", key);
	write_file("domains", text);
	write_file("zone", "a.example TXT v=spf1 ip4:203.0.113.10 -all\n"
			   "_dmarc.a.example TXT v=DMARC1; p=reject\n"
			   "rsa._domainkey.a.example TXT v=DKIM1; p=\n");
	snprintf(text, sizeof(text),
		 "authserv_id = mx.test.example\n"
		 "outbound_mode = route\n"
		 "outbound_egress = 203.0.113.10\n"
		 "outbound_routes_file = %s/routes\n"
		 "outbound_domains_file = %s/domains\n"
		 "dns_zone_file = %s/zone\n", dir, dir, dir);
	write_file("authalign.conf", text);
	snprintf(config_path, sizeof(config_path), "%s/authalign.conf", dir);
	stub.config_path = config_path;
	sender_address = (unsigned char *)"user@a.example";
	return 0;
}

static int one_line(const uschar *s)
{
	return s != NULL && strpbrk((const char *)s, "\r\n") == NULL;
}

static int call(int (*fn)(uschar **, int, uschar **), int argc, const char *a0, const char *a1,
		uschar **yield)
{
	uschar *argv[2] = { (uschar *)a0, (uschar *)a1 };
	int rc;

	*yield = NULL;
	rc = fn(yield, argc, argv);
	if ((rc != OK && rc != FAIL && rc != ERROR) || !one_line(*yield))
		__builtin_trap();
	return rc;
}

/* The lookups for one recipient domain; e is the entry the decoded,
 * fresh plan has for it, or NULL. */
static void lookups(const char *domain, const struct aa_plandata_entry *e)
{
	uschar *y;
	int rc;

	rc = call(authalign_return_path, 2, domain, "orig@a.example", &y);
	if (e != NULL && rc == OK &&
	    strcmp((const char *)y, e->step == AA_STEP_REWRITE ? e->arg : "orig@a.example") != 0)
		__builtin_trap();
	rc = call(authalign_dkim, 2, "domain", domain, &y);
	if (e != NULL && rc == OK && *y != '\0' &&
	    (e->step != AA_STEP_SIGN || strcmp((const char *)y, e->arg) != 0))
		__builtin_trap();
	call(authalign_dkim, 2, "selector", domain, &y);
	call(authalign_dkim, 2, "key", domain, &y);
	rc = call(authalign_route, 1, domain, NULL, &y);
	if (e != NULL && rc == OK &&
	    strcmp((const char *)y, e->step == AA_STEP_SMARTHOST ? ROUTE_HOSTS : "") != 0 &&
	    !(e->step == AA_STEP_SMARTHOST && strstr((const char *)y, ROUTE_HOSTS) != NULL))
		__builtin_trap();
	call(authalign_transport, 2, domain, "remote_smtp", &y);
}

/* Decode, find, encode again: the core of what the lookups read. */
static int decode_checked(struct aa_ctx *ctx, const char *text, struct aa_plandata *pd)
{
	struct aa_plandata back;
	const char *again;

	if (aa_plandata_decode(ctx, text, pd) != 0)
		return -1;
	for (size_t i = 0; i < pd->count; i++) {
		const struct aa_plandata_entry *e = aa_plandata_find(pd, pd->entry[i].domain);

		if (e == NULL || strcasecmp(e->domain, pd->entry[i].domain) != 0)
			__builtin_trap();
	}
	again = aa_plandata_encode(ctx, pd);
	/* what we decoded we must write back in a form we read again */
	if (again == NULL || aa_plandata_decode(ctx, again, &back) != 0 || back.count != pd->count)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	static unsigned long seq;
	static char in[4096], msgid[32];
	char *lsd, *domain, *from, *nl;
	struct aa_plandata pd;
	struct aa_plugin *pl;
	const char *err;
	int have_pd;

	if (ctx == NULL && (ctx = aa_ctx_new(NULL, NULL)) == NULL)
		__builtin_trap();
	if (size >= sizeof(in))
		size = sizeof(in) - 1;
	memcpy(in, data, size);
	in[size] = '\0';	/* Exim's strings end at a NUL */
	lsd = in;
	domain = (nl = strchr(lsd, '\n')) != NULL ? (*nl = '\0', nl + 1) : NULL;
	from = domain != NULL && (nl = strchr(domain, '\n')) != NULL ? (*nl = '\0', nl + 1) : NULL;
	if ((nl = from != NULL ? strchr(from, '\n') : NULL) != NULL)
		*nl = '\0';
	if (strlen(lsd) > AA_PLANDATA_MAX)
		lsd[AA_PLANDATA_MAX] = '\0';	/* Exim keeps at most this much */

	have_pd = decode_checked(ctx, lsd, &pd) == 0;
	snprintf(msgid, sizeof(msgid), "1fuzz%lu-000000-AA", ++seq);
	message_id = (uschar *)msgid;
	stub.local_scan_data = lsd;
	stub_set_from(from != NULL ? from : "user@a.example");
	if (domain != NULL && *domain != '\0') {
		const struct aa_plandata_entry *e = have_pd && STUB_NOW - pd.made < 300
						    ? aa_plandata_find(&pd, domain) : NULL;

		lookups(domain, e);
	}
	for (size_t i = 0; have_pd && i < pd.count && i < 4; i++) {
		const char *d = strcmp(pd.entry[i].domain, "*") == 0 ? "other.example"
								     : pd.entry[i].domain;

		lookups(d, STUB_NOW - pd.made < 300 ? aa_plandata_find(&pd, d) : NULL);
	}
	if ((pl = plugin_get(&err)) != NULL)
		plugin_end_message(pl);
	aa_ctx_end_message(ctx);
	stub_store_reset();
	return 0;
}
