/* spf.c - SPF (RFC 7208) through libspf2, asking DNS only through aa_dns.
 *
 * libspf2 evaluates. Its DNS layer is ours: lookup() answers from
 * aa_dns_lookup(), get_spf() fetches, checks (spf_record.c) and
 * compiles each SPF record, and get_exp() builds explanations. Everything
 * one evaluation has done lives in a struct aa_spf_eval that the layer
 * reaches through its hook pointer; nothing is kept between calls except
 * the library handle in ctx->spf.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_record.h>
#include "aa_spf.h"
#include "spf_int.h"

struct aa_spf_lib {
	SPF_server_t *server;
	SPF_dns_server_t *layer;
	char *receiver;			/* %{r}; NULL: "unknown" */
	aa_spf_random_fn *random;	/* NULL: getrandom(2) */
};

/* One evaluation: the guard's state plus the libspf2 request. */
struct spf_eval {
	struct aa_spf_eval g;
	SPF_request_t *req;
};

/* ---- the DNS layer ---- */

static struct spf_eval *layer_eval(SPF_dns_server_t *layer)
{
	return layer->hook;
}

/* aa_dns status to the h_errno libspf2 expects. A name aa_dns will not
 * ask (BADNAME: a control or non-ASCII byte, an empty or over-long label,
 * an over-long name) is taken as absent, HOST_NOT_FOUND; it is not
 * counted as a void lookup. */
static SPF_dns_stat_t herrno_of(enum aa_dns_status s)
{
	switch (s) {
	case AA_DNS_OK: return NETDB_SUCCESS;
	case AA_DNS_NXDOMAIN: return HOST_NOT_FOUND;
	case AA_DNS_NODATA: return NO_DATA;
	case AA_DNS_BADNAME: return HOST_NOT_FOUND;
	case AA_DNS_TEMPFAIL:
	case AA_DNS_MALFORMED: return TRY_AGAIN;
	}
	return TRY_AGAIN;
}

static SPF_dns_rr_t *rr_status(SPF_dns_server_t *layer, const char *domain, ns_type type,
			       SPF_dns_stat_t herrno)
{
	return SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
}

/* Copy our answer into a libspf2 one. any: answer with the client's own
 * address (an a or mx term with a /0 prefix, see any_label). */
