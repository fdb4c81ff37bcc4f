#!/usr/bin/python3
"""PSL conformance: $AA_CONFORMANCE_DIR/psl/tests.txt through aa_org_domain
(RFC 7489 mode, Debian's list). Prints "psl N/78 passed"; exit 1 when a
case fails that is not in test/conformance/psl.deviations, or a listed
case now passes."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.environ.get("AA_CONFORMANCE_DIR", ""), "psl", "tests.txt")
DRIVER = os.path.join(os.environ.get("AA_BUILD", os.path.join(HERE, "../../build")),
                      "test", "driver_psl")


def deviations():
    path = os.path.join(HERE, "psl.deviations")
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if line and not line.startswith("#"):
                cid, _, reason = line.partition(" ")
                out[cid] = reason
    return out


def main():
    if not os.path.exists(TESTS):
        print(f"psl: {TESTS} not present, skipped")
        return 0
    cases = []
    for line in open(TESTS, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        given, want = line.split(" ", 1)
        cases.append((given, want.strip()))
    out = subprocess.run([DRIVER], input="".join(g + "\n" for g, _ in cases),
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    got = out.splitlines()
    dev = deviations()
    status, passed = 0, 0
    for i, ((given, want), have) in enumerate(zip(cases, got), 1):
        cid = f"psl#{i}"
        ok = have == want.lower() if want != "null" else have == "null"
        passed += ok
        if not ok and cid not in dev:
            print(f"  FAIL {cid}: {given} -> {have}, want {want}")
            status = 1
        elif ok and cid in dev:
            print(f"  NOW PASSES {cid} (remove it from psl.deviations)")
            status = 1
    if len(got) != len(cases):
        print(f"  driver answered {len(got)} of {len(cases)} cases")
        status = 1
    known = sum(1 for i in range(len(cases)) if f"psl#{i + 1}" in dev)
    print(f"psl {passed}/{len(cases)} passed" + (f", {known} known deviations" if known else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
