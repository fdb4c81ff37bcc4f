"""conformance.py - what the run_<suite>.py runners share.

  CONF, driver_path(suite)  where the suites ($AA_CONFORMANCE_DIR) and the
                            drivers ($AA_BUILD/test/driver_<suite>) are
  load_yaml(path)           one YAML document
  deviations(file)          test/conformance/<file>.deviations: case id -> reason
  report(...)               a set's results against its deviation list: the
                            problems, the summary line, the exit status
  run_sets(sets, arg)       every set, one status for them all
  Driver(path)              a driver that answers one line per command line
"""
import os
import subprocess

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.environ.get("AA_CONFORMANCE_DIR", os.path.join(HERE, "../../../shared/conformance"))
BUILD = os.environ.get("AA_BUILD", os.path.join(HERE, "../../build"))


def driver_path(suite):
    return os.path.join(BUILD, "test", "driver_" + suite)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def deviations(file):
    """The cases test/conformance/<file>.deviations lists: one a line, the
    case id then why; blank lines and # comments skipped."""
    path = os.path.join(HERE, file + ".deviations")
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    cid, _, reason = line.partition(" ")
                    out[cid] = reason.strip()
    return out


def report(label, results, file=None, note=", {} known deviations", note_always=False,
           check_listed=True):
    """Judge one set and print its summary line; returns 0 or 1.

    results: (case id, ok, detail) each. A failing case that <file>.deviations
    (file defaults to label) does not list is a problem, and so is a listed
    case that passes; with check_listed, so is a listed id that is no case.
    The summary line is "<label> P/T passed", then note with the number of
    listed cases that failed, where there are some (or with note_always).
    AA_CONFORMANCE_VERBOSE=1 shows the listed failures too."""
    file = file or label
    results = list(results)
    dev = deviations(file)
    verbose = os.environ.get("AA_CONFORMANCE_VERBOSE") == "1"
    bad = 0
    for cid, ok, detail in results:
        if not ok and cid not in dev:
            print(f"  FAIL {label} {cid}: {detail}")
            bad = 1
        elif ok and cid in dev:
            print(f"  NOW PASSES {label} {cid} (remove it from {file}.deviations)")
            bad = 1
        elif not ok and verbose:
            print(f"  {label} {cid}: expected deviation ({dev[cid]}): {detail}")
    if check_listed:
        for cid in sorted(set(dev) - {cid for cid, _, _ in results}):
            print(f"  {file}.deviations names {cid}, which is not a case")
            bad = 1
    passed = sum(1 for _, ok, _ in results if ok)
    known = sum(1 for cid, ok, _ in results if not ok and cid in dev)
    line = f"{label} {passed}/{len(results)} passed"
    if known or note_always:
        line += note.format(known)
    print(line)
    return bad


def run_sets(sets, arg):
    """run(arg) for every run in sets, all of them; 1 when any said 1."""
    status = 0
    for run in sets:
        status |= run(arg)
    return status


class Driver:
    """A driver_<suite> that reads tab-separated commands, one a line, and
    answers each with one line (driver_loop.h)."""

    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, encoding="utf-8", errors="surrogateescape")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ask(self, *fields):
        line = "\t".join(str(f) for f in fields)
        assert "\n" not in line
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().rstrip("\n")

    def zone(self, lines):
        """An empty zone, then these lines in it."""
        self.ask("reset")
        for line in lines:
            if self.ask("zone", line) != "ok":
                raise ValueError("zone line refused: " + line)

    def close(self):
        self.p.stdin.close()
        self.p.wait()
