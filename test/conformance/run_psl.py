#!/usr/bin/python3
"""PSL conformance: $AA_CONFORMANCE_DIR/psl/tests.txt through aa_org_domain
(RFC 7489 mode, Debian's list). Prints "psl N/78 passed"; exit 1 when a
case fails that is not in test/conformance/psl.deviations, or a listed
case now passes."""
import os
import subprocess
import sys

from conformance import CONF, driver_path, report

TESTS = os.path.join(CONF, "psl", "tests.txt")
DRIVER = driver_path("psl")


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
    status = 0
    if len(got) != len(cases):
        print(f"  driver answered {len(got)} of {len(cases)} cases")
        status = 1
    got += [None] * (len(cases) - len(got))
    res = []
    for i, ((given, want), have) in enumerate(zip(cases, got), 1):
        ok = have == want.lower() if want != "null" else have == "null"
        shown = "(no answer)" if have is None else have
        res.append((f"psl#{i}", ok, f"{given} -> {shown}, want {want}"))
    # as it always was here: an id in psl.deviations that is no case is not looked for
    return status | report("psl", res)


if __name__ == "__main__":
    sys.exit(main())
