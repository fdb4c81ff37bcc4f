/* rehearse.c - judge one built-in message before the Exim daemon forks.
 *
 * What a library builds on its first use in a process (OpenSSL's error
 * strings, the DKIM library's handle, libspf2's and the resolver
 * library's symbol bindings, the public suffix list) costs each forked
 * Exim child milliseconds when the child is the first to use it. The
 * daemon judges this message once, against a fixed zone of its own (no
 * network), so every child starts with that work done. The message is
 * signed twice (RSA and Ed25519) by keys made for it alone (and judged
 * again from its RSA signature on, which authalign checks without
 * libopendkim), dated
 * 2000-01-01 (t=946684800) so that no plausible clock makes them "from
 * the future"; its data never reaches a real message, header or log
 * line.
 */
#include <string.h>
#include "aa_from.h"
#include "aa_judge.h"

#define CLIENT_IP "192.0.2.1"
#define HELO "mail.rehearsal.invalid"
#define MAIL_FROM "postmaster@rehearsal.invalid"

static const char *const zone[] = {
	/* ip4 matches first; the rest is only compiled, so that libspf2
	 * binds here what its compiler calls for CIDR lengths, macros and
	 * each mechanism, not in every child */
	"rehearsal.invalid TXT v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a:mail.%{d}/24//64 mx/24 "
	"include:_spf.%{d} exists:%{ir}.%{v}._spf.%{d2} ptr:%{d} -all exp=exp.%{d}",
	"_spf.rehearsal.invalid TXT v=spf1 -all",
	/* the evaluator's other paths (walk_spf()): an include that does not
	 * match and an a: with a macro that does, a fail with an explanation,
	 * and a domain without a record */
	"walk.rehearsal.invalid TXT v=spf1 include:_spf.%{d2} a:mail.%{d2} -all",
	"fail.rehearsal.invalid TXT v=spf1 -all exp=exp.%{d2}",
	"exp.rehearsal.invalid TXT %{i} is not one of %{d}'s senders",
	"mail.rehearsal.invalid A 192.0.2.1",
	"mail.rehearsal.invalid TXT v=spf1 a -all",
	"_dmarc.rehearsal.invalid TXT v=DMARC1; p=reject; adkim=s; aspf=r",
	"rsa._domainkey.rehearsal.invalid TXT \"v=DKIM1; k=rsa; p="
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApaUFYJhsMSNcANYQzMAQ/+/JXckz0W0RJY+vwwqvTHv5Oz3jZF2g"
	"LrEjeJq0WDv+IKW+BBMyBFTRUcI4cLTuE2it4/zkbPaN0H+McRKyAJsOmqNhve+ldvyUKsM1fyOSYSqt5BXYBtA7TnZTs6r"
	"V+p1vFoYT\" \"IJ8BaqtpCbw3LMTU0A55OLO8IR1ec1OuJCvQFyeNZ4AZw+tRUfz8tI4VM9LJUvQ0T7TV54ReSMMKDLSjwK9"
	"NWwQgtmCpAJYPLWsXsdj4B4qAyCuoKs6x8t+KHEPpUqZvnSNsupFk7is634kWKZBXnqR0eTyyP/Bjhrz/YamwlFvg1Cx+rj"
	"X+TRAZQQIDAQAB\"",
	"ed._domainkey.rehearsal.invalid TXT v=DKIM1; k=ed25519; p=pn4pA1OTSZ1ektejjWMLz/4sSWpUhayzyHL6AwrPqQQ=",
};

static const char message[] =
	"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	" d=rehearsal.invalid; i=@rehearsal.invalid; q=dns/txt; s=ed;\r\n"
	" t=946684800; h=from : to : subject : date : message-id;\r\n"
	" bh=DyKOtF2g3aNP8/Reya8Cgd1pnMIWKmYSOjQMiNV9M1A=;\r\n"
	" b=VR2d2IlUHJGSdaWeCVg8+ZFw4uG+WgS03pmfjS2HP0AVY2i7UGyvunyh28phpliMldg+I\r\n"
	" O8TCgxuOKa2b152CQ==\r\n"
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	" d=rehearsal.invalid; i=@rehearsal.invalid; q=dns/txt; s=rsa;\r\n"
	" t=946684800; h=from : to : subject : date : message-id;\r\n"
	" bh=DyKOtF2g3aNP8/Reya8Cgd1pnMIWKmYSOjQMiNV9M1A=;\r\n"
	" b=DB+QkHtju2agPm5bQAWF/esAaG+NBhLI00vxAGnN7jHUjTqSYt714HmbUBlI0gnByySC+\r\n"
	" OOJ4c+rDWUQ8KhPSH2DGQzL+SfM9OoopWKxgAIwn0BSMRyPKiffrxysnvJgIbHzour0WOgT\r\n"
	" uZhKsAkrW4BAJeoaNUyHb1rwxlrUt1UKbW0Y7uPJCOveXCmQ8WCdioWtxIV2g3c1ZUHUGO2\r\n"
	" zlUCEa9H935LStcXNP+Ex3MBd7gv13h96fU6cBk9w0uFWjhZc1iVtb0HfxLam+eu2VYjpEp\r\n"
	" jze9+c2Vl7NvsACjZqUL0nFb8WkyRMWr6621vBTHLBnoDyJfY5cj1HEffXUQ==\r\n"
	"From: Rehearsal <postmaster@rehearsal.invalid>\r\n"
	"To: <postmaster@rehearsal.invalid>\r\n"
	"Subject: authalign rehearsal\r\n"
	"Date: Mon, 7 Dec 2026 00:00:00 +0000\r\n"
	"Message-ID: <rehearsal@rehearsal.invalid>\r\n"
	"\r\n"
	"A message the daemon judges once before it forks.\r\n";

