#!/usr/bin/python3
"""DMARC conformance, whole messages: $AA_CONFORMANCE_DIR/dmarc/{authheaders,rspamd}
through build/test/driver_dmarcmsg.

Nothing is given to the core here: each case's message is read whole,
SPF is evaluated by libspf2 for the case's client IP, HELO and MAIL FROM,
DKIM is verified from the message, the From field is parsed by our parser
and DMARC is evaluated and judged (aa_judge, mode=enforce), all against
the case's DNS loaded into the fixed zone. The DMARC-level twin, with SPF
and DKIM results given, is run_dmarc.py; the zone conversion is shared.

Sets (one summary line each):
  dmarc-authheaders-message  RFC 9989 mode (the project default; the set
      expects np= and the PSD tree walk). Upstream did not evaluate SPF:
      we send from 192.0.2.1, HELO client.test.invalid, MAIL FROM:<>, so
      SPF can only give none. authserv-id example.com.
  dmarc-rspamd-message       RFC 7489 mode (rspamd applies pct= and the
      PSL). Where a case gives no client IP / MAIL FROM: 192.0.2.1 and <>.
      HELO is always client.test.invalid.

What is compared:
  - the DMARC result, the policy that applies (p/sp/np) and, where the case
    gives one, the disposition;
  - the action under mode=enforce: reject for a fail under an applied
    reject, quarantine-header for quarantine, defer for temperror, reject
    for a permerror case without a From domain (the project's rule: a From
    that names no author domain is rejected, from_unreadable = reject),
    else accept;
  - SPF and DKIM where the case states them (rspamd: spf {domain, result},
    dkim [{d, s, result}]);
  - no Authentication-Results field already in the message may count as
    ours (each authheaders message carries a forged lists.example.org one).
  - authheaders gives the exact Authentication-Results header upstream
    produced. It is compared by meaning, not byte for byte: the authserv-id
    is the same, but our properties (header.s/a/b, no header.i), our SPF
    entries, comments and folding differ. Per method:
      dkim   every upstream entry must appear in ours with the same result
             and header.d. In cases with dkim_given upstream injected its
             dkim entries instead of computing them; there ours may only
             pass where upstream passed too.
      dmarc  exactly one entry; same result; the same header.from where
             upstream gives one ("none" upstream = no header.from here).
             Upstream's policy.dmarc is compared with the applied policy
             (p, sp or np) the driver reports: our header has the
             published policy and the disposition in a comment instead.
      spf    upstream evaluated none; ours must not be pass.
Exit 1 when a case fails that is not in test/conformance/<set>.deviations,
or a listed case now passes.
"""
import os
import re
import sys

import run_dmarc  # shared: sets, zones, report
from conformance import Driver, driver_path, run_sets

CONF = run_dmarc.CONF

DEFAULT_IP = "192.0.2.1"
DEFAULT_HELO = "client.test.invalid"
AUTHSERV_ID = "example.com"


class MessageDriver(Driver):
    def __init__(self):
        super().__init__(driver_path("dmarcmsg"))

    def message(self, mode, path, ip, helo, mail_from):
        line = self.ask("msg", mode, AUTHSERV_ID, path, ip, helo, mail_from or "<>")
        f = line.split("\t")
        if len(f) != 6:
            raise ValueError("driver said: " + line)
        dmarc = f[0].split()
        spf = f[2].split()
        dkim = [tuple(s.split()) for s in f[3].split(",")] if f[3] != "-" else []
        return {
            "result": dmarc[0], "applied": dmarc[1], "disposition": dmarc[2],
            "action": f[1],
            "spf": {"result": spf[0], "identity": spf[1], "domain": spf[2]},
            "dkim": [{"d": d, "s": s, "result": r} for d, s, r in dkim],
            "ours": int(f[4]),
            "authres": f[5],
        }


# ---- Authentication-Results, read by meaning ----

def strip_comments(s):
    out, depth, quoted, i = [], 0, False, 0
    while i < len(s):
        c = s[i]
        if quoted:
            out.append(c)
            if c == "\\" and i + 1 < len(s):
                out.append(s[i + 1])
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"' and depth == 0:
            quoted = True
            out.append(c)
        elif c == "(":
            depth += 1
        elif c == ")" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def parse_authres(value):
    """'id; method=result k=v ...; ...' -> (id, [(method, result, {k: v})])."""
    value = re.sub(r"^\s*Authentication-Results:\s*", "", value, flags=re.I)
    parts = [p.strip() for p in strip_comments(value).split(";")]
    entries = []
    for p in parts[1:]:
        toks = p.split()
        if not toks or "=" not in toks[0]:
            continue
        method, result = toks[0].split("=", 1)
        props = {}
        for t in toks[1:]:
            if "=" in t:
                k, v = t.split("=", 1)
                props[k.lower()] = v.strip('"').lower()
        entries.append((method.lower(), result.lower(), props))
    return parts[0].strip().lower(), entries


