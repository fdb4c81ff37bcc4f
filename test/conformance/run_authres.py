#!/usr/bin/python3
"""Authentication-Results conformance: $AA_CONFORMANCE_DIR/authres/vectors.yml
through build/test/driver_authres (aa_authres_parse, aa_authres_format,
aa_authres_is_ours).

Sets, one summary line each:
  authres/parse         strict parse; authserv-id and results in order;
                        the canonical formatter where format_roundtrip says so
  authres/real_world    lenient parse (reading a trusted upstream); the counts
                        asserted; is_ours true for the field's own id and
                        false for ours (mx.test.example)
  authres/icloud_group  the same over four fields together
  authres/syntax        strict parse accepts or rejects as the case says
Exit 1 when a case fails that is not in test/conformance/authres-<set>.deviations,
or a listed case now passes.
"""
import json
import os
import re
import subprocess
import sys

from conformance import CONF, driver_path, load_yaml, report as report_set, run_sets

VECTORS = os.path.join(CONF, "authres", "vectors.yml")
DRIVER = driver_path("authres")
OUR_ID = "mx.test.example"
NAME_RE = re.compile(r"^authentication-results[ \t]*:", re.I)


def run_driver(requests):
    """requests: list of (op, value). One parsed JSON answer each."""
    data = b"".join(f"{op} {len(v.encode())}\n".encode() + v.encode() + b"\n" for op, v in requests)
    out = subprocess.run([DRIVER], input=data, capture_output=True, check=True).stdout
    answers = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    if len(answers) != len(requests):
        raise RuntimeError(f"driver answered {len(answers)} of {len(requests)} requests")
    return answers


def report(name, results):
    """results: list of (case id, ok, detail). Returns 0 or 1."""
    return report_set("authres/" + name, results, file="authres-" + name)


def as_field(header):
    return header if NAME_RE.match(header) else "Authentication-Results: " + header


def props_of(r):
    return {f"{pt}.{pr}" if pt else pr: v for pt, pr, v in r["props"]}


def same_results(got, want):
    """Ordered comparison; returns a complaint or None."""
    if len(got) != len(want):
        return f"{len(got)} results, want {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        checks = [("method", g["method"], w["method"]), ("result", g["result"], w["result"]),
                  ("reason", g["reason"], w.get("reason")),
                  ("method_version", g["method_version"], w.get("method_version")),
                  ("props", props_of(g), w.get("props", {}))]
        for what, have, expect in checks:
            if have != expect:
                return f"result {i + 1} {what} {have!r}, want {expect!r}"
    return None


def run_parse(v):
    cases = v["parse"]
    answers = run_driver([("strict", c["value"]) for c in cases])
    res = []
    for i, (c, a) in enumerate(zip(cases, answers), 1):
        cid = f"parse#{i}"
        if not a["valid"]:
            res.append((cid, False, f"{c['value']!r} rejected: {a['error']}"))
            continue
        why = None
        if a["authserv_id"] != c["authserv_id"]:
            why = f"authserv-id {a['authserv_id']!r}, want {c['authserv_id']!r}"
        why = why or same_results(a["results"], c["results"])
        if not why and c.get("format_roundtrip") and a["format"] != c["value"]:
            why = f"formatted as {a['format']!r}, want {c['value']!r}"
        res.append((cid, why is None, f"{c['value']!r}: {why}"))
    return report("parse", res)


def count_matches(results, e):
    return sum(1 for r in results
               if r["method"] == e["method"] and r["result"] == e["result"]
               and all(props_of(r).get(k) == w for k, w in e.get("where", {}).items()))


def check_group(headers, authserv_ids, expect, answers, ours_self, ours_other):
    """Complaint or None for fields that together hold the assertions."""
    results = []
    for h, want_id, a, mine, other in zip(headers, authserv_ids, answers, ours_self, ours_other):
        if not a["valid"]:
            return f"{h[:40]!r}... rejected: {a['error']}"
        if want_id is not None and a["authserv_id"] != want_id:
            return f"authserv-id {a['authserv_id']!r}, want {want_id!r}"
        if mine["ours"] != 1:
            return f"is_ours(field, {a['authserv_id']!r}) is 0"
        if other["ours"] != 0:
            return f"is_ours(field, {OUR_ID!r}) is 1: another receiver's field taken for ours"
        results += a["results"]
    for e in expect:
        n = count_matches(results, e)
        if n != e["count"]:
            return f"{n} x {e['method']}={e['result']} {e.get('where', '')}, want {e['count']}"
    return None


def ask_group(headers, ids):
    fields = [as_field(h) for h in headers]
    reqs = [("lenient", h) for h in headers]
    reqs += [(f"ours:{i}", f) for i, f in zip(ids, fields)]
    reqs += [(f"ours:{OUR_ID}", f) for f in fields]
    reqs += [("strict", h) for h in headers]
    a = run_driver(reqs)
    n = len(headers)
    return a[:n], a[n:2 * n], a[2 * n:3 * n], a[3 * n:]


def run_real_world(v):
    res, strict_ok = [], 0
    for c in v["real_world"]:
        parsed, mine, other, strict = ask_group([c["header"]], [c["authserv_id"]])
        why = check_group([c["header"]], [c["authserv_id"]], c["expect"], parsed, mine, other)
        strict_ok += strict[0]["valid"]
        res.append((c["id"], why is None, why))
    status = report("real_world", res)
    print(f"  ({strict_ok}/{len(res)} of them are valid RFC 8601 as written)")
    return status


def run_icloud(v):
    g = v["icloud_group"]
    ids = []
    for h in g["headers"]:
        m = re.match(r"^[^:]*:\s*([^;\s]+)", h)
        ids.append(m.group(1))
    parsed, mine, other, _ = ask_group(g["headers"], ids)
    why = check_group(g["headers"], [None] * len(ids), g["expect"], parsed, mine, other)
    return report("icloud_group", [("icloud_group", why is None, why)])


def run_syntax(v):
    cases = v["syntax"]
    answers = run_driver([("strict", c["value"]) for c in cases])
    res = []
    for i, (c, a) in enumerate(zip(cases, answers), 1):
        cid = f"syntax#{i}"
        why = None
        if a["valid"] != c["valid"]:
            why = "accepted" if a["valid"] else f"rejected: {a['error']}"
        elif a["valid"]:
            if "authserv_id" in c and a["authserv_id"] != c["authserv_id"]:
                why = f"authserv-id {a['authserv_id']!r}, want {c['authserv_id']!r}"
            elif "version" in c and a["version"] != c["version"]:
                why = f"version {a['version']!r}, want {c['version']!r}"
            elif isinstance(c.get("results"), int) and len(a["results"]) != c["results"]:
                why = f"{len(a['results'])} results, want {c['results']}"
            elif isinstance(c.get("results"), list):
                why = same_results(a["results"], c["results"])
        res.append((cid, why is None, f"{c['value']!r}: {why}"))
    return report("syntax", res)


def main():
    if not os.path.exists(VECTORS):
        print(f"authres: {VECTORS} not present, skipped")
        return 0
    return run_sets((run_parse, run_real_world, run_icloud, run_syntax), load_yaml(VECTORS))


if __name__ == "__main__":
    sys.exit(main())