static SPF_dns_rr_t *rr_from_answer(SPF_dns_server_t *layer, struct spf_eval *w,
				    const char *domain, ns_type type,
				    const struct aa_dns_answer *a, int any)
{
	SPF_dns_rr_t *rr;
	size_t n = a->count;

	if (a->status != AA_DNS_OK)
		return rr_status(layer, domain, type, herrno_of(a->status));
	rr = rr_status(layer, domain, type, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	if (type == ns_t_ptr && n > AA_SPF_MAX_PTR)
		n = AA_SPF_MAX_PTR;	/* RFC 7208 4.6.4: use the first 10 */
	if (any && (type == ns_t_a || type == ns_t_aaaa))
		n = 1;
	for (size_t i = 0; i < n; i++) {
		const struct aa_dns_rr *src = &a->rr[i];
		const char *text = src->text != NULL ? src->text : "";
		size_t size = type == ns_t_a ? sizeof(struct in_addr)
			    : type == ns_t_aaaa ? sizeof(struct in6_addr)
			    : strlen(text) + 1 + (any ? strlen(w->g.any_label) : 0);

		if (SPF_dns_rr_buf_realloc(rr, (int)i, size) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return rr_status(layer, domain, type, TRY_AGAIN);
		}
		if (type == ns_t_a)
			rr->rr[i]->a = any ? w->g.client.v4 : src->a;
		else if (type == ns_t_aaaa)
			rr->rr[i]->aaaa = any ? w->g.client.v6 : src->aaaa;
		else if (any)	/* MX names of a /0 term keep the label */
			strcat(strcpy(rr->rr[i]->mx, w->g.any_label), text);
		else
			strcpy(rr->rr[i]->txt, text);
		rr->num_rr = (int)i + 1;
	}
	return rr;
}

static enum aa_dns_type our_type(ns_type t)
{
	switch (t) {
	case ns_t_a: return AA_DNS_A;
	case ns_t_aaaa: return AA_DNS_AAAA;
	case ns_t_mx: return AA_DNS_MX;
	case ns_t_ptr: return AA_DNS_PTR;
	case ns_t_txt: return AA_DNS_TXT;
	default: return 0;
	}
}

/* Which lookups start a DNS-querying term (RFC 7208 4.6.4): every MX
 * lookup, a PTR lookup libspf2 caches (the ptr mechanism; the %{p} macro
 * asks uncached), and an A/AAAA lookup that is not one of the names the
 * MX or PTR answer just before it listed. */
static int starts_term(struct aa_spf_eval *g, const char *name, ns_type type, int should_cache)
{
	if (type == ns_t_mx)
		return 1;
	if (type == ns_t_ptr)
		return should_cache;
	return !aa_spf_limits_is_follow(g, name);
}

static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
				  int should_cache)
{
	struct spf_eval *w = layer_eval(layer);
	struct aa_spf_eval *g = &w->g;
	const struct aa_dns_answer *a;
	const char *name = domain != NULL ? domain : "";
	size_t lab = strlen(g->any_label);
	int any = 0, term;

	if (our_type(type) == 0 || g->limit != NULL)
		return rr_status(layer, domain, type, g->limit != NULL ? TRY_AGAIN : NO_DATA);
	term = starts_term(g, name, type, should_cache);
	if (lab > 0 && strncmp(name, g->any_label, lab) == 0) {
		name += lab;
		any = 1;
	}
	name = aa_spf_client_shorten(name);
	if (term && aa_spf_limits_term(g) < 0)
		return rr_status(layer, domain, type, TRY_AGAIN);
	a = aa_dns_lookup(g->ctx->dns, name, our_type(type));
	if (a->status != AA_DNS_BADNAME && aa_spf_limits_answer(g, our_type(type), a) < 0)
		return rr_status(layer, domain, type, TRY_AGAIN);
	if (any && type == ns_t_mx) {
		/* the follow-up names carry the label too */
		for (unsigned i = 0; i < g->follow_n; i++)
			g->follow[i] = aa_arena_printf(g->ctx->arena, "%s%s", g->any_label,
						       g->follow[i]);
	}
	return rr_from_answer(layer, w, domain, type, a, any);
}

static SPF_errcode_t record_fail(SPF_response_t *resp, SPF_result_t result,
				 SPF_errcode_t code, const char *why)
{
	resp->result = result;
	resp->reason = SPF_REASON_FAILURE;
	SPF_response_add_error(resp, code, "%s", why);
	return code;
}

/* RFC 7208 4.5: of the TXT records, exactly one may start "v=spf1". */
static const struct aa_dns_rr *select_record(const struct aa_dns_answer *a, int *count_r)
{
	const struct aa_dns_rr *found = NULL;

	*count_r = 0;
	for (size_t i = 0; i < a->count; i++) {
		const struct aa_dns_rr *rr = &a->rr[i];

		if (rr->text_len >= 6 && strncasecmp(rr->text, "v=spf1", 6) == 0 &&
		    (rr->text_len == 6 || rr->text[6] == ' ')) {
			found = rr;
			(*count_r)++;
		}
	}
	return found;
}