def authres_problems(case, got):
    """Differences of meaning between upstream's header and ours."""
    up_id, up = parse_authres(case["expect"]["upstream"])
    our_id, ours = parse_authres(got["authres"])
    probs = []
    if up_id != our_id:
        probs.append(f"authserv-id {our_id}, upstream {up_id}")
    our_dkim = [(r, p.get("header.d")) for m, r, p in ours if m == "dkim"]
    if "dkim_given" in case:
        given = {k["d"].lower(): k["result"] for k in case["dkim_given"]}
        for r, d in our_dkim:
            if r == "pass" and given.get(d) != "pass":
                probs.append(f"dkim=pass header.d={d} where upstream had {given.get(d, 'none')}")
    else:
        for m, r, p in up:
            if m == "dkim" and (r, p.get("header.d")) not in our_dkim:
                probs.append(f"no dkim={r} header.d={p.get('header.d')} in ours")
    for m, r, p in ours:
        if m == "spf" and r == "pass":
            probs.append("spf=pass, but upstream evaluated no SPF and the sender is null")
    up_dmarc = [(r, p) for m, r, p in up if m == "dmarc"]
    our_dmarc = [(r, p) for m, r, p in ours if m == "dmarc"]
    if len(our_dmarc) != 1:
        probs.append(f"{len(our_dmarc)} dmarc entries")
    elif up_dmarc:
        (ur, up_p), (orr, our_p) = up_dmarc[0], our_dmarc[0]
        if ur != orr:
            probs.append(f"dmarc={orr}, upstream dmarc={ur}")
        if "header.from" in up_p and up_p["header.from"] != our_p.get("header.from", "none"):
            probs.append(f"header.from={our_p.get('header.from', 'none')}, "
                         f"upstream {up_p['header.from']}")
        want = up_p.get("policy.dmarc")
        if want is not None and ur in ("pass", "fail") and got["applied"] != want:
            probs.append(f"applied policy {got['applied']}, upstream policy.dmarc={want}")
    return probs


# ---- the verdict ----

def expected_action(result, disposition, from_unreadable=False):
    if result == "temperror":
        return "defer"
    if result == "permerror" and from_unreadable:
        return "reject"     # no author domain to judge: from_unreadable = reject (default)
    if result == "fail":
        return {"reject": "reject", "quarantine": "quarantine-header"}.get(disposition, "accept")
    return "accept"


def verdict_problems(want, got, from_unreadable=False):
    probs = []
    if got["result"] != want["result"]:
        probs.append(f"dmarc={got['result']}, want {want['result']}")
        return probs
    if want.get("policy") and want["result"] in ("pass", "fail") and got["applied"] != want["policy"]:
        probs.append(f"applied policy {got['applied']}, want {want['policy']}")
    if want.get("disposition") and got["disposition"] != want["disposition"]:
        probs.append(f"disposition {got['disposition']}, want {want['disposition']}")
    disp = want.get("disposition", got["disposition"])
    act = expected_action(want["result"], disp, from_unreadable)
    if got["action"] != act:
        probs.append(f"action {got['action']}, want {act}")
    if got["ours"]:
        probs.append(f"{got['ours']} Authentication-Results field(s) in the message taken as ours")
    return probs


def brief(got):
    sigs = ",".join(f"{k['d']}/{k['s']}={k['result']}" for k in got["dkim"]) or "none"
    return (f"got dmarc={got['result']} applied={got['applied']} dis={got['disposition']} "
            f"action={got['action']} spf={got['spf']['result']}({got['spf']['domain']}) dkim={sigs}")


def run_authheaders(d):
    base, cases = run_dmarc.load_set(d, "authheaders", run_dmarc.authheaders_zone)
    res = []
    for c in cases:
        exp = c["expect"]
        got = d.message("9989", os.path.join(base, c["message"]), DEFAULT_IP, DEFAULT_HELO, "")
        want = {"result": exp["result"]}
        if "policy" in exp:
            want["policy"] = exp["policy"]
        unreadable = exp["result"] == "permerror" and "from_domain" not in c
        probs = verdict_problems(want, got, unreadable) + authres_problems(c, got)
        res.append((c["id"], not probs, "; ".join(probs) + " | " + brief(got)))
    return run_dmarc.report("dmarc-authheaders-message", res)


def rspamd_problems(c, got):
    probs = []
    s = c.get("spf")
    if s and (got["spf"]["result"], got["spf"]["domain"]) != (s["result"], s["domain"].lower()):
        probs.append(f"spf={got['spf']['result']} for {got['spf']['domain']}, "
                     f"want {s['result']} for {s['domain']}")
    for k in c.get("dkim", []):
        if not any(g["d"] == k["d"].lower() and g["s"] == k["s"] and g["result"] == k["result"]
                   for g in got["dkim"]):
            probs.append(f"no dkim={k['result']} for d={k['d']} s={k['s']}")
    return probs


def run_rspamd(d):
    base, cases = run_dmarc.load_set(d, "rspamd", run_dmarc.rspamd_zone)
    res = []
    for c in cases:
        got = d.message("7489", os.path.join(base, c["message"]), c.get("client_ip", DEFAULT_IP),
                        DEFAULT_HELO, c.get("mail_from", ""))
        want = {k: v for k, v in c["expect"].items() if k in ("result", "policy", "disposition")}
        probs = verdict_problems(want, got) + rspamd_problems(c, got)
        res.append((c["id"], not probs, "; ".join(probs) + " | " + brief(got)))
    return run_dmarc.report("dmarc-rspamd-message", res)


def main():
    if not os.path.isdir(CONF):
        print(f"dmarc messages: {CONF} not present, skipped")
        return 0
    with MessageDriver() as d:
        return run_sets((run_authheaders, run_rspamd), d)


if __name__ == "__main__":
    sys.exit(main())