/* SPF's paths the message's own check does not take, each with the result
 * it must give: libspf2 then looks up here, not in every child, what its
 * evaluator calls for them. */
static int walk_spf(struct aa_ctx *ctx)
{
	static const struct {
		const char *sender;
		enum aa_result result;
	} walk[] = {
		{ "postmaster@walk.rehearsal.invalid", AA_PASS },
		{ "postmaster@fail.rehearsal.invalid", AA_FAIL },
		{ "postmaster@none.rehearsal.invalid", AA_NONE },
	};
	struct aa_spf_result r;

	for (size_t i = 0; i < sizeof(walk) / sizeof(walk[0]); i++)
		if (aa_spf_check(ctx, CLIENT_IP, HELO, walk[i].sender, &r, NULL) < 0 || r.result != walk[i].result)
			return -1;
	return 0;
}

/* All n signatures verified. */
static int signatures_pass(const struct aa_dkim_result *d, size_t n)
{
	size_t passed = 0;

	for (size_t i = 0; i < d->count; i++)
		passed += d->sigs[i].result == AA_PASS;
	return d->count == n && passed == n;
}

/* The message from its RSA signature on: that one signature, plainly
 * written, is checked without libopendkim (core/dkim/dkim_own.c), so
 * that path is warm in every child too; the whole message took the
 * library's (its Ed25519 signature is the library's). */
static int rsa_alone_passes(struct aa_ctx *ctx)
{
	const char *rsa = strstr(message + 1, "DKIM-Signature:");
	struct aa_dkim_result d;

	return rsa != NULL &&
	       aa_dkim_verify_message(ctx, rsa, sizeof(message) - 1 - (size_t)(rsa - message), &d) == 0 &&
	       signatures_pass(&d, 1);
}

int aa_judge_rehearse(const struct aa_config *cfg, const char *psl_file, const char **why_r)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(why_r);
	struct aa_spf_result mailfrom, helo;
	struct aa_dkim_result dkim;
	struct aa_from from;
	struct aa_judge_result jr;
	struct aa_judge_input in = {
		.authserv_id = "rehearsal.invalid", .cfg = cfg,
		.spf_mailfrom = &mailfrom, .spf_helo = &helo, .dkim = &dkim, .from = &from,
	};
	int rc = -1;

	if (ctx == NULL)
		return -1;
	ctx->psl_file = psl_file;
	*why_r = "the built-in zone cannot be loaded";
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (aa_dns_zone_add_line(ctx->dns, zone[i]) < 0)
			goto out;
	*why_r = "the built-in resolver answer cannot be read";
	if (aa_dns_rehearse_wire(ctx->dns) < 0)
		goto out;
	*why_r = "the built-in message got another verdict than pass";
	if (walk_spf(ctx) < 0 ||
	    aa_spf_check(ctx, CLIENT_IP, HELO, MAIL_FROM, &mailfrom, &helo) < 0 ||
	    aa_dkim_verify_message(ctx, message, sizeof(message) - 1, &dkim) < 0 ||
	    aa_from_read_message(ctx, message, sizeof(message) - 1, &from) < 0 ||
	    aa_judge(ctx, &in, &jr) < 0)
		goto out;
	if (mailfrom.result == AA_PASS && helo.result == AA_PASS && signatures_pass(&dkim, 2) &&
	    jr.dmarc.result == AA_PASS && jr.action == AA_ACTION_ACCEPT && jr.authres != NULL &&
	    rsa_alone_passes(ctx))
		rc = 0;
out:
	aa_ctx_free(&ctx);
	return rc;
}
