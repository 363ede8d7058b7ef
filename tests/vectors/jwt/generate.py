#!/usr/bin/env python3
"""Reference vectors for portcullis-jwt, from PyJWT, jwcrypto and the RFCs.

Run from the repository root, in a virtual environment outside the repository:

    python3 -m venv /tmp/jwt-venv
    /tmp/jwt-venv/bin/pip install -r tests/vectors/jwt/requirements.txt
    /tmp/jwt-venv/bin/python tests/vectors/jwt/generate.py

It writes, next to itself:

  rfc.json          RFC 7515 appendix A.1 (HS256), A.2 (RS256), A.3 (ES256), RFC 8037
                    appendix A.4 (Ed25519) and RFC 7638 section 3.1 (thumbprint), as the
                    RFCs print them (taken from jwcrypto's own RFC test data and
                    checked here with jwcrypto before they are written).
  keys.json         one key per algorithm (HS256/384/512, RS256/384/512, PS256/384/512,
                    ES256, ES384, EdDSA) made by jwcrypto: private JWK, public JWK,
                    PKCS#8 and SubjectPublicKeyInfo PEM, and jwcrypto's RFC 7638
                    thumbprint.
  tokens.jsonl      for every algorithm, signed by PyJWT and by jwcrypto: a valid token,
                    an expired one, one for another audience, one from another issuer,
                    one with its payload swapped and one with a flipped signature bit,
                    each with the error kind portcullis must answer.

Keys and ECDSA/RSA-PSS signatures are random, so each run writes new files; every one
of them must pass `cargo test -p portcullis-jwt --test vectors`.

The other direction: `PORTCULLIS_WRITE_VECTORS=1 cargo test -p portcullis-jwt --test
vectors` writes ours.jsonl (a token per algorithm signed by portcullis, with its public
JWK); `generate.py --check-ours` verifies each with PyJWT and jwcrypto and exits non-zero
if any fails. The committed ours.jsonl was checked that way.
"""
import base64
import json
import sys
from pathlib import Path

import jwt as pyjwt
from jwcrypto import jwk, jws
from jwcrypto import tests as jwcrypto_rfc

OUT = Path(__file__).resolve().parent
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z, the verification time of tokens.jsonl
ISS = "https://issuer.example"
AUD = "portcullis-tests"
ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "EdDSA"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact(example) -> str:
    protected = example["protected"]
    if isinstance(protected, bytes):
        protected = protected.decode()
    return ".".join([b64url(protected.encode()), b64url(example["payload"]),
                     b64url(example["signature"])])


def rfc_vectors():
    out = {}
    for name, example in [("rfc7515_a1_hs256", jwcrypto_rfc.A1_example),
                          ("rfc7515_a2_rs256", jwcrypto_rfc.A2_example),
                          ("rfc7515_a3_es256", jwcrypto_rfc.A3_example)]:
        token = compact(example)
        key = jwk.JWK(**example["key"])
        check = jws.JWS()
        check.deserialize(token)
        check.verify(key)  # raises if the transcription is wrong
        out[name] = {"jwk": example["key"], "token": token, "payload_json": True,
                     "verify_at": 1_300_819_000}
    # RFC 8037 appendix A.1 (key) and A.4 (signature over "Example of Ed25519 signing").
    ed_key = {"kty": "OKP", "crv": "Ed25519",
              "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
              "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    ed_token = ("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
                "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
    check = jws.JWS()
    check.deserialize(ed_token)
    check.verify(jwk.JWK(**ed_key))
    out["rfc8037_a4_ed25519"] = {"jwk": ed_key, "token": ed_token, "payload_json": False,
                                 "thumbprint": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}
    rsa_7638 = jwcrypto_rfc.PublicKeys["keys"][1]
    thumb = jwk.JWK(**rsa_7638).thumbprint()
    assert thumb == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", thumb
    out["rfc7638_3_1"] = {"jwk": rsa_7638, "thumbprint": thumb}
    return out


def make_key(alg: str) -> jwk.JWK:
    if alg.startswith("HS"):
        return jwk.JWK.generate(kty="oct", size={"HS256": 256, "HS384": 384, "HS512": 512}[alg])
    if alg[:2] in ("RS", "PS"):
        return jwk.JWK.generate(kty="RSA", size=2048)
    if alg == "ES256":
        return jwk.JWK.generate(kty="EC", crv="P-256")
    if alg == "ES384":
        return jwk.JWK.generate(kty="EC", crv="P-384")
    return jwk.JWK.generate(kty="OKP", crv="Ed25519")


def sign_pyjwt(key: jwk.JWK, alg: str, claims: dict, kid: str) -> str:
    signing = pyjwt.PyJWK(key.export(private_key=True, as_dict=True), algorithm=alg)
    return pyjwt.encode(claims, signing.key, algorithm=alg, headers={"kid": kid})


def sign_jwcrypto(key: jwk.JWK, alg: str, claims: dict, kid: str) -> str:
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, None, json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}))
    return token.serialize(compact=True)


