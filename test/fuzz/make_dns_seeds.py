#!/usr/bin/env python3
"""make_dns_seeds.py - the response packets of check_dns.c's answer table
(dns_answer_packets_parse_as_expected), written as seeds for fuzz_dns_wire
(first byte: the question type's index in the harness; then the packet)
and printed as the C table. Run from the top directory."""
import os
import struct

TYPES = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16, "PTR": 12, "CNAME": 5}
INDEX = {"A": 0, "AAAA": 1, "MX": 2, "TXT": 3, "PTR": 4, "CNAME": 5}


def name(n):
    out = b""
    for label in n.split(".") if n else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(an, flags=0x8180, qd=1):
    return struct.pack(">HHHHHH", 0x1234, flags, qd, an, 0, 0)


def question(n, t):
    return name(n) + struct.pack(">HH", TYPES[t], 1)


def rr(owner, t, rdata, ttl=300):
    own = owner if isinstance(owner, bytes) else name(owner)
    return own + struct.pack(">HHIH", TYPES[t], 1, ttl, len(rdata)) + rdata


def txt(*chunks):
    return b"".join(bytes([len(c)]) + c for c in chunks)


Q = b"\xc0\x0c"  # pointer to the question's name
CASES = [
    # (seed name, type, packet, C comment with the expected outcome)
    ("a", "A", header(1) + question("a.example", "A") + rr(Q, "A", bytes([192, 0, 2, 1])),
     "OK, 1"),
    ("aaaa", "AAAA", header(1) + question("a.example", "AAAA") +
     rr(Q, "AAAA", bytes.fromhex("20010db8000000000000000000000001")), "OK, 1"),
    ("mx-compressed", "MX", header(2) + question("a.example", "MX") +
     rr(Q, "MX", struct.pack(">H", 10) + b"\x02mx" + Q) +
     rr(Q, "MX", struct.pack(">H", 20) + name("mx2.b.example")), "OK, 2"),
    ("txt-chunks", "TXT", header(1) + question("a.example", "TXT") +
     rr(Q, "TXT", txt(b"v=spf1 ", b"ip4:192.0.2.0/24 -all")), "OK, 1"),
    ("txt-overrun", "TXT", header(1) + question("a.example", "TXT") +
     rr(Q, "TXT", b"\x09v=spf1"), "MALFORMED, 0"),
    ("cname-chain", "A", header(2) + question("a.example", "A") +
     rr(Q, "CNAME", name("b.example")) + rr("b.example", "A", bytes([192, 0, 2, 2])),
     "OK, 1"),
    ("truncated", "TXT", header(0, flags=0x8380) + question("a.example", "TXT"),
     "TEMPFAIL, 0"),
    ("ptr", "PTR", header(1) + question("1.2.0.192.in-addr.arpa", "PTR") +
     rr(Q, "PTR", name("host.a.example")), "OK, 1"),
    ("nodata", "TXT", header(0) + question("a.example", "TXT"), "NODATA, 0"),
    ("mx-dot-in-label", "MX", header(1) + question("a.example", "MX") +
     rr(Q, "MX", struct.pack(">H", 10) + b"\x04mx.a\x07example\x00"), "MALFORMED, 0"),
    ("pointer-loop", "CNAME", header(1) + question("a.example", "CNAME") +
     rr(Q, "CNAME", b"\x01x\xc0\x27"), "MALFORMED, 0"),
    ("count-too-high", "A", header(2) + question("a.example", "A") +
     rr(Q, "A", bytes([192, 0, 2, 1])), "MALFORMED, 0"),
    ("a-rdlen-5", "A", header(1) + question("a.example", "A") +
     rr(Q, "A", bytes([192, 0, 2, 1, 0])), "MALFORMED, 0"),
    ("null-mx", "MX", header(1) + question("a.example", "MX") +
     rr(Q, "MX", struct.pack(">H", 0) + b"\0"), "OK, 1"),
]


def c_literal(b):
    return "".join("\\x%02x" % c for c in b)


def main():
    d = "test/fuzz/seeds/dns_wire"
    os.makedirs(d, exist_ok=True)
    for seed, t, pkt, _ in CASES:
        with open(os.path.join(d, seed), "wb") as f:
            f.write(bytes([INDEX[t]]) + pkt)
    for seed, t, pkt, exp in CASES:
        status, count = exp.split(", ")
        print('\t{ "%s", AA_DNS_%s, AA_DNS_%s, %s, %d,\n\t  "%s" },'
              % (seed, t, status, count, len(pkt), c_literal(pkt)))


if __name__ == "__main__":
    main()
