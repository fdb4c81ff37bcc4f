/* check_dns_shared.c - answers shared by the processes of one daemon
 * (dns_shared.c), and the negative TTL of a response (dns_wire.c). */
#define _GNU_SOURCE
#include <arpa/nameser.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "aa_arena.h"
#include "aa_test.h"
#include "../../core/dns/dns_int.h"

static uint64_t clock_now;

static uint64_t fixed_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

/* a resolver handle (never asks: the tests call the table directly) */
static struct aa_dns *handle(void)
{
	struct aa_dns *dns = aa_dns_new(NULL, NULL);

	ck_assert_ptr_nonnull(dns);
	aa_dns_set_clock(dns, fixed_clock, NULL);
	return dns;
}

static struct aa_dns_rr rr_one;

static struct aa_dns_answer txt(unsigned ttl, char *text)
{
	rr_one = (struct aa_dns_rr){ .type = AA_DNS_TXT, .ttl = ttl, .text = text, .text_len = strlen(text),
				     .chunks = 1 };
	return (struct aa_dns_answer){ .status = AA_DNS_OK, .type = AA_DNS_TXT, .count = 1, .rr = &rr_one };
}

static struct aa_dns_answer negative(enum aa_dns_status status, unsigned negative_ttl)
{
	return (struct aa_dns_answer){ .status = status, .type = AA_DNS_TXT, .negative_ttl = negative_ttl };
}

static void setup(void)
{
	clock_now = 1000000;
	aa_dns_shared_stop();
	ck_assert_int_eq(aa_dns_shared_start(), 0);
	ck_assert(aa_dns_shared_active());
}

static void teardown(void)
{
	aa_dns_shared_stop();
}

/* What one process writes, a process forked after the table was made
 * reads, for what is left of the TTL and no longer. */
START_TEST(dns_shared_answer_serves_another_process_for_the_ttl_left)
{
	struct aa_dns *dns = handle();
	char text[] = "v=DMARC1; p=reject";
	struct aa_dns_answer a = txt(60, text), got;
	pid_t pid;
	int st;

	aa_dns_shared_add(dns, "_dmarc.a.example", AA_DNS_TXT, &a);
	text[0] = 'X';	/* a copy is shared, not the caller's text */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct aa_dns *other = handle();
		struct aa_dns_answer in;
		int ok;

		clock_now += 20000;
		ok = aa_dns_shared_find(other, "_dmarc.a.example", AA_DNS_TXT, &in) == 0 && in.status == AA_DNS_OK &&
		     in.count == 1 && in.rr[0].text_len == 18 && strcmp(in.rr[0].text, "v=DMARC1; p=reject") == 0 &&
		     in.rr[0].ttl == 40 && in.rr[0].chunks == 1;
		/* and what the child writes, the parent reads */
		char child_text[] = "from the child";

		in = txt(30, child_text);
		aa_dns_shared_add(other, "child.example", AA_DNS_TXT, &in);
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the forked process did not read the answer");
	ck_assert_int_eq(aa_dns_shared_find(dns, "child.example", AA_DNS_TXT, &got), 0);
	ck_assert_str_eq(got.rr[0].text, "from the child");
	/* another type, another name: nothing */
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.a.example", AA_DNS_A, &got), -1);
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.b.example", AA_DNS_TXT, &got), -1);
	clock_now += 59000;
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.a.example", AA_DNS_TXT, &got), 0);
	ck_assert_uint_eq(got.rr[0].ttl, 1);
	clock_now += 500;	/* less than a whole second left: as good as gone */
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.a.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&dns);
}
END_TEST

/* NXDOMAIN and NODATA are shared for their negative TTL, at most 60 s;
 * one without an SOA, a failure, an unreadable answer or a TTL under 2 s
 * is not; no positive TTL runs past 300 seconds. */
