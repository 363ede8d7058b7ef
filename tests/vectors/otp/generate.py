#!/usr/bin/env python3
"""Reference vectors for portcullis-otp, from pyotp and from the RFCs' own tables.

Run from the repository root, in a virtual environment outside the repository:

    python3 -m venv /tmp/otp-venv
    /tmp/otp-venv/bin/pip install -r tests/vectors/otp/requirements.txt   # pyotp==2.12.0
    /tmp/otp-venv/bin/python tests/vectors/otp/generate.py

It writes, next to itself:

  rfc4226_appendix_d.jsonl  RFC 4226 appendix D (HOTP, secret "12345678901234567890"),
                            typed from the RFC and checked against pyotp here.
  rfc6238_appendix_b.jsonl  RFC 6238 appendix B (TOTP, 8 digits, SHA-1/256/512 with
                            their 20/32/64-byte seeds), typed from the RFC, checked.
  pyotp_totp.jsonl          pyotp TOTP codes: SHA1/SHA256/SHA512 x 6/8/10 digits x
                            periods 30/60 x secrets of 14 to 64 bytes (pyotp refuses fewer than 112 bits) in several
                            spellings x times 59, 1111111109, 1234567890, 2000000000,
                            20000000000.
  pyotp_hotp.jsonl          pyotp HOTP codes for a few counters.
  pyotp_uris.jsonl          provisioning URIs built by pyotp (issuers and names with
                            spaces, '@', ':' and non-ASCII), with the fields that built
                            them: portcullis must parse them back to those fields.
  ours_parsed_by_pyotp.jsonl  the URIs portcullis wrote (ours_uris.jsonl, written by
                            `PORTCULLIS_WRITE_VECTORS=1 cargo test -p portcullis-tests
                            --test otp`), parsed by pyotp.parse_uri, with codes pyotp
                            computes from them: pyotp must read our URIs as we meant.
"""
import base64
import hashlib
import json
import os
import sys

import pyotp

