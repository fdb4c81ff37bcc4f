#!/usr/bin/python3
"""DMARC conformance: $AA_CONFORMANCE_DIR/dmarc through build/test/driver_dmarc.

Sets: dmarc-vectors (vectors.yml), dmarc-mail-dmarc (both modes),
dmarc-authheaders and dmarc-rspamd (DMARC level: the From domain or the
message's From field, DNS from the fixture, SPF/DKIM results as the case
gives them; authheaders cases that give no DKIM results have the message's
signatures verified). One summary line per set. Whole messages, SPF and
DKIM computed: run_dmarcmsg.py. Exit 1 when a case fails that is
not in test/conformance/<set>.deviations, or a listed case now passes.
"""
import os
import re
import sys

import conformance
from conformance import Driver, driver_path, load_yaml, run_sets

CONF = os.path.join(conformance.CONF, "dmarc")


def report(name, results):
    """results: list of (case id, ok, detail). Returns 0 or 1. As it always
    was for the DMARC sets, an id <name>.deviations lists that is no case
    is not looked for."""
    return conformance.report(name, results)


def load_set(d, name, zone_of):
    """$CONF/<name>: its directory and its cases; zone_of(its dns.yml)
    is the driver's zone from now on."""
    base = os.path.join(CONF, name)
    d.zone(zone_of(os.path.join(base, "dns.yml")))
    return base, load_yaml(os.path.join(base, "cases.yml"))["cases"]


def txt_zone_line(name, text):
    esc = "".join("\\%03d" % ord(c) if c in '"\\' or ord(c) < 32 else c for c in text)
    return f'{name} TXT "{esc}"'


# ---- vectors.yml ----

def run_vectors(d):
    v = load_yaml(os.path.join(CONF, "vectors.yml"))
    res = []
    for i, c in enumerate(v["record_syntax"], 1):
        rec = c["record"]
        # DMARCbis vectors use its tags; the rest are RFC 7489 era
        mode = "9989" if re.search(r"\b(np|psd|t)\s*=", rec) else "7489"
        d.ask("reset")
        got = d.ask("record", mode, txt_zone_line("", rec).split(" TXT ", 1)[1]).split()[0]
        want = "pass" if c["expect"] == "valid" else "not pass"
        ok = (got == "pass") == (c["expect"] == "valid")
        res.append((f"record_syntax#{i}", ok, f"{rec!r} ({mode}): {got}, want {want}"))
    for i, c in enumerate(v["alignment"], 1):
        got = d.ask("align", "7489", c["mode"], c["from_domain"], c["auth_domain"])
        ok = got == ("1" if c["aligned"] else "0")
        res.append((f"alignment#{i}", ok, f"{c['from_domain']} {c['auth_domain']} {c['mode']}: {got}"))
    for i, c in enumerate(v["from_domain"], 1):
        status, dom, n = d.ask("from", c["from"]).split()
        want = c["domain"] if c["domain"] is not None else "null"
        res.append((f"from_domain#{i}", dom == want, f"{c['from']!r}: {dom} ({n} addresses)"))
    for i, c in enumerate(v["lenient_records"], 1):
        rec = c["record"][c["record"].index("v="):]
        for mode in ("9989", "7489"):
            d.ask("reset")
            got = d.ask("record", mode, txt_zone_line("", rec).split(" TXT ", 1)[1]).split()
            ok = got[0] == "pass" and got[1] in ("none", "quarantine", "reject")
            res.append((f"lenient_records#{i}/{mode}", ok, f"{rec!r}: {' '.join(got)}"))
    return report("dmarc-vectors", res)


# ---- mail-dmarc ----

def master_zone(path):
    lines = []
    for raw in open(path, encoding="utf-8"):
        raw = raw.split(";", 1)[0] if raw.lstrip().startswith(";") else raw
        f = raw.split(None, 3)
        if len(f) < 4:
            continue
        name, _ttl, rtype, rdata = f
        lines.append(f"{name} {rtype} {rdata.strip()}")
    return lines


def eval_line(d, mode, from_spec, spf, dkim):
    s = f"{spf[0]} {spf[1]}" if spf else "-"
    k = dkim if dkim == "verify" else ",".join(f"{dom} {r}" for dom, r in dkim) or "-"
    return d.ask("eval", mode, from_spec, s, k).split()