def tamper_payload(token: str) -> str:
    header, _, sig = token.split(".")
    other = {"iss": ISS, "aud": AUD, "sub": "mallory", "iat": NOW - 60, "exp": NOW + 3600}
    return ".".join([header, b64url(json.dumps(other).encode()), sig])


def tamper_signature(token: str) -> str:
    header, payload, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[len(raw) // 2] ^= 0x01
    return ".".join([header, payload, b64url(bytes(raw))])


def main():
    (OUT / "rfc.json").write_text(json.dumps(rfc_vectors(), indent=2) + "\n")
    keys = {}
    lines = []
    for alg in ALGS:
        key = make_key(alg)
        kid = key.thumbprint()
        entry = {"alg": alg, "kid": kid, "private_jwk": dict(key.export(private_key=True, as_dict=True), alg=alg, kid=kid)}
        if not alg.startswith("HS"):
            entry["public_jwk"] = dict(key.export_public(as_dict=True), alg=alg, kid=kid, use="sig")
            entry["pkcs8_pem"] = key.export_to_pem(private_key=True, password=None).decode()
            entry["spki_pem"] = key.export_to_pem().decode()
        keys[alg] = entry
        base = {"iss": ISS, "aud": AUD, "sub": "user_1", "iat": NOW - 60, "exp": NOW + 3600,
                "jti": "jti-" + alg, "https://example.com/claims": {"role": "admin"}}
        cases = [
            ("valid", base, None, "ok"),
            ("expired", dict(base, iat=NOW - 7200, exp=NOW - 3600), None, "expired"),
            ("wrong_aud", dict(base, aud=["someone-else", "another"]), None, "wrong_audience"),
            ("wrong_iss", dict(base, iss="https://evil.example"), None, "wrong_issuer"),
            ("tampered_payload", base, tamper_payload, "bad_signature"),
            ("tampered_signature", base, tamper_signature, "bad_signature"),
        ]
        for library, sign in (("pyjwt", sign_pyjwt), ("jwcrypto", sign_jwcrypto)):
            for case, claims, tamper, expect in cases:
                token = sign(key, alg, claims, kid)
                if tamper:
                    token = tamper(token)
                lines.append({"alg": alg, "library": library, "case": case, "token": token,
                              "now": NOW, "iss": ISS, "aud": AUD, "expect": expect})
    (OUT / "keys.json").write_text(json.dumps(keys, indent=2) + "\n")
    with open(OUT / "tokens.jsonl", "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    print(f"wrote rfc.json, keys.json ({len(keys)} keys), tokens.jsonl ({len(lines)} tokens)")


def check_ours():
    failures = 0
    count = 0
    for line in (OUT / "ours.jsonl").read_text().splitlines():
        item = json.loads(line)
        count += 1
        alg = item["alg"]
        key = jwk.JWK(**item["jwk"])
        try:
            signing_key = pyjwt.PyJWK(item["jwk"], algorithm=alg).key
            claims = pyjwt.decode(item["token"], signing_key, algorithms=[alg],
                                  audience=item["aud"], issuer=item["iss"],
                                  options={"verify_exp": False, "require": ["exp", "iat", "jti"]})
            assert claims["exp"] == item["exp"], "exp differs"
            assert claims == item["claims"], "claims differ"
            check = jws.JWS()
            check.deserialize(item["token"])
            check.verify(key, alg=alg)
            header = json.loads(b64url_decode(item["token"].split(".")[0]))
            assert header["alg"] == alg and header["kid"] == item["jwk"]["kid"], header
        except Exception as exc:  # noqa: BLE001 - report every failure
            failures += 1
            print(f"FAIL {alg}: {exc!r}")
    print(f"checked {count} portcullis tokens with PyJWT {pyjwt.__version__} and jwcrypto: {failures} failures")
    sys.exit(1 if failures or count == 0 else 0)


if __name__ == "__main__":
    if "--check-ours" in sys.argv:
        check_ours()
    else:
        main()