HERE = os.path.dirname(os.path.abspath(__file__))
TIMES = [59, 1111111109, 1234567890, 2000000000, 20000000000]
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def write(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{name}: {len(rows)} vectors", file=sys.stderr)


def b32(raw):
    return base64.b32encode(raw).decode().rstrip("=")


# RFC 4226 appendix D, "HOTP values", counters 0 to 9.
RFC4226 = ["755224", "287082", "359152", "969429", "338314",
           "254676", "287922", "162583", "399871", "520489"]
rows = []
secret = b32(b"12345678901234567890")
for counter, code in enumerate(RFC4226):
    assert pyotp.HOTP(secret).at(counter) == code, counter
    rows.append({"secret": secret, "counter": counter, "code": code})
write("rfc4226_appendix_d.jsonl", rows)

# RFC 6238 appendix B, test vectors table; seeds as in its reference implementation.
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [
    (59, "SHA1", "94287082"), (59, "SHA256", "46119246"), (59, "SHA512", "90693936"),
    (1111111109, "SHA1", "07081804"), (1111111109, "SHA256", "68084774"),
    (1111111109, "SHA512", "25091201"),
    (1111111111, "SHA1", "14050471"), (1111111111, "SHA256", "67062674"),
    (1111111111, "SHA512", "99943326"),
    (1234567890, "SHA1", "89005924"), (1234567890, "SHA256", "91819424"),
    (1234567890, "SHA512", "93441116"),
    (2000000000, "SHA1", "69279037"), (2000000000, "SHA256", "90698825"),
    (2000000000, "SHA512", "38618901"),
    (20000000000, "SHA1", "65353130"), (20000000000, "SHA256", "77737706"),
    (20000000000, "SHA512", "47863826"),
]
rows = []
for at, alg, code in RFC6238:
    secret = b32(SEEDS[alg])
    assert pyotp.TOTP(secret, digits=8, digest=DIGESTS[alg]).at(at) == code, (at, alg)
    rows.append({"secret": secret, "algorithm": alg, "digits": 8, "period": 30,
                 "at": at, "code": code})
write("rfc6238_appendix_b.jsonl", rows)


def spellings(raw):
    """The same secret as pyotp accepts it: upper case, lower case, padded."""
    upper = b32(raw)
    padded = base64.b32encode(raw).decode()
    return [upper, upper.lower(), padded]


SECRETS = [bytes(range(1, 15)), bytes(range(100, 116)), b"12345678901234567890",
           bytes(range(200, 226)), bytes(range(32)), bytes(range(64, 128))]
rows = []
for raw in SECRETS:
    for alg in DIGESTS:
        for digits in (6, 8, 10):
            for period in (30, 60):
                for i, spelled in enumerate(spellings(raw)):
                    totp = pyotp.TOTP(spelled, digits=digits, digest=DIGESTS[alg],
                                      interval=period)
                    # Every spelling at two times, the canonical one at all five.
                    for at in TIMES if i == 0 else TIMES[1:3]:
                        rows.append({"secret": spelled, "secret_bits": len(raw) * 8,
                                     "algorithm": alg, "digits": digits,
                                     "period": period, "at": at, "code": totp.at(at)})
write("pyotp_totp.jsonl", rows)

rows = []
for raw in SECRETS[1:]:
    for alg in DIGESTS:
        for digits in (6, 8):
            hotp = pyotp.HOTP(b32(raw), digits=digits, digest=DIGESTS[alg])
            for counter in (0, 1, 42, 2**32, 2**63 - 1):
                rows.append({"secret": b32(raw), "algorithm": alg, "digits": digits,
                             "counter": counter, "code": hotp.at(counter)})
write("pyotp_hotp.jsonl", rows)

NAMES = [
    ("ACME Co", "alice@example.com"),
    ("Example", "bob"),
    ("Big Corp: EU", "carol:admin@example.org"),
    ("Bücher & Söhne", "josé@exämple.de"),
    ("東京", "ユーザー"),
    ("a+b/c?d=e#f%g", "x y&z"),
    (None, "dave@example.com"),
    (None, "eve: the second"),
]
rows = []
for n, (issuer, account) in enumerate(NAMES):
    raw = SECRETS[n % len(SECRETS)]
    if len(raw) < 16:
        raw = SECRETS[2]
    alg, digits, period = [("SHA1", 6, 30), ("SHA256", 8, 60), ("SHA512", 6, 30)][n % 3]
    totp = pyotp.TOTP(b32(raw), digits=digits, digest=DIGESTS[alg], interval=period,
                      name=account, issuer=issuer)
    rows.append({"type": "totp", "uri": totp.provisioning_uri(), "issuer": issuer,
                 "account": account, "secret": b32(raw), "algorithm": alg,
                 "digits": digits, "period": period, "code_at_1234567890": totp.at(1234567890)})
    hotp = pyotp.HOTP(b32(raw), digits=digits, digest=DIGESTS[alg], name=account,
                      issuer=issuer, initial_count=n * 7)
    rows.append({"type": "hotp", "uri": hotp.provisioning_uri(), "issuer": issuer,
                 "account": account, "secret": b32(raw), "algorithm": alg,
                 "digits": digits, "counter": n * 7, "code_at_counter": hotp.at(0)})
write("pyotp_uris.jsonl", rows)

ours = os.path.join(HERE, "ours_uris.jsonl")
rows = []
with open(ours, encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        uri = json.loads(line)["uri"]
        otp = pyotp.parse_uri(uri)
        alg = next(k for k, v in DIGESTS.items() if v == otp.digest)
        row = {"uri": uri, "issuer": otp.issuer, "account": otp.name,
               "secret": otp.secret, "algorithm": alg, "digits": otp.digits}
        if isinstance(otp, pyotp.TOTP):
            row.update(type="totp", period=otp.interval,
                       code_at_1234567890=otp.at(1234567890))
        else:
            row.update(type="hotp", counter=otp.initial_count,
                       code_at_counter=otp.at(0))
        rows.append(row)
write("ours_parsed_by_pyotp.jsonl", rows)