START_TEST(dns_shared_negative_answers_last_their_negative_ttl_and_failures_are_never_shared)
{
	struct aa_dns *dns = handle();
	struct aa_dns_answer a, got;
	char text[] = "x";

	a = negative(AA_DNS_NXDOMAIN, 30);
	aa_dns_shared_add(dns, "_dmarc.example", AA_DNS_TXT, &a);
	a = negative(AA_DNS_NXDOMAIN, 3600);	/* a forged one would reach every connection: 60 s at most */
	aa_dns_shared_add(dns, "long-negative.example", AA_DNS_TXT, &a);
	a = negative(AA_DNS_NODATA, 10);
	aa_dns_shared_add(dns, "nodata.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.example", AA_DNS_TXT, &got), 0);
	ck_assert_int_eq(got.status, AA_DNS_NXDOMAIN);
	ck_assert_uint_eq(got.count, 0);
	ck_assert_uint_eq(got.negative_ttl, 30);
	ck_assert_int_eq(aa_dns_shared_find(dns, "nodata.example", AA_DNS_TXT, &got), 0);
	ck_assert_int_eq(got.status, AA_DNS_NODATA);
	ck_assert_int_eq(aa_dns_shared_find(dns, "long-negative.example", AA_DNS_TXT, &got), 0);
	ck_assert_uint_eq(got.negative_ttl, 60);
	clock_now += 10000;
	ck_assert_int_eq(aa_dns_shared_find(dns, "nodata.example", AA_DNS_TXT, &got), -1);
	ck_assert_int_eq(aa_dns_shared_find(dns, "_dmarc.example", AA_DNS_TXT, &got), 0);

	a = negative(AA_DNS_NXDOMAIN, 0);	/* no SOA in the answer */
	aa_dns_shared_add(dns, "nosoa.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "nosoa.example", AA_DNS_TXT, &got), -1);
	for (enum aa_dns_status s = AA_DNS_TEMPFAIL; s <= AA_DNS_BADNAME; s++) {
		a = negative(s, 60);
		aa_dns_shared_add(dns, "fail.example", AA_DNS_TXT, &a);
		ck_assert_int_eq(aa_dns_shared_find(dns, "fail.example", AA_DNS_TXT, &got), -1);
	}
	a = txt(1, text);
	aa_dns_shared_add(dns, "short.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "short.example", AA_DNS_TXT, &got), -1);
	a = txt(86400, text);
	aa_dns_shared_add(dns, "long.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "long.example", AA_DNS_TXT, &got), 0);
	ck_assert_uint_eq(got.rr[0].ttl, AA_DNS_KEEP_TTL_MAX);
	clock_now += (uint64_t)AA_DNS_KEEP_TTL_MAX * 1000;
	ck_assert_int_eq(aa_dns_shared_find(dns, "long.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&dns);
}
END_TEST

/* Records of every kind come back as they went in; an answer too big for
 * a slot is not shared. */
START_TEST(dns_shared_keeps_every_record_field_and_refuses_what_does_not_fit)
{
	struct aa_dns *dns = handle();
	char t1[] = "mx1.example", t2[] = "mx2.example", t3[] = "m\0x";
	struct aa_dns_rr rr[3] = {
		{ .type = AA_DNS_MX, .ttl = 100, .pref = 7, .text = t1, .text_len = 11 },
		{ .type = AA_DNS_MX, .ttl = 50, .pref = 9, .text = t2, .text_len = 11 },
		{ .type = AA_DNS_MX, .ttl = 80, .pref = 1, .text = t3, .text_len = 3 },
	};
	struct aa_dns_answer a = { .status = AA_DNS_OK, .type = AA_DNS_MX, .count = 3, .rr = rr }, got;
	struct aa_dns_rr addr = { .type = AA_DNS_AAAA, .ttl = 60 };
	char *big = malloc(5000);

	aa_dns_shared_add(dns, "a.example", AA_DNS_MX, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_MX, &got), 0);
	ck_assert_uint_eq(got.count, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(got.rr[i].type, AA_DNS_MX);
		ck_assert_uint_eq(got.rr[i].pref, rr[i].pref);
		ck_assert_uint_eq(got.rr[i].text_len, rr[i].text_len);
		ck_assert_mem_eq(got.rr[i].text, rr[i].text, rr[i].text_len);
		ck_assert_uint_eq(got.rr[i].ttl, 50);	/* the answer's lowest */
	}
	memset(&addr.aaaa, 0xab, sizeof(addr.aaaa));
	a = (struct aa_dns_answer){ .status = AA_DNS_OK, .type = AA_DNS_AAAA, .count = 1, .rr = &addr };
	aa_dns_shared_add(dns, "a.example", AA_DNS_AAAA, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_AAAA, &got), 0);
	ck_assert_mem_eq(&got.rr[0].aaaa, &addr.aaaa, sizeof(addr.aaaa));
	ck_assert_ptr_null(got.rr[0].text);
	addr = (struct aa_dns_rr){ .type = AA_DNS_A, .ttl = 60 };
	memset(&addr.a, 0xc0, sizeof(addr.a));
	a = (struct aa_dns_answer){ .status = AA_DNS_OK, .type = AA_DNS_A, .count = 1, .rr = &addr };
	aa_dns_shared_add(dns, "a.example", AA_DNS_A, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_A, &got), 0);
	ck_assert_mem_eq(&got.rr[0].a, &addr.a, sizeof(addr.a));
	a = txt(60, t1);
	rr_one.chunks = 3;
	aa_dns_shared_add(dns, "chunks.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "chunks.example", AA_DNS_TXT, &got), 0);
	ck_assert_uint_eq(got.rr[0].chunks, 3);

	ck_assert_ptr_nonnull(big);
	memset(big, 'k', 4999);
	big[4999] = '\0';
	a = txt(60, big);
	aa_dns_shared_add(dns, "big.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "big.example", AA_DNS_TXT, &got), -1);
	free(big);
	aa_dns_free(&dns);
}
END_TEST

/* The slot in the table that holds name (tests that damage it). */
static unsigned char *slot_holding(const char *name)
{
	size_t size;
	unsigned char *mem = aa_dns_shared_memory(&size), *slot = NULL;

	ck_assert_ptr_nonnull(mem);
	for (size_t off = 0; off < size; off += 4096)
		if (memmem(mem + off, 4096, name, strlen(name)) != NULL)
			slot = mem + off;
	ck_assert_ptr_nonnull(slot);
	return slot;
}

/* Wait for the n forked test processes: how many did not exit 0. */
static int failed_children(const pid_t *pids, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		int st;

		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	return bad;
}

/* Any byte of a slot changed (by a dying writer, a stray pointer, a
 * racing one) gives the answer that was written or none: never another
 * one, never a crash. Then the whole table as garbage: misses only. */
START_TEST(dns_shared_damaged_slot_is_a_miss_never_another_answer)
{
	struct aa_dns *dns = handle();
	char text[] = "v=spf1 ip4:192.0.2.0/24 -all";
	struct aa_dns_answer a = txt(60, text), got;
	unsigned char *mem, *slot = NULL;
	size_t size, hits = 0, misses = 0;

	aa_dns_shared_add(dns, "a.example", AA_DNS_TXT, &a);
	slot = slot_holding("a.example");
	mem = aa_dns_shared_memory(&size);
	for (size_t i = 0; i < 4096; i++) {
		static const unsigned char flips[] = { 0x01, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			slot[i] ^= flips[f];
			if (aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got) == 0) {
				ck_assert_uint_eq(got.count, 1);
				ck_assert_str_eq(got.rr[0].text, text);
				hits++;
			} else {
				misses++;
			}
			slot[i] ^= flips[f];
		}
	}
	ck_assert_uint_gt(misses, 100);	/* the damage was seen */
	ck_assert_uint_gt(hits, 0);
	slot[4095] ^= 0xff;	/* past the records: not part of the answer */
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got), 0);
	slot[4095] ^= 0xff;
	srandom(11);
	for (size_t i = 0; i < size; i++)
		mem[i] = (unsigned char)random();
	for (int i = 0; i < 2000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%d.example", i);
		ck_assert_int_eq(aa_dns_shared_find(dns, name, AA_DNS_TXT, &got), -1);
	}
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&dns);
}
END_TEST