static SPF_errcode_t layer_get_spf(SPF_server_t *server, SPF_request_t *req,
				   SPF_response_t *resp, SPF_record_t **recp)
{
	struct spf_eval *w = layer_eval(server->resolver);
	struct aa_spf_eval *g = &w->g;
	const char *domain = req->cur_dom != NULL ? req->cur_dom : "";
	const struct aa_dns_answer *a;
	const struct aa_dns_rr *rec;
	const char *why;
	char *norm;
	int count;
	unsigned mechs;
	SPF_errcode_t err;

	*recp = NULL;
	aa_spf_limits_follow_reset(g);
	if (g->records++ > 0 && aa_spf_limits_term(g) < 0)	/* include, redirect */
		return record_fail(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_DNS, g->limit);
	a = aa_dns_lookup(g->ctx->dns, aa_spf_client_shorten(domain), AA_DNS_TXT);
	if (aa_dns_is_temp(a->status)) {
		g->dns_temp = 1;
		return record_fail(resp, SPF_RESULT_TEMPERROR, SPF_E_DNS_ERROR,
				   "temporary DNS failure for the SPF record");
	}
	if (a->status != AA_DNS_OK)
		return record_fail(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF, "no SPF record");
	rec = select_record(a, &count);
	if (count == 0)
		return record_fail(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF, "no SPF record");
	if (count > 1)
		return record_fail(resp, SPF_RESULT_PERMERROR, SPF_E_MULTIPLE_RECORDS,
				   "more than one SPF record");
	switch (aa_spf_record_check(g->ctx->arena, rec->text, rec->text_len, g->client.family,
				    g->any_label, &norm, &mechs, &why)) {
	case 0:
		break;
	case -2:
		return record_fail(resp, SPF_RESULT_TEMPERROR, SPF_E_DNS_ERROR, why);
	default:
		return record_fail(resp, SPF_RESULT_PERMERROR, SPF_E_SYNTAX, why);
	}
	err = SPF_record_compile(server, resp, recp, norm);
	if (err == SPF_E_SUCCESS && (*recp)->num_mech != mechs) {
		/* libspf2 stops adding mechanisms past 511 bytes of compiled
		 * data and still says success: never evaluate a cut record */
		SPF_record_free(*recp);
		*recp = NULL;
		return record_fail(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_MECH,
				   "record has more mechanisms than libspf2 can hold");
	}
	if (err != SPF_E_SUCCESS) {
		if (*recp != NULL) {
			SPF_record_free(*recp);
			*recp = NULL;
		}
		return record_fail(resp, err == SPF_E_NO_MEMORY ? SPF_RESULT_TEMPERROR
							     : SPF_RESULT_PERMERROR,
				   err == SPF_E_NO_MEMORY ? SPF_E_DNS_ERROR : SPF_E_SYNTAX,
				   "libspf2 could not compile the record");
	}
	return SPF_E_SUCCESS;
}

/* RFC 7208 6.2: the explanation is the one TXT record at the exp= domain,
 * macro-expanded; anything else (no record, several, a DNS error, bad
 * syntax) means no explanation, and libspf2 then gets an empty one. */
static SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain, char **bufp,
				   size_t *buflenp)
{
	struct spf_eval *w = layer_eval(server->resolver);
	struct aa_spf_eval *g = &w->g;
	const struct aa_dns_answer *a;
	char *text = NULL;
	size_t len;

	g->cur_dom = w->req->cur_dom;
	a = aa_dns_lookup(g->ctx->dns, aa_spf_client_shorten(domain != NULL ? domain : ""),
			  AA_DNS_TXT);
	if (a->status == AA_DNS_OK && a->count == 1 &&
	    aa_spf_macro_explain(g, a->rr[0].text, a->rr[0].text_len, &text) == 0 &&
	    g->exp_n < AA_SPF_EXP_KEEP)
		g->exp_texts[g->exp_n++] = text;
	if (text == NULL)
		text = "";
	len = strlen(text) + 1;
	if (*buflenp < len) {
		char *nb = realloc(*bufp, len);

		if (nb == NULL)
			return SPF_E_NO_MEMORY;
		*bufp = nb;
		*buflenp = len;
	}
	memcpy(*bufp, text, len);
	return SPF_E_SUCCESS;
}

/* ---- the library handle ---- */

static void spf_lib_free(struct aa_spf_lib **libp)
{
	struct aa_spf_lib *lib = *libp;

	if (lib == NULL)
		return;
	if (lib->server != NULL)
		SPF_server_free(lib->server);
	free(lib->layer);
	free(lib->receiver);
	free(lib);
	*libp = NULL;
}

