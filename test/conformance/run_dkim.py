#!/usr/bin/python3
"""run_dkim.py - the DKIM conformance sets in $AA_CONFORMANCE_DIR/dkim.

Each set becomes a list of cases; each case writes a zone file in the
aa_dns fixed-zone format, runs build/test/driver_dkim on a message and
compares the per-signature results. Prints one line per set; exits 1 when
a case fails that test/conformance/dkim-<set>.deviations does not list, or
a listed case now passes.
"""
import os
import subprocess
import sys
import tempfile

import conformance
from conformance import driver_path, load_yaml, report

CONF = os.path.join(conformance.CONF, "dkim")
DRIVER = driver_path("dkim")
TMP = tempfile.mkdtemp(prefix="aa-dkim-conf-")

# The best result of a message, for sets that give one word per message.
RANK = ["pass", "fail", "temperror", "permerror", "policy", "neutral", "none"]


# ---- zone files (aa_dns_zone_add_line format) ----

def txt_line(name, text):
    """A TXT record as quoted strings of at most 255 octets each."""
    raw = text.encode("utf-8", "surrogateescape")
    parts = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    quoted = []
    for p in parts:
        s = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\%03d" % ord(c)
                    for c in p.decode("latin-1"))
        quoted.append('"%s"' % s)
    return "%s TXT %s" % (name, " ".join(quoted))


def write_zone(lines):
    fd, path = tempfile.mkstemp(dir=TMP, suffix=".zone")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


# ---- the driver ----

def verify(zone_lines, message_path):
    zone = write_zone(zone_lines)
    out = subprocess.run([DRIVER, "verify", zone, message_path], capture_output=True,
                         timeout=60)
    os.unlink(zone)
    if out.returncode != 0:
        return None, "driver exit %d: %s" % (out.returncode, out.stderr.decode(errors="replace").strip())
    sigs = []
    for line in out.stdout.decode(errors="replace").splitlines():
        f = line.split("\t")
        if f[0] == "sig":
            sigs.append({"result": f[1], "d": f[2], "s": f[3], "a": f[4], "bits": f[5],
                         "l": f[6], "b": f[7], "reason": f[8]})
        elif f[0] == "error":
            return None, "verification could not run"
    return sigs, ""


def sign(key_path, alg, d, s, options, message_path):
    out = subprocess.run([DRIVER, "sign", key_path, alg or "rsa-sha256", d, s, options or "-",
                          message_path], capture_output=True, timeout=60)
    if out.returncode == 2:
        return None
    if out.returncode != 0:
        raise RuntimeError("driver sign: %s" % out.stderr.decode(errors="replace"))
    return out.stdout


def best(sigs):
    if not sigs:
        return "none"
    return min((x["result"] for x in sigs), key=lambda r: RANK.index(r) if r in RANK else len(RANK))


def describe(sigs):
    return "[" + ", ".join("%s(%s)" % (x["result"], x["reason"]) for x in sigs) + "]" if sigs else "none"


# ---- sets: each yields (case_id, ok, detail) ----

def set_rfc8463():
    base = os.path.join(CONF, "rfc8463")
    zone = []
    with open(os.path.join(base, "dns.zone")) as f:
        text = f.read()
    # master-file syntax: name. IN TXT ( "a" "b" ) possibly over several lines
    records = {}
    current = None
    for line in text.splitlines():
        line = line.split(";")[0] if line.lstrip().startswith(";") else line
        if not line.strip():
            continue
        if not line[0].isspace():
            current = line.split()[0].rstrip(".")
            records[current] = ""
        for piece in line.split('"')[1::2]:
            records[current] += piece
    for name, value in records.items():
        zone.append(txt_line(name, value))
    msg_path = os.path.join(base, "signed-message.eml")
    with open(msg_path, "rb") as f:
        msg = f.read()
    altered = os.path.join(TMP, "rfc8463-altered.eml")
    with open(altered, "wb") as f:
        f.write(msg.replace(b"Hi.", b"Hi!", 1))
    no_ed = [z for z in zone if not z.startswith("brisbane.")]
    cases = [
        ("published-message", zone, msg_path, ["pass", "pass"]),
        ("body-altered", zone, altered, ["fail", "fail"]),
        ("ed25519-key-missing", no_ed, msg_path, ["permerror", "pass"]),
    ]
    for cid, z, path, want in cases:
        sigs, err = verify(z, path)
        got = [x["result"] for x in sigs] if sigs is not None else None
        yield cid, got == want, err or "want %s got %s" % (want, describe(sigs))


def dkimpy_zone(spec):
    base = os.path.join(CONF, "dkimpy")
    lines = []
    for name, v in spec.items():
        if "file" in v:
            with open(os.path.join(base, v["file"])) as f:
                value = f.read().rstrip("\n")
        else:
            value = v["txt"]
        lines.append(txt_line(name, value))
    return lines


def mutate(data, how):
    crlf = b"\r\n" if b"\r\n" in data else b"\n"
    head, sep, body = data.partition(crlf + crlf)
    if how.startswith("append header 'X-Foo"):
        return head + crlf + b"X-Foo: bar" + sep + body
    if how.startswith("append header 'From:"):
        return head + crlf + b'From: "Resident Evil" <sales@spammer.com>' + sep + body
    if how.startswith("prepend header 'From:"):
        return b'From: "Resident Evil" <sales@spammer.com>' + crlf + data
    if how.startswith("append 'foo'"):
        return data + b"foo"
    if how.startswith("append 'added more text"):
        return data + b"added more text" + crlf
    raise ValueError("unknown mutation: " + how)