/* A slot a writer claimed and never published (it died) is a miss; after
 * two seconds the next writer takes it over. */
START_TEST(dns_shared_slot_of_a_writer_that_died_is_taken_over)
{
	struct aa_dns *dns = handle();
	char text[] = "v=spf1 -all";
	struct aa_dns_answer a = txt(60, text), got;
	unsigned char *slot;
	uint32_t seq, claimed;

	aa_dns_shared_add(dns, "a.example", AA_DNS_TXT, &a);
	slot = slot_holding("a.example");
	memcpy(&seq, slot, sizeof(seq));
	ck_assert_uint_eq(seq & 1, 0);
	seq++;	/* claimed by a writer that is gone */
	memcpy(slot, &seq, sizeof(seq));
	claimed = (uint32_t)clock_now;
	memcpy(slot + 4, &claimed, sizeof(claimed));
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got), -1);
	clock_now += 1000;
	aa_dns_shared_add(dns, "a.example", AA_DNS_TXT, &a);	/* still claimed */
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got), -1);
	clock_now += 1500;
	aa_dns_shared_add(dns, "a.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_shared_find(dns, "a.example", AA_DNS_TXT, &got), 0);
	ck_assert_str_eq(got.rr[0].text, text);
	aa_dns_free(&dns);
}
END_TEST

