"""Signing keys and JWTs: development keys made in the data folder, tokens minted and verified with EdDSA."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.actors import Actor, Role

ALGORITHMS = ["EdDSA"]
LEEWAY_SECONDS = 30
DEFAULT_TTL_SECONDS = 3600


class InvalidToken(Exception):
    """A bearer token that fails verification; the request is refused, never served anonymously."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new tokens and every key (by kid) that verifies them."""

    signing_key: Ed25519PrivateKey | None
    verifying_keys: dict[str, Ed25519PublicKey]

    @property
    def signing_kid(self) -> str:
        if self.signing_key is None:
            raise InvalidToken("this instance has no signing key")
        return key_id(self.signing_key.public_key())

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JSON Web Key Set, for integrators and identity tooling."""
        keys = []
        for kid, public in sorted(self.verifying_keys.items()):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            x = jwt.utils.base64url_encode(raw).decode()
            keys.append({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})
        return {"keys": keys}


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def development_keys(home: Path) -> KeyRing:
    """Load the data folder's keys, generating the first one; every *.pem there verifies tokens."""
    folder = home / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    pems = sorted(folder.glob("*.pem"))
    if not pems:
        key = Ed25519PrivateKey.generate()
        path = folder / f"{key_id(key.public_key())}.pem"
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written with owner-only permissions: it signs admin tokens for this instance.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        pems = [path]
    keys = [_load_private(p) for p in pems]
    # The newest file signs; older ones still verify, so a rotation needs no downtime.
    newest = max(zip(pems, keys, strict=True), key=lambda pk: pk[0].stat().st_mtime)[1]
    return KeyRing(newest, {key_id(k.public_key()): k.public_key() for k in keys})


def configured_keys(jwks_path: Path, private_key_path: Path | None) -> KeyRing:
    """Production keys: a JWKS file to verify with and, optionally, a key to sign with."""
    document = json.loads(jwks_path.read_text())
    verifying: dict[str, Ed25519PublicKey] = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            raw = jwt.utils.base64url_decode(jwk["x"])
            verifying[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    if not verifying:
        raise ValueError(f"{jwks_path} holds no Ed25519 key")
    signing = _load_private(private_key_path) if private_key_path else None
    return KeyRing(signing, verifying)


def load_keys(home: Path, *, production: bool) -> KeyRing:
    jwks = os.environ.get("COMPACTS_JWKS_FILE")
    private = os.environ.get("COMPACTS_JWT_PRIVATE_KEY_FILE")
    if jwks:
        return configured_keys(Path(jwks), Path(private) if private else None)
    if production:
        raise SystemExit(
            "COMPACTS_MODE=production needs COMPACTS_JWKS_FILE (and COMPACTS_JWT_PRIVATE_KEY_FILE "
            "to mint tokens); it never generates its own keys."
        )
    return development_keys(home)


def mint_token(
    keys: KeyRing,
    *,
    sub: str,
    roles: list[str],
    tenants: list[str],
    issuer: str,
    audience: str,
    ttl: int = DEFAULT_TTL_SECONDS,
) -> str:
    if keys.signing_key is None:
        raise InvalidToken("this instance has no signing key to mint tokens with")
    now = int(time.time())
    # A negative ttl is for testing integrations: expired by more than the verifier's leeway.
    expires = now + ttl if ttl >= 0 else now + ttl - LEEWAY_SECONDS - 1
    issued = now if ttl >= 0 else expires - 60
    claims = {
        "sub": sub,
        "roles": roles,
        "tenants": tenants,
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": expires,
    }
    return jwt.encode(claims, keys.signing_key, algorithm="EdDSA", headers={"kid": keys.signing_kid})


def verify_token(keys: KeyRing, token: str, *, issuer: str, audience: str) -> Actor:
    """The actor a token stands for; any flaw raises InvalidToken with a reason a person can use."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("The bearer token is not a JWT.") from error
    kid = header.get("kid")
    public = keys.verifying_keys.get(kid) if isinstance(kid, str) else None
    if public is None:
        raise InvalidToken("The bearer token was signed with a key this registry does not know.")
    try:
        claims = jwt.decode(
            token,
            public,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("The bearer token has expired; ask for a new one.") from error
    except jwt.PyJWTError as error:
        raise InvalidToken(f"The bearer token was refused: {error}.") from error
    raw_roles = claims.get("roles", claims.get("role", []))
    raw_roles = [raw_roles] if isinstance(raw_roles, str) else raw_roles
    roles = frozenset(Role(r) for r in raw_roles if r in {role.value for role in Role})
    tenants = claims.get("tenants", [])
    if not isinstance(tenants, list) or not all(isinstance(t, str) for t in tenants):
        raise InvalidToken("The bearer token's 'tenants' claim must be a list of slugs.")
    return Actor(sub=str(claims["sub"]), roles=roles, tenants=frozenset(tenants))
