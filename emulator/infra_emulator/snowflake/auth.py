"""Key-pair JWT authentication, checked as Snowflake checks it.

A client signs an RS256 JWT with its private key. Snowflake finds the user from the claims and accepts
the token only if:
  * `iss` is `ACCOUNT.USER.SHA256:<fingerprint>`, the fingerprint being base64(SHA-256(DER public key)),
    and matches one of the user's registered keys (RSA_PUBLIC_KEY or RSA_PUBLIC_KEY_2);
  * `sub` is `ACCOUNT.USER`;
  * the signature verifies with that key;
  * it has not expired and lives at most one hour (exp - iat).
Any failure is the same answer, 390144 "JWT token is invalid.", so nothing leaks about which check failed.
Tokens and keys are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .catalog import Catalog, now_iso

ACCOUNT = "LOCAL"
DEFAULT_USER = "DEPLOYER"
MAX_LIFETIME_SECONDS = 3600
# A token minted on a machine whose clock runs slightly ahead is still fine.
CLOCK_SKEW_SECONDS = 60


class AuthError(Exception):
    """Authentication failed; the HTTP layer answers 401 with Snowflake's body."""

    code = "390144"
    message = "JWT token is invalid."


def public_key_body(text: str) -> str:
    """A public key as Snowflake stores RSA_PUBLIC_KEY: the base64 DER, without PEM lines or spaces."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.strip().startswith("-----")]
    return "".join("".join(lines).split())


def fingerprint(key_body: str) -> str:
    """`SHA256:` + base64 of the SHA-256 of the DER SubjectPublicKeyInfo, as in the JWT issuer."""
    der = base64.b64decode(key_body)
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def load_public_key(key_body: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(base64.b64decode(key_body))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def validate_public_key(text: str) -> str:
    """The stored form of a key given in SQL; raises ValueError when it is not an RSA public key."""
    body = public_key_body(text)
    try:
        load_public_key(body)
    except Exception as e:  # any decoding failure means the same thing to the user
        raise ValueError("Invalid RSA public key") from e
    return body


class UserDisabled(AuthError):
    """ALTER USER ... SET DISABLED = TRUE: the user's keys no longer log in (docs: alter-user, DISABLED)."""

    code = "390102"
    message = "User access disabled. Contact your local system administrator."


@dataclass(frozen=True)
class Principal:
    account: str
    user: str


class Users:
    """Users and their registered public keys, kept in the catalog's `users` section."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def get(self, name: str) -> dict | None:
        return self.catalog.get("users", (name,))

    def put(self, name: str, record: dict) -> None:
        self.catalog.put("users", (name,), record)

    def ensure_default_user(self, directory: str) -> None:
        """A key pair for DEPLOYER at DIR/deployer.p8 (PKCS#8 PEM, 0600), its public half registered.

        Made when the file is missing (first start, or deleted to rotate): the new key then replaces
        DEPLOYER's RSA_PUBLIC_KEY. An existing file is left alone, as are keys set since with ALTER USER.
        """
        path = os.path.join(directory, "deployer.p8")
        if os.path.exists(path) and self.get(DEFAULT_USER) is not None:
            return
        if os.path.exists(path):
            with open(path, "rb") as f:
                private = serialization.load_pem_private_key(f.read(), password=None)
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        public_der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        record = self.get(DEFAULT_USER) or {"name": DEFAULT_USER, "created_on": now_iso(), "rsa_public_key_2": None,
                                             "comment": "", "default_role": "ACCOUNTADMIN"}
        record["rsa_public_key"] = base64.b64encode(public_der).decode("ascii")
        self.put(DEFAULT_USER, record)

    def verify(self, token: str) -> Principal:
        """The principal a key-pair JWT authenticates, or AuthError."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as e:
            raise AuthError() from e
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not isinstance(subject, str):
            raise AuthError()
        # iss = ACCOUNT.USER.SHA256:fp ; the fingerprint holds no dots (base64), the account may.
        prefix, _, key_fingerprint = issuer.rpartition(".")
        account, _, user = prefix.rpartition(".")
        if account.upper() != ACCOUNT or subject.upper() != f"{account}.{user}".upper():
            raise AuthError()
        record = self.get(user.upper())
        if record is None:
            raise AuthError()
        if record.get("disabled"):
            raise UserDisabled()
        keys = [k for k in (record.get("rsa_public_key"), record.get("rsa_public_key_2")) if k]
        matching = [k for k in keys if fingerprint(k) == key_fingerprint]
        if not matching:
            raise AuthError()
        try:
            verified = jwt.decode(
                token,
                key=load_public_key(matching[0]),
                algorithms=["RS256"],
                options={"require": ["iss", "sub", "iat", "exp"], "verify_iat": False},
            )
        except jwt.PyJWTError as e:
            raise AuthError() from e
        issued, expires = verified["iat"], verified["exp"]
        if not isinstance(issued, (int, float)) or not isinstance(expires, (int, float)):
            raise AuthError()
        if issued > time.time() + CLOCK_SKEW_SECONDS or expires - issued > MAX_LIFETIME_SECONDS:
            raise AuthError()
        return Principal(ACCOUNT, user.upper())