/* Processes writing one name with different answers while others read
 * it: every answer read is whole, one writer's, never a mix. */
#define RACERS 4
#define RACE_ROUNDS 20000
START_TEST(dns_shared_racing_writers_never_publish_a_mixed_answer)
{
	pid_t pids[RACERS];

	for (int w = 0; w < RACERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0) {
			struct aa_dns *dns = handle();
			char mine[600];
			int hits = 0;

			/* each writer's text: its digit, at a length of its own */
			memset(mine, '0' + w, sizeof(mine));
			mine[100 + 150 * w] = '\0';
			for (int i = 0; i < RACE_ROUNDS; i++) {
				struct aa_dns_answer a = txt(60, mine), got;

				aa_dns_shared_add(dns, "race.example", AA_DNS_TXT, &a);
				if (aa_dns_shared_find(dns, "race.example", AA_DNS_TXT, &got) == 0) {
					int d = got.rr[0].text[0] - '0';

					hits++;
					if (d < 0 || d >= RACERS || got.rr[0].text_len != (size_t)(100 + 150 * d) ||
					    strspn(got.rr[0].text, (char[]){ (char)('0' + d), 0 }) != got.rr[0].text_len)
						_exit(1);
				}
				aa_arena_reset(dns->arena);
			}
			_exit(hits > 0 ? 0 : 2);
		}
	}
	/* each read whole (1: a mixed one) and found at least once (2: never) */
	ck_assert_int_eq(failed_children(pids, RACERS), 0);
}
END_TEST

/* A writer that holds a slot past SHARED_STALE_MS (stalled, or racing the
 * store of its claim time) is taken over while it still writes. Names
 * that share a slot, each writer's clock jumping 3 s back and forth (so
 * every claim it meets looks stale): a reader never gets one name's
 * records for another. (From the attacker review of e375422.) */
START_TEST(dns_shared_slot_taken_over_never_serves_another_names_records)
{
	char names[RACERS][64];
	pid_t pids[RACERS];
	int found = 0;
	size_t first = 0;

	for (int n = 0; found < RACERS && n < 1000000; n++) {
		char name[64];

		snprintf(name, sizeof(name), "_dmarc.d%d.example", n);
		if (found == 0)
			first = aa_dns_shared_slot(name, AA_DNS_TXT);
		if (aa_dns_shared_slot(name, AA_DNS_TXT) == first)
			snprintf(names[found++], sizeof(names[0]), "%s", name);
	}
	ck_assert_int_eq(found, RACERS);
	for (int w = 0; w < RACERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0) {
			struct aa_dns *dns = handle();
			uint64_t base = clock_now;
			char mine[100];
			int wrong = 0;

			snprintf(mine, sizeof(mine), "owner=%s", names[w]);
			for (int i = 0; i < RACE_ROUNDS * 4; i++) {
				struct aa_dns_answer a = txt(60, mine), got;
				const char *ask = names[(w + i) % RACERS];
				char want[100];

				clock_now = base + (uint64_t)(i & 1) * 3000;
				aa_dns_shared_add(dns, names[w], AA_DNS_TXT, &a);
				clock_now = base + 1500;
				snprintf(want, sizeof(want), "owner=%s", ask);
				if (aa_dns_shared_find(dns, ask, AA_DNS_TXT, &got) == 0 &&
				    (got.count != 1 || got.rr[0].text == NULL || strcmp(got.rr[0].text, want) != 0))
					wrong++;
				aa_arena_reset(dns->arena);
			}
			_exit(wrong > 0);
		}
	}
	ck_assert_int_eq(failed_children(pids, RACERS), 0);
}
END_TEST