def set_dkimpy():
    base = os.path.join(CONF, "dkimpy")
    spec = load_yaml(os.path.join(base, "cases.yml"))
    for case in spec["verify"]:
        dns = dict(spec["dns"])
        dns.update(case.get("dns_extra") or {})
        sigs, err = verify(dkimpy_zone(dns), os.path.join(base, case["message"]))
        want = [(e["d"], e["s"], e["a"], e["result"]) for e in case["expect"]]
        got = [(x["d"], x["s"], x["a"], x["result"]) for x in sigs] if sigs is not None else None
        yield case["id"], got == want, err or "want %s got %s" % (want, describe(sigs))
    for case in spec["roundtrip"]:
        yield roundtrip(base, case)


def roundtrip(base, case):
    cid = case["id"]
    opts = ""
    if "l=" in (case.get("sign_options") or ""):
        opts += "l"
    if case.get("mutate", "").find("From") >= 0:
        opts += "o"	# dkimpy over-signs From; so does this signer here
    signed = sign(os.path.join(base, case["key"]), case.get("a"), case["d"], case["s"], opts,
                  os.path.join(base, case["message"]))
    if case["expect"] == "sign-error":
        return cid, signed is None, "the test signer signed a message without From"
    if signed is None:
        return cid, False, "the test signer refused"
    if case.get("mutate"):
        signed = mutate(signed, case["mutate"])
    path = os.path.join(TMP, cid + ".eml")
    with open(path, "wb") as f:
        f.write(signed)
    name = "%s._domainkey.%s" % (case["s"], case["d"])
    if "record" in case:
        zone = dkimpy_zone({name: {"file": case["record"]}})
    else:
        zone = dkimpy_zone({name: {"txt": case["record_txt"]}})
    sigs, err = verify(zone, path)
    if sigs is None:
        return cid, False, err
    if case["expect"] == "any-no-crash":
        return cid, True, ""
    got = best(sigs)
    return cid, got == case["expect"], "want %s got %s" % (case["expect"], describe(sigs))


def rspamd_zone():
    recs = load_yaml(os.path.join(CONF, "rspamd", "dns.yml"))["records"]
    lines = []
    for r in recs:
        name, rtype = r["name"], r["type"].upper()
        if "replies" in r:
            for rep in r["replies"]:
                if rtype == "TXT":
                    lines.append(txt_line(name, rep))
                elif rtype in ("A", "AAAA", "PTR"):
                    lines.append("%s %s %s" % (name, rtype, rep))
                elif rtype == "MX":
                    lines.append("%s MX %s" % (name, rep))
        elif r.get("rcode") == "timeout":
            lines.append("%s %s TIMEOUT" % (name, rtype))
        elif r.get("rcode") == "norec":
            # NOERROR without this type: give the name some other record
            other = "A 192.0.2.1" if rtype != "A" else "TXT \"placeholder\""
            lines.append("%s %s" % (name, other))
    return lines


def set_rspamd():
    base = os.path.join(CONF, "rspamd")
    cases = load_yaml(os.path.join(base, "cases.yml"))["cases"]
    zone = rspamd_zone()
    for case in cases:
        sigs, err = verify(zone, os.path.join(base, case["message"]))
        if sigs is None:
            yield case["id"], False, err
            continue
        got = best(sigs)
        want = case["expect"]
        ok = got != "pass" if want == "not-pass" else got == want
        yield case["id"], ok, "want %s got %s" % (want, describe(sigs))


def mail_dkim_zone():
    lines = []
    with open(os.path.join(CONF, "mail-dkim", "FAKE_DNS.dat"), encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip()[0] in "#;":
                continue
            parts = line.split(None, 1)
            name = parts[0].rstrip(".")
            value = parts[1] if len(parts) > 1 else ""
            if value == "NXDOMAIN":
                continue
            if value == "~~Query timed out~~":
                lines.append("%s TXT TIMEOUT" % name)
            elif value == "~~SERVFAIL~~":
                lines.append("%s TXT SERVFAIL" % name)
            elif value == '""':
                lines.append('%s TXT ""' % name)
            else:
                lines.append(txt_line(name, value))
    return lines


def set_mail_dkim():
    base = os.path.join(CONF, "mail-dkim")
    cases = load_yaml(os.path.join(base, "cases.yml"))["cases"]
    zone = mail_dkim_zone()
    for case in cases:
        cid = os.path.splitext(os.path.basename(case["file"]))[0]
        sigs, err = verify(zone, os.path.join(base, case["file"]))
        if sigs is None:
            yield cid, False, err
            continue
        want = case["rfc6376_8301_result"]
        if isinstance(want, list):
            got = [x["result"] for x in sigs]
        else:
            got = best(sigs)
        yield cid, got == want, "want %s got %s" % (want, describe(sigs))


SETS = [("rfc8463", set_rfc8463), ("dkimpy", set_dkimpy), ("rspamd", set_rspamd),
        ("mail-dkim", set_mail_dkim)]


def main():
    if not os.path.isdir(CONF):
        print("dkim: %s not present, skipped" % CONF)
        return 0
    if not os.access(DRIVER, os.X_OK):
        print("dkim: %s not built" % DRIVER)
        return 1
    status = 0
    for name, fn in SETS:
        if not os.path.isdir(os.path.join(CONF, name)):
            print("dkim/%s not present, skipped" % name)
            continue
        status |= report("dkim/" + name, fn(), file="dkim-" + name,
                         note=" ({} expected deviations)")
    return status


if __name__ == "__main__":
    sys.exit(main())