/* aa_ctx_free() runs this: the handle lives as long as the process. */
static void lib_teardown(void *arg)
{
	struct aa_ctx *ctx = arg;

	spf_lib_free(&ctx->spf);
}

static struct aa_spf_lib *lib_get(struct aa_ctx *ctx)
{
	struct aa_spf_lib *lib;

	if (ctx->spf != NULL)
		return ctx->spf;
	lib = calloc(1, sizeof(*lib));
	if (lib == NULL)
		return NULL;
	lib->layer = calloc(1, sizeof(*lib->layer));
	if (lib->layer == NULL) {
		free(lib);
		return NULL;
	}
	lib->layer->destroy = NULL;	/* we free it, not libspf2 */
	lib->layer->lookup = layer_lookup;
	lib->layer->get_spf = layer_get_spf;
	lib->layer->get_exp = layer_get_exp;
	lib->layer->name = "authalign";
	lib->server = SPF_server_new_dns(lib->layer, 0);
	if (lib->server == NULL || aa_ctx_on_free(ctx, lib_teardown, ctx) < 0) {
		spf_lib_free(&lib);
		return NULL;
	}
	ctx->spf = lib;
	return lib;
}

int aa_spf_bind_text_setters(void)
{
	SPF_request_t *req = SPF_request_new(NULL);	/* no server: nothing is checked */

	if (req == NULL)
		return -1;
	(void)SPF_request_set_ipv4_str(req, "192.0.2.1");
	(void)SPF_request_set_ipv6_str(req, "2001:db8::1");
	SPF_request_free(req);
	return 0;
}

int aa_spf_set_random(struct aa_ctx *ctx, aa_spf_random_fn *fn)
{
	struct aa_spf_lib *lib = lib_get(ctx);

	if (lib == NULL)
		return -1;
	lib->random = fn;
	return 0;
}

int aa_spf_set_receiver(struct aa_ctx *ctx, const char *receiver)
{
	struct aa_spf_lib *lib = lib_get(ctx);
	char *copy;

	if (lib == NULL)
		return -1;
	copy = receiver != NULL ? strdup(receiver) : NULL;
	if (receiver != NULL && copy == NULL)
		return -1;
	free(lib->receiver);
	lib->receiver = copy;
	return 0;
}

/* ---- one evaluation ---- */

static void result_init(struct aa_spf_result *r, enum aa_result res, const char *identity,
			const char *domain, const char *sender, const char *reason)
{
	memset(r, 0, sizeof(*r));
	r->result = res;
	r->identity = identity;
	r->domain = domain;
	r->sender = sender;
	r->reason = reason;
}

static int random_bytes(void *buf, size_t n)
{
	return getrandom(buf, n, GRND_NONBLOCK) == (ssize_t)n ? 0 : -1;
}

/* A fresh label for this evaluation; without a random source none (the
 * empty string): a guessable label could be forged by a record or macro,
 * so a /0 term then cannot be evaluated (spf_record.c: temperror). */
static void any_label_make(const struct aa_spf_lib *lib, struct aa_spf_eval *g)
{
	unsigned char rnd[8] = { 0 };
	int n = 0;

	if ((lib->random != NULL ? lib->random : random_bytes)(rnd, sizeof(rnd)) < 0) {
		g->any_label[0] = '\0';
		return;
	}
	n = snprintf(g->any_label, sizeof(g->any_label), "_aa");
	for (size_t i = 0; i < sizeof(rnd); i++)
		n += snprintf(g->any_label + n, sizeof(g->any_label) - (size_t)n, "%02x", rnd[i]);
	snprintf(g->any_label + n, sizeof(g->any_label) - (size_t)n, ".");
}