/* ---- the negative TTL of a response (RFC 2308 5) ---- */

/* A response to "x.example TXT" with rcode and, when soa_ttl is not 0,
 * an SOA in the authority section. */
static size_t response(unsigned char *p, int rcode, unsigned soa_ttl, unsigned minimum, int cut)
{
	static const unsigned char head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 1, 0, 0,
		1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 16, 0, 1,
	};
	size_t n = sizeof(head);

	memcpy(p, head, n);
	p[3] = (unsigned char)(0x80 | rcode);
	if (soa_ttl == 0) {
		p[9] = 0;
		return n;
	}
	/* example. SOA ns.example. host.example. 1 2 3 4 minimum */
	static const unsigned char soa_head[] = { 0xc0, 14, 0, 6, 0, 1 };
	memcpy(p + n, soa_head, sizeof(soa_head));
	n += sizeof(soa_head);
	p[n++] = (unsigned char)(soa_ttl >> 24);
	p[n++] = (unsigned char)(soa_ttl >> 16);
	p[n++] = (unsigned char)(soa_ttl >> 8);
	p[n++] = (unsigned char)soa_ttl;
	p[n++] = 0;
	p[n++] = (unsigned char)(2 + 2 + 5 * 4 - cut);	/* rdlength */
	p[n++] = 0xc0;
	p[n++] = 14;	/* mname: example. */
	p[n++] = 0xc0;
	p[n++] = 14;	/* rname: example. */
	for (unsigned v = 1; v <= 4; v++) {
		memset(p + n, 0, 4);
		p[n + 3] = (unsigned char)v;
		n += 4;
	}
	p[n++] = (unsigned char)(minimum >> 24);
	p[n++] = (unsigned char)(minimum >> 16);
	p[n++] = (unsigned char)(minimum >> 8);
	p[n++] = (unsigned char)minimum;
	return n - (size_t)cut;
}

START_TEST(dns_negative_ttl_is_the_lower_of_the_soa_ttl_and_minimum)
{
	unsigned char p[256];

	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_nxdomain, 60, 30, 0)), 30);
	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_nxdomain, 10, 600, 0)), 10);
	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_noerror, 3600, 300, 0)), 300);
	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_nxdomain, 0, 0, 0)), 0);	/* no SOA */
	/* an SOA whose rdata stops short, or a packet cut: nothing */
	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_nxdomain, 60, 30, 1)), 0);
	ck_assert_uint_eq(aa_dns_negative_ttl(p, response(p, ns_r_nxdomain, 60, 30, 0) - 3), 0);
	ck_assert_uint_eq(aa_dns_negative_ttl(p, 5), 0);
}
END_TEST

/* An answer reached through a CNAME lasts no longer than the CNAME, and a
 * TTL with its top bit set is 0 (RFC 2181 8): positive and negative. */
