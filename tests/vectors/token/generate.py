#!/usr/bin/env python3
"""Reference vectors for portcullis-token, from independent implementations.

Run from the repository root:

    python3 tests/vectors/token/generate.py

It needs only the Python standard library (3.8 or later): `hashlib` (SHA-256, backed by
OpenSSL), `hmac`, `base64` and `zlib` (CRC-32) are implementations of the primitives that
share no code with the Rust crates under test. The output is deterministic (a seeded
`random.Random` picks the inputs), so re-running it must leave the committed files
unchanged. It writes, next to this script:

- pkce.jsonl      RFC 7636 appendix B, the ForgeRock pair from the seed API description,
                  and S256 challenges for generated verifiers of every length 43..128.
- digests.jsonl   `<id>.<secret>` opaque tokens with their SHA-256 and HMAC-SHA256
                  digest strings.
- api_keys.jsonl  API keys (prefix, base62 id, base62 secret, base62 CRC-32 checksum)
                  built here from given bytes, and the PropelAuth legacy example.
- signed.jsonl    stateless signed tokens (`v1.<kid>.<payload>.<mac>`) signed here.
"""

import base64
import hashlib
import hmac
import json
import random
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent
RNG = random.Random(20240605)

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def base62(data: bytes, width: int) -> str:
    n = int.from_bytes(data, "big")
    digits = ""
    while n:
        n, r = divmod(n, 62)
        digits = BASE62[r] + digits
    assert len(digits) <= width
    return digits.rjust(width, "0")


def write(name, rows):
    with open(OUT / name, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")


def pkce():
    rows = []
    rfc_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert s256(rfc_verifier) == rfc_challenge
    rows.append({"source": "RFC 7636 appendix B", "verifier": rfc_verifier, "challenge": rfc_challenge})
    fr_verifier = "ZpJiIM_G0SE9WlxzS69Cq0mQh8uyFaeEbILlW8tHs62SmEE6n7Nke0XJGx_F4OduTI4"
    fr_challenge = "j3wKnK2Fa_mc2tgdqa6GtUfCYjdWSA5S23JKTTtPF8Y"
    assert s256(fr_verifier) == fr_challenge
    rows.append({"source": "ForgeRock seed 001", "verifier": fr_verifier, "challenge": fr_challenge})
    for length in range(43, 129):
        verifier = "".join(RNG.choice(UNRESERVED) for _ in range(length))
        rows.append({"source": "generated", "verifier": verifier, "challenge": s256(verifier)})
    write("pkce.jsonl", rows)


def digests():
    rows = []
    keys = [("k1", bytes(range(32))), ("pepper-2026", bytes(RNG.getrandbits(8) for _ in range(48)))]
    fixed = [(bytes(16), bytes(32)), (b"\xff" * 16, b"\xff" * 32)]
    randoms = [
        (bytes(RNG.getrandbits(8) for _ in range(16)), bytes(RNG.getrandbits(8) for _ in range(32)))
        for _ in range(20)
    ]
    for i, (token_id, secret) in enumerate(fixed + randoms):
        key_id, key = keys[i % len(keys)]
        rows.append(
            {
                "token": f"{b64url(token_id)}.{b64url(secret)}",
                "id_hex": token_id.hex(),
                "secret_hex": secret.hex(),
                "sha256": "sha256:" + b64url(hashlib.sha256(secret).digest()),
                "hmac_key_id": key_id,
                "hmac_key_hex": key.hex(),
                "hmac": f"hmac-sha256:{key_id}:" + b64url(hmac.new(key, secret, hashlib.sha256).digest()),
            }
        )
    write("digests.jsonl", rows)


def api_keys():
    rows = []
    # The CRC-32/ISO-HDLC check value, as a sanity anchor for zlib.crc32.
    assert zlib.crc32(b"123456789") == 0xCBF43926
    prefixes = ["pcl_live_", "pcl_test_", "acme_", "a_", "x" * 31 + "_"]
    cases = [(bytes(16), bytes(32)), (b"\xff" * 16, b"\xff" * 32)]
    cases += [
        (bytes(RNG.getrandbits(8) for _ in range(16)), bytes(RNG.getrandbits(8) for _ in range(32)))
        for _ in range(20)
    ]
    for i, (key_id, secret) in enumerate(cases):
        prefix = prefixes[i % len(prefixes)]
        body = prefix + base62(key_id, 22) + base62(secret, 43)
        crc = zlib.crc32(body.encode("ascii"))
        key = body + base62(crc.to_bytes(4, "big"), 6)
        rows.append(
            {
                "format": "portcullis",
                "key": key,
                "prefix": prefix,
                "key_id": base62(key_id, 22),
                "id_hex": key_id.hex(),
                "secret_hex": secret.hex(),
                "crc32": crc,
                "last_four": key[-4:],
                "sha256": "sha256:" + b64url(hashlib.sha256(secret).digest()),
            }
        )
    # PropelAuth end_user_api_keys example (seed 000): 16-byte id, then 32-byte secret, hex.
    legacy = "6ba56a96c76f86141435c8211309f4c86801439aed6c172d8c1762ee4fd2e576e531d9fffa21ad0b217f6a77013bc1af"
    raw = bytes.fromhex(legacy)
    rows.append(
        {
            "format": "propelauth",
            "key": legacy,
            "prefix": None,
            "key_id": raw[:16].hex(),
            "id_hex": raw[:16].hex(),
            "secret_hex": raw[16:].hex(),
            "crc32": None,
            "last_four": legacy[-4:],
            "sha256": "sha256:" + b64url(hashlib.sha256(raw[16:]).digest()),
        }
    )
    write("api_keys.jsonl", rows)


def signed():
    rows = []
    context = b"portcullis signed token\0"
    key_id, key = "2026-01", bytes(RNG.getrandbits(8) for _ in range(32))
    samples = [
        ("email_verification", "user_1", 1700000000, 86400, {}),
        ("email_change", "ada@example.com", 1700000000, 3600, {"new_email": "ada@new.example"}),
        ("unsubscribe", "user \u00e9\u4e2d", 1800000000, 600, {"list": "news", "n": 3, "ok": True}),
        ("login", "u", 1600000000, 300, {"nested": {"a": [1, 2, None]}}),
    ]
    for purpose, subject, iat, lifetime, data in samples:
        payload = {"pur": purpose, "sub": subject, "iat": iat, "exp": iat + lifetime, "jti": b64url(bytes(RNG.getrandbits(8) for _ in range(16)))}
        if data:
            payload["dat"] = data
        body = b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        signed_part = f"v1.{key_id}.{body}"
        mac = hmac.new(key, context + signed_part.encode("ascii"), hashlib.sha256).digest()
        rows.append(
            {
                "token": f"{signed_part}.{b64url(mac)}",
                "key_id": key_id,
                "key_hex": key.hex(),
                "purpose": purpose,
                "subject": subject,
                "iat": iat,
                "exp": iat + lifetime,
                "jti": payload["jti"],
                "dat": data,
            }
        )
    write("signed.jsonl", rows)


if __name__ == "__main__":
    pkce()
    digests()
    api_keys()
    signed()
