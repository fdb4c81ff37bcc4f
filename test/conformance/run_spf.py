#!/usr/bin/python3
"""Run the RFC 7208 SPF suite through build/test/driver_spf.

Serves each scenario's zonedata from our fixed-zone DNS back end, following
the rules in $AA_CONFORMANCE_DIR/spf/README.md:
  1. SPF entries are served as TXT when the name has no TXT entry;
  2. TXT/SPF NONE serves nothing;
  3. TIMEOUT: types listed before it are answered, every other type fails
     temporarily (SERVFAIL lines);
  4. absent names are NXDOMAIN, absent types NODATA;
  5. a CNAME is answered with the target's records (one level), and the
     alias exists (a CNAME line) so other types are NODATA.
Names go into zone lines with \\DDD escapes (zone_name), so a name with
spaces, as macro-mania-in-domain needs, is served as it is.
Prints one summary line. Exits non-zero when a case fails that is not in
spf-rfc7208.deviations (none now; a missing file lists nothing), or when a
listed case now passes.
"""
import os
import subprocess
import sys

import yaml

from conformance import CONF, driver_path, report

TYPES = ("A", "AAAA", "MX", "PTR", "TXT", "CNAME")


def quote_txt(value):
    """One TXT RR as quoted character-strings, bytes escaped as \\DDD."""
    if isinstance(value, str):
        value = [value]
    out = []
    for chunk in value:
        if isinstance(chunk, str):
            data = chunk.encode("utf-8")
        elif isinstance(chunk, bytes):
            data = chunk
        else:
            data = str(chunk).encode("utf-8")
        s = "".join(chr(b) if 0x20 < b < 0x7f and chr(b) not in '"\\' else "\\%03d" % b
                    for b in data)
        out.append('"%s"' % s)
    return " ".join(out)


def zone_name(name):
    """A name for a zone line: bytes other than printable ASCII, and '\\'
    and '#', as \\DDD; '.' stays the label separator."""
    return "".join(chr(b) if 0x20 < b < 0x7f and chr(b) not in "\\#" else "\\%03d" % b
                   for b in name.encode("utf-8"))


def records_of(entries):
    """(rrs, timeout_types): rrs is a list of (type, value text); after a
    TIMEOUT item, the types not answered so far."""
    rrs, answered, has_txt, spf_vals, timeout = [], set(), False, [], None
    for item in entries:
        if item == "TIMEOUT":
            timeout = set(answered)
            if not has_txt and spf_vals:
                timeout.add("TXT")
            break
        (rtype, val), = item.items()
        rtype = rtype.upper()
        if rtype == "TXT":
            has_txt = True
        if val == "NONE" and rtype in ("TXT", "SPF"):
            continue
        if rtype == "SPF":
            spf_vals.append(val)
            continue
        if rtype == "MX":
            val = "%d %s" % (val[0], zone_name(val[1]) if val[1] else "")
        elif rtype == "TXT":
            val = quote_txt(val)
        answered.add(rtype)
        rrs.append((rtype, str(val)))
    if not has_txt:
        rrs += [("TXT", quote_txt(v)) for v in spf_vals]
    failing = None
    if timeout is not None:
        failing = [t for t in TYPES if t not in timeout]
    return rrs, failing


def zone_lines(zonedata):
    names = {}
    for name, entries in zonedata.items():
        names[name.lower().rstrip(".")] = records_of(entries)
    lines = []
    for name, (rrs, failing) in names.items():
        cname = [v for t, v in rrs if t == "CNAME"]
        if cname:
            target = names.get(cname[0].lower().rstrip("."), ([], None))[0]
            rrs = [r for r in rrs if r[0] == "CNAME"] + [r for r in target if r[0] != "CNAME"]
        for rtype, val in rrs:
            if rtype in ("PTR", "CNAME"):
                val = zone_name(val)
            lines.append("%s %s %s" % (zone_name(name), rtype, val))
        for rtype in failing or []:
            lines.append("%s %s SERVFAIL" % (zone_name(name), rtype))
    return lines


def main():
    suite = os.path.join(CONF, "spf", "rfc7208-tests.yml")
    if not os.path.exists(suite):
        print("spf/rfc7208 skipped: %s not present" % suite)
        return 0
    with open(suite, "rb") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    script, cases = [], {}
    for doc in docs:
        script.append("S")
        lines = zone_lines(doc.get("zonedata") or {})
        script += ["Z " + l for l in lines]
        for tid, t in doc["tests"].items():
            cases[tid] = t
            script.append("C\t%s\t%s\t%s\t%s" % (tid, t["host"], t.get("helo", ""),
                                                  t.get("mailfrom", "")))
    proc = subprocess.run([driver_path("spf")],
                          input="\n".join(script) + "\n", capture_output=True, text=True,
                          timeout=300)
    if proc.stderr:
        sys.stderr.write(proc.stderr)
    got = {}
    for line in proc.stdout.splitlines():
        tid, result, exp = line.split("\t")
        got[tid] = (result, "" if exp == "-" else bytes.fromhex(exp).decode("latin-1"))
    res = []
    for tid, t in cases.items():
        want = t["result"] if isinstance(t["result"], list) else [t["result"]]
        result, exp = got.get(tid, ("(no answer)", ""))
        ok = result in want
        if ok and "explanation" in t and exp != t["explanation"]:
            ok = False
        res.append((tid, ok, "want %s%s, got %s%s" % (
            "/".join(want), " exp=%r" % t["explanation"] if "explanation" in t else "",
            result, " exp=%r" % exp if "explanation" in t else "")))
    status = report("spf/rfc7208", res, file="spf-rfc7208", note=" ({} expected deviations)")
    return 1 if status or proc.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