START_TEST(dns_answer_through_a_cname_lasts_no_longer_than_the_cname)
{
	/* x.example TXT: x.example CNAME y.example (TTL 5), y.example TXT "v" (3600) */
	static const unsigned char pos[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 16, 0, 1,
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 5, 0, 4, 1, 'y', 0xc0, 14,
		0xc0, 39, 0, 16, 0, 1, 0, 0, 0x0e, 0x10, 0, 2, 1, 'v',
	};
	/* the same CNAME, then NXDOMAIN with an SOA of TTL 60, MINIMUM 30 */
	static const unsigned char neg[] = {
		0x12, 0x34, 0x81, 0x83, 0, 1, 0, 1, 0, 1, 0, 0,
		1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 16, 0, 1,
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 5, 0, 4, 1, 'y', 0xc0, 14,
		0xc0, 14, 0, 6, 0, 1, 0, 0, 0, 60, 0, 24, 0xc0, 14, 0xc0, 14,
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 30,
	};
	unsigned char big[sizeof(pos)];
	struct aa_dns *dns = handle();
	struct aa_dns_answer a = { 0 };

	ck_assert_int_eq(aa_dns_parse_answer(dns, pos, sizeof(pos), AA_DNS_TXT, &a), 0);
	ck_assert_int_eq(a.status, AA_DNS_OK);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_str_eq(a.rr[0].text, "v");
	ck_assert_uint_eq(a.rr[0].ttl, 5);
	ck_assert_uint_eq(aa_dns_negative_ttl(neg, sizeof(neg)), 5);
	memcpy(big, pos, sizeof(pos));
	big[33] = 0x80;	/* the CNAME's TTL: 2^31 + 5 */
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(aa_dns_parse_answer(dns, big, sizeof(big), AA_DNS_TXT, &a), 0);
	ck_assert_uint_eq(a.rr[0].ttl, 0);
	aa_dns_free(&dns);
}
END_TEST

/* aa_dns_lookup() takes a shared answer without asking (no question
 * counted, none sent); the fixed zone never writes the table. */
START_TEST(dns_lookup_takes_the_shared_answer_and_the_zone_never_shares)
{
	static const char *const zone[] = { "z.example TXT v=spf1 -all", NULL };
	struct aa_dns *dns = handle(), *z = aa_dns_new_zone();
	char text[] = "v=spf1 ip4:192.0.2.1 -all";
	struct aa_dns_answer a = txt(60, text), got;
	const struct aa_dns_answer *r;

	aa_dns_shared_add(dns, "s.example", AA_DNS_TXT, &a);
	r = aa_dns_lookup(dns, "S.Example.", AA_DNS_TXT);
	ck_assert_int_eq(r->status, AA_DNS_OK);
	ck_assert_str_eq(r->rr[0].text, text);
	ck_assert_uint_eq(aa_dns_queries(dns), 0);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(aa_dns_zone_add_line(z, zone[0]), 0);
	r = aa_dns_lookup(z, "z.example", AA_DNS_TXT);
	ck_assert_int_eq(r->status, AA_DNS_OK);
	ck_assert_int_eq(aa_dns_shared_find(dns, "z.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&z);
	aa_dns_free(&dns);
}
END_TEST

Suite *suite_dns_shared(void)
{
	Suite *s = suite_create("dns_shared");
	TCase *tc = tcase_create("shared");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dns_shared_answer_serves_another_process_for_the_ttl_left);
	tcase_add_test(tc, dns_shared_negative_answers_last_their_negative_ttl_and_failures_are_never_shared);
	tcase_add_test(tc, dns_shared_keeps_every_record_field_and_refuses_what_does_not_fit);
	tcase_add_test(tc, dns_shared_damaged_slot_is_a_miss_never_another_answer);
	tcase_add_test(tc, dns_shared_slot_of_a_writer_that_died_is_taken_over);
	tcase_add_test(tc, dns_shared_racing_writers_never_publish_a_mixed_answer);
	tcase_add_test(tc, dns_shared_slot_taken_over_never_serves_another_names_records);
	tcase_add_test(tc, dns_negative_ttl_is_the_lower_of_the_soa_ttl_and_minimum);
	tcase_add_test(tc, dns_answer_through_a_cname_lasts_no_longer_than_the_cname);
	tcase_add_test(tc, dns_lookup_takes_the_shared_answer_and_the_zone_never_shares);
	suite_add_tcase(s, tc);
	return s;
}
