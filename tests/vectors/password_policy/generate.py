#!/usr/bin/env python3
"""Reference vectors for portcullis-password's policy, strength and breach checks.

Run from this directory, in a virtualenv outside the repository:

    python3 -m venv /tmp/pwpolicy-venv
    /tmp/pwpolicy-venv/bin/pip install -r requirements.txt
    /tmp/pwpolicy-venv/bin/python generate.py

PyPI packages: zxcvbn==4.5.0 (dwolfhub/zxcvbn-python, a port of Dropbox's zxcvbn 4.4.2).
The SHA-1 vectors use only the standard library's hashlib.

Writes two JSON Lines files:

- hibp_sha1.jsonl: {"password", "prefix", "suffix"}: the Pwned Passwords k-anonymity
  split of SHA-1(UTF-8 password): the first 5 upper-case hex digits and the other 35.
- zxcvbn_scores.jsonl: {"password", "names", "email", "score", "warning",
  "suggestions"}: what the Python zxcvbn package says of well-known
  passwords. The user inputs given to zxcvbn are built as portcullis's PolicyContext
  builds them: the names, then the email and its local part.
"""
import hashlib
import json
import unicodedata

import zxcvbn

# Each case is a distinct byte string: Unicode normalisation forms differ on purpose.
HIBP_PASSWORDS = [
    "",
    "password",
    "P@ssw0rd",
    "123456",
    "correct horse battery staple",
    "Tr0ub4dor&3",
    " leading and trailing spaces ",
    "tab\tand\nnewline",
    unicodedata.normalize("NFC", "pässwörd"),
    unicodedata.normalize("NFD", "pässwörd"),
    "пароль",
    "密码密码",
    "パスワード",
    "كلمة السر",
    "🔑🔒 emoji 🙈",
    "\u00a0non-breaking\u200bzero-width",
    "Ω≈ç√∫˜µ≤≥÷",
    "x" * 300,
]

# Well-known passwords (common-password lists, xkcd 936, the Stytch, ForgeRock and
# Rownd seed examples) and a few strong ones; some with the user's own details as
# (names, email).
ZXCVBN_CASES = [
    ("password", [], None),
    ("123456", [], None),
    ("qwerty", [], None),
    ("letmein", [], None),
    ("iloveyou", [], None),
    ("monkey", [], None),
    ("dragon", [], None),
    ("abc123", [], None),
    ("trustno1", [], None),
    ("P@ssw0rd", [], None),
    ("p@ssword1", [], None),
    ("password1", [], None),
    ("Tr0ub4dor&3", [], None),
    ("correct horse battery staple", [], None),
    ("hxjV6A0zcp", [], None),
    ("moresecurethanthis", [], None),
    ("!Password1", [], None),
    ("Password2##", [], None),
    ("Password#1", [], None),
    ("qwertyuiop", [], None),
    ("zxcvbnm,./", [], None),
    ("aaaaaaaaaa", [], None),
    ("abcdefghij", [], None),
    ("19841984", [], None),
    ("01/02/1990", [], None),
    ("lovelace1815", [], None),
    ("lovelace1815", ["Ada", "Lovelace"], "ada.lovelace@example.com"),
    ("AdaLovelace!", ["Ada", "Lovelace"], None),
    ("rWibMFACxAUGZmxhVncy", [], None),
    ("ba9ZyWABu99[BK#6MBgbH88Tofv)vs$w", [], None),
    ("Ünïcödé-pässwörd-2024", [], None),
]


def main():
    with open("hibp_sha1.jsonl", "w", encoding="utf-8") as out:
        for password in HIBP_PASSWORDS:
            digest = hashlib.sha1(password.encode("utf-8")).hexdigest().upper()
            row = {"password": password, "prefix": digest[:5], "suffix": digest[5:]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    with open("zxcvbn_scores.jsonl", "w", encoding="utf-8") as out:
        for password, names, email in ZXCVBN_CASES:
            user_inputs = list(names)
            if email is not None:
                user_inputs += [email, email.rsplit("@", 1)[0]]
            result = zxcvbn.zxcvbn(password, user_inputs=user_inputs)
            row = {
                "password": password,
                "names": names,
                "email": email,
                "score": result["score"],
                "warning": result["feedback"]["warning"],
                "suggestions": result["feedback"]["suggestions"],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