def compare(got, want):
    """got: [result, applied, disposition, ...]; want: {result, policy?, disposition?}."""
    if got[0] != want["result"]:
        return False
    if "policy" in want and want["result"] != "none" and got[1] != want["policy"]:
        return False
    if "disposition" in want and got[2] != want["disposition"]:
        return False
    return True


def run_mail_dmarc(d):
    cases = load_yaml(os.path.join(CONF, "mail-dmarc", "cases.yml"))
    d.zone(master_zone(os.path.join(CONF, "mail-dmarc", "dns.zone")))
    res = []
    for c in cases["cases"]:
        spf = next(((s["domain"], s["result"]) for s in c.get("spf", []) if s["scope"] == "mfrom"), None)
        dkim = [(k["d"], k["result"]) for k in c.get("dkim", [])]
        exp = c["expect"]
        for mode, key in (("7489", "rfc7489"), ("9989", "dmarcbis")):
            want = exp.get(key, exp["rfc7489"])
            got = eval_line(d, mode, "domain:" + c["from_domain"], spf, dkim)
            res.append((f"{c['id']}/{key}", compare(got, want), f"got {' '.join(got[:3])}, want {want}"))
    return report("dmarc-mail-dmarc", res)


# ---- authheaders ----

def authheaders_zone(path):
    dns = load_yaml(path)
    lines = []
    for name, val in dns["txt"].items():
        if isinstance(val, dict):
            val = open(os.path.join(os.path.dirname(path), val["file"]), encoding="utf-8").read()
            val = "".join(re.findall(r'"([^"]*)"', val)) or val.strip()
        lines.append(txt_zone_line(name, val))
    for name in dns.get("exists", []):
        lines.append(f"{name} A 192.0.2.10")
    return lines


def run_authheaders(d):
    base, cases = load_set(d, "authheaders", authheaders_zone)
    res = []
    for c in cases:
        exp = c["expect"]
        # the DKIM results upstream injected, else the message's own, verified
        dkim = [(k["d"], k["result"]) for k in c["dkim_given"]] if "dkim_given" in c else "verify"
        msg = "msg:" + os.path.join(base, c["message"])
        for mode in ("9989", "7489"):
            want = {"result": exp["result"]}
            if mode == "7489" and "result_rfc7489" in exp:
                want = {"result": exp["result_rfc7489"]}
            elif "policy" in exp and exp["result"] in ("pass", "fail"):
                want["policy"] = exp["policy"]
            got = eval_line(d, mode, msg, None, dkim)
            res.append((f"{c['id']}/{mode}", compare(got, want), f"got {' '.join(got[:3])}, want {want}"))
    return report("dmarc-authheaders", res)


# ---- rspamd ----

def rspamd_zone(path):
    dns = load_yaml(path)
    lines = []
    for r in dns["records"]:
        name, rtype, rcode = r["name"], r["type"].upper(), r.get("rcode")
        if rcode == "nxdomain":
            continue
        if rcode == "norec":
            lines.append(f"{name} PTR nodata.invalid")
        elif rcode == "timeout":
            lines.append(f"{name} {rtype} TIMEOUT")
        else:
            for rep in r.get("replies", []):
                lines.append(txt_zone_line(name, rep) if rtype == "TXT" else f"{name} {rtype} {rep}")
    return lines


def run_rspamd(d):
    base, cases = load_set(d, "rspamd", rspamd_zone)
    res = []
    for c in cases:
        s = c.get("spf")
        spf = (s["domain"], s["result"]) if s else None
        dkim = [(k["d"], k["result"]) for k in c.get("dkim", [])]
        # rspamd is an RFC 7489 receiver (PSL org domain, pct sampling)
        got = eval_line(d, "7489", "domain:" + c["from_domain"], spf, dkim)
        want = {k: v for k, v in c["expect"].items() if k in ("result", "policy", "disposition")}
        res.append((c["id"], compare(got, want), f"got {' '.join(got[:3])}, want {want}"))
    return report("dmarc-rspamd", res)


def main():
    if not os.path.isdir(CONF):
        print(f"dmarc: {CONF} not present, skipped")
        return 0
    with Driver(driver_path("dmarc")) as d:
        return run_sets((run_vectors, run_mail_dmarc, run_authheaders, run_rspamd), d)


if __name__ == "__main__":
    sys.exit(main())
