"""Passwords and tokens.

Passwords: scrypt (memory-hard, in the standard library), parameters stored with each hash so
they can be raised later without breaking old hashes. Tokens: 256 random bits handed out once;
only their sha256 is stored, so a stolen database holds no usable token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .config import KdfParams


def hash_password(password: str, kdf: KdfParams = KdfParams()) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, kdf.n, kdf.r, kdf.p)
    return f"scrypt${kdf.n}${kdf.r}${kdf.p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def dummy_verify(kdf: KdfParams = KdfParams()) -> None:
    """Spend the same time as a real check, so unknown usernames are not revealed by timing."""
    _scrypt("x", b"0" * 16, kdf.n, kdf.r, kdf.p)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r * p + 1024 * 1024, dklen=32)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