static enum aa_result map_result(const struct aa_spf_eval *g, SPF_response_t *resp,
				 SPF_errcode_t err, const char **reason_r)
{
	if (g->limit != NULL) {
		*reason_r = g->limit;
		return AA_PERMERROR;
	}
	if (resp == NULL || err == SPF_E_NO_MEMORY) {
		*reason_r = "libspf2 failed";
		return AA_TEMPERROR;
	}
	switch (SPF_response_result(resp)) {
	case SPF_RESULT_PASS: return AA_PASS;
	case SPF_RESULT_FAIL: return AA_FAIL;
	case SPF_RESULT_SOFTFAIL: return AA_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return AA_NEUTRAL;
	case SPF_RESULT_NONE: return AA_NONE;
	case SPF_RESULT_PERMERROR: return AA_PERMERROR;
	case SPF_RESULT_TEMPERROR: return AA_TEMPERROR;
	case SPF_RESULT_INVALID:
		*reason_r = "libspf2 gave no result";
		return g->dns_temp ? AA_TEMPERROR : AA_PERMERROR;
	}
	*reason_r = "unknown libspf2 result";
	return AA_TEMPERROR;
}

static const char *reason_of(struct aa_ctx *ctx, SPF_response_t *resp, enum aa_result res)
{
	SPF_reason_t why = SPF_response_reason(resp);

	if (res == AA_TEMPERROR || res == AA_PERMERROR || res == AA_NONE) {
		if (SPF_response_messages(resp) > 0) {
			const char *m = SPF_error_message(SPF_response_message(resp, 0));

			if (m != NULL)
				return aa_arena_strdup(ctx->arena, m);
		}
		return res == AA_NONE ? "no SPF record" : SPF_strerror(SPF_response_errcode(resp));
	}
	if (why == SPF_REASON_DEFAULT)
		return "no mechanism matched";
	return "a mechanism matched";
}

/* The explanation libspf2 settled on, if it is one get_exp() built. */
static const char *explanation_of(const struct aa_spf_eval *g, SPF_response_t *resp)
{
	const char *exp = SPF_response_get_explanation(resp);

	for (unsigned i = 0; exp != NULL && i < g->exp_n; i++) {
		if (strcmp(exp, g->exp_texts[i]) == 0)
			return g->exp_texts[i];
	}
	return NULL;
}

static int request_setup(SPF_request_t *req, const struct aa_spf_eval *g)
{
	if (g->client.family == AF_INET) {
		if (SPF_request_set_ipv4(req, g->client.v4) != SPF_E_SUCCESS)
			return -1;
	} else if (SPF_request_set_ipv6(req, g->client.v6) != SPF_E_SUCCESS) {
		return -1;
	}
	if (SPF_request_set_helo_dom(req, g->helo) != SPF_E_SUCCESS)
		return -1;
	return SPF_request_set_env_from(req, g->sender) == 0 ? 0 : -1;
}

static void evaluate(struct aa_ctx *ctx, struct aa_spf_lib *lib,
		     const struct aa_spf_client *client, const char *helo,
		     const char *domain, struct aa_spf_result *r)
{
	struct spf_eval *w;
	SPF_response_t *resp = NULL;
	SPF_errcode_t err;
	const char *reason = NULL;

	if (client->loopback) {
		r->result = AA_NONE;
		r->reason = "loopback client not evaluated";
		return;
	}
	if (!aa_spf_client_domain(domain)) {
		r->result = AA_NONE;
		r->reason = "no valid domain to check";
		return;
	}
	w = aa_arena_alloc(ctx->arena, sizeof(*w));
	if (w == NULL) {
		r->reason = "out of memory";
		return;
	}
	memset(w, 0, sizeof(*w));
	w->g.ctx = ctx;
	w->g.client = *client;
	w->g.sender = r->sender;
	w->g.helo = helo;
	w->g.receiver = lib->receiver;
	w->g.cur_dom = domain;
	any_label_make(lib, &w->g);
	w->req = SPF_request_new(lib->server);
	if (w->req == NULL || request_setup(w->req, &w->g) < 0) {
		if (w->req != NULL)
			SPF_request_free(w->req);
		r->reason = "libspf2 request failed";
		return;
	}
	lib->layer->hook = w;
	err = SPF_request_query_mailfrom(w->req, &resp);
	lib->layer->hook = NULL;
	r->result = map_result(&w->g, resp, err, &reason);
	r->reason = reason != NULL ? reason : reason_of(ctx, resp, r->result);
	if (r->result == AA_FAIL)
		r->explanation = explanation_of(&w->g, resp);
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(w->req);
}

/* sender for an identity: "postmaster@domain" when there is no local part */
static const char *sender_of(struct aa_ctx *ctx, const char *addr, const char **domain_r)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		*domain_r = addr;
		return aa_arena_printf(ctx->arena, "postmaster@%s", addr);
	}
	*domain_r = at + 1;
	if (at == addr)
		return aa_arena_printf(ctx->arena, "postmaster%s", addr);
	return addr;
}

int aa_spf_check(struct aa_ctx *ctx, const char *ip, const char *helo,
		 const char *mail_from, struct aa_spf_result *mailfrom_r,
		 struct aa_spf_result *helo_r)
{
	struct aa_spf_client client;
	struct aa_spf_lib *lib;
	struct aa_spf_result unasked;
	const char *hdom = "", *mdom = "", *hsender, *msender;

	if (helo == NULL)
		helo = "";
	if (mail_from == NULL)
		mail_from = "";
	if (helo_r == NULL)
		helo_r = &unasked;	/* filled, never evaluated unless it counts */
	hsender = sender_of(ctx, helo, &hdom);
	msender = mail_from[0] != '\0' ? sender_of(ctx, mail_from, &mdom) : hsender;
	result_init(helo_r, AA_TEMPERROR, "helo", hdom, hsender, "not evaluated");
	result_init(mailfrom_r, AA_TEMPERROR, "mailfrom", mdom, msender, "not evaluated");
	if (hsender == NULL || msender == NULL) {
		helo_r->reason = mailfrom_r->reason = "out of memory";
		return -1;
	}
	if (aa_spf_client_check(ip, &client) < 0) {
		helo_r->reason = mailfrom_r->reason = "client address is not an IP address";
		return -1;
	}
	lib = lib_get(ctx);
	if (lib == NULL) {
		helo_r->reason = mailfrom_r->reason = "libspf2 could not start";
		return -1;
	}
	if (helo_r != &unasked || mail_from[0] == '\0')
		evaluate(ctx, lib, &client, helo, hdom, helo_r);
	if (mail_from[0] == '\0') {
		*mailfrom_r = *helo_r;	/* RFC 7208 2.4: the null sender */
		return 0;
	}
	evaluate(ctx, lib, &client, helo, mdom, mailfrom_r);
	return 0;
}

/* ---- Received-SPF (RFC 7208 9.1) ---- */

const char *aa_spf_received_spf(struct aa_ctx *ctx, const struct aa_spf_result *r,
				const char *ip, const char *helo, const char *receiver)
{
	const char *rcv = aa_escz(ctx, receiver != NULL ? receiver : "unknown");
	const char *problem = "", *mech = "";

	if (r->result == AA_PERMERROR || r->result == AA_TEMPERROR)
		problem = aa_arena_printf(ctx->arena, " problem=\"%s\";", aa_escz(ctx, r->reason));
	if (r->mechanism != NULL)
		mech = aa_arena_printf(ctx->arena, " mechanism=\"%s\";", aa_escz(ctx, r->mechanism));
	if (problem == NULL || mech == NULL)
		return NULL;
	return aa_arena_printf(ctx->arena,
			       "%s (%s: %s) client-ip=\"%s\"; envelope-from=\"%s\"; helo=\"%s\";"
			       " receiver=\"%s\"; identity=%s;%s%s",
			       aa_result_name(r->result), rcv, aa_escz(ctx, r->reason),
			       aa_escz(ctx, ip), aa_escz(ctx, r->sender), aa_escz(ctx, helo), rcv,
			       r->identity != NULL && strcmp(r->identity, "helo") == 0 ? "helo"
										: "mailfrom",
			       mech, problem);
}
