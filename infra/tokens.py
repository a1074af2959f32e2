"""Signing keys and JWTs: development keys made in the data folder, tokens minted and verified with EdDSA."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import AllowedPublicKeys

from domain.actors import Actor, Role
from domain.payloads import JSONValue
from domain.tenancy import SLUG_PATTERN
from domain.text import disguised
from infra.settings import Settings

ALGORITHMS = ["EdDSA"]
LEEWAY_SECONDS = 30
DEFAULT_TTL_SECONDS = 3600
# No token lives longer than this, whoever issued it (`COMPACTS_MAX_TOKEN_SECONDS`): a stolen token
# that never expires is a key to the registry for good.
MAX_TOKEN_SECONDS = 86_400
SUB_MAX = 255


class InvalidToken(Exception):
    """A bearer token that fails verification; the request is refused, never served anonymously."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class JWK(TypedDict):
    """One public key of a JSON Web Key Set (RFC 8037's Ed25519 form)."""

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JWKS(TypedDict):
    keys: list[JWK]


# A token's claims as JSON, nested claims included (`realm_access.roles`).
Claims = Mapping[str, JSONValue]


@dataclass(frozen=True)
class ExternalIssuer:
    """A council's own sign-in: its issuer, its JWKS by URL, and where its tokens keep our claims."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    jwks: jwt.PyJWKClient
    sub_claim: str = "sub"
    roles_claim: str = "roles"
    tenants_claim: str = "tenants"

    @classmethod
    def from_settings(cls, settings: Settings) -> ExternalIssuer | None:
        if settings.idp_issuer is None or settings.idp_jwks_url is None:
            return None
        return cls(
            issuer=settings.idp_issuer,
            audience=settings.idp_audience or settings.jwt_audience,
            algorithms=settings.idp_algorithms,
            # Keys are cached by kid; an unknown kid fetches the set again (a rotation), at most
            # every 30 s so that tokens with made-up kids cannot make us hammer the provider.
            jwks=jwt.PyJWKClient(
                settings.idp_jwks_url,
                cache_keys=True,
                lifespan=300,
                timeout=settings.idp_jwks_timeout,
                cooldown_duration=30,
            ),
            sub_claim=settings.idp_sub_claim,
            roles_claim=settings.idp_roles_claim,
            tenants_claim=settings.idp_tenants_claim,
        )


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new tokens, every key (by kid) that verifies them, and any external issuer."""

    signing_key: Ed25519PrivateKey | None
    verifying_keys: dict[str, Ed25519PublicKey]
    external: ExternalIssuer | None = None
    max_token_seconds: int = MAX_TOKEN_SECONDS

    @property
    def signing_kid(self) -> str:
        if self.signing_key is None:
            raise InvalidToken("this instance has no signing key")
        return key_id(self.signing_key.public_key())

    def jwks(self) -> JWKS:
        """The public keys as a JSON Web Key Set, for integrators and identity tooling."""
        keys: list[JWK] = []
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


def load_keys(settings: Settings) -> KeyRing:
    """The keys the settings name; in development, the data folder's own, generated on first use."""
    external = ExternalIssuer.from_settings(settings)
    if settings.jwks_file is not None:
        ring = configured_keys(settings.jwks_file, settings.jwt_private_key_file)
    elif settings.production:
        raise SystemExit(
            "COMPACTS_MODE=production needs COMPACTS_JWKS_FILE (and COMPACTS_JWT_PRIVATE_KEY_FILE "
            "to mint tokens); it never generates its own keys."
        )
    else:
        ring = development_keys(settings.home)
    return KeyRing(ring.signing_key, ring.verifying_keys, external, settings.max_token_seconds)


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
    if ttl > keys.max_token_seconds:
        raise InvalidToken(
            f"A token may live at most {keys.max_token_seconds} seconds here (COMPACTS_MAX_TOKEN_SECONDS); "
            f"ask for a shorter --ttl than {ttl}."
        )
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


def _claim(claims: Claims, path: str) -> JSONValue:
    """A claim by name, or by a dotted path into nested claims (`realm_access.roles`)."""
    value: JSONValue = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _printable(value: str) -> bool:
    return value.isprintable() and not disguised(value)


def _actor(claims: Claims, sub_claim: str, roles_claim: str, tenants_claim: str) -> Actor:
    sub = _claim(claims, sub_claim)
    if not isinstance(sub, str) or not sub:
        raise InvalidToken(f"The bearer token has no '{sub_claim}' claim naming who it is for.")
    if len(sub) > SUB_MAX or not _printable(sub):
        raise InvalidToken(
            f"The bearer token's '{sub_claim}' claim must be up to {SUB_MAX} printable characters."
        )
    raw_roles = _claim(claims, roles_claim)
    if raw_roles is None and roles_claim == "roles":
        raw_roles = claims.get("role", [])
    raw_roles = [raw_roles] if isinstance(raw_roles, str) else (raw_roles or [])
    if not isinstance(raw_roles, list):
        raise InvalidToken(f"The bearer token's '{roles_claim}' claim must be a list of roles.")
    known = {role.value for role in Role}
    roles = frozenset(Role(r) for r in raw_roles if isinstance(r, str) and r in known)
    tenants = _claim(claims, tenants_claim)
    tenants = [] if tenants is None else tenants
    # Each tenant whole, as a slug: a tenant named "essex,harrow" must never read as two.
    if not isinstance(tenants, list) or not all(
        isinstance(t, str) and SLUG_PATTERN.fullmatch(t) for t in tenants
    ):
        raise InvalidToken(
            f"The bearer token's '{tenants_claim}' claim must be a list of tenant slugs (2 to 63 characters "
            "of a-z, 0-9 and '-', starting with a letter)."
        )
    issuer = claims.get("iss")
    return Actor(
        sub=sub, roles=roles, tenants=frozenset(tenants), issuer=issuer if isinstance(issuer, str) else None
    )


def _decode(
    token: str,
    key: AllowedPublicKeys,
    algorithms: list[str],
    *,
    issuer: str,
    audience: str,
    max_seconds: int,
) -> Claims:
    try:
        claims: Claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("The bearer token has expired; ask for a new one.") from error
    except jwt.PyJWTError as error:
        raise InvalidToken(f"The bearer token was refused: {error}.") from error
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise InvalidToken("The bearer token's 'iat' and 'exp' claims must be numbers.")
    # Both from the issue date and from now: a token dated in the past cannot stretch its life either.
    if expires - issued > max_seconds or expires - time.time() > max_seconds + LEEWAY_SECONDS:
        raise InvalidToken(
            f"The bearer token lives longer than the {max_seconds} seconds this registry allows; "
            "ask for one with a shorter lifetime."
        )
    return claims


def _external(ext: ExternalIssuer, token: str, max_seconds: int) -> Actor:
    try:
        signing = ext.jwks.get_signing_key_from_jwt(token)
    except jwt.PyJWKClientError as error:
        raise InvalidToken(f"The identity provider's keys do not verify this token: {error}.") from error
    except jwt.PyJWTError as error:
        raise InvalidToken("The bearer token is not a JWT.") from error
    claims = _decode(
        token,
        signing.key,
        list(ext.algorithms),
        issuer=ext.issuer,
        audience=ext.audience,
        max_seconds=max_seconds,
    )
    return _actor(claims, ext.sub_claim, ext.roles_claim, ext.tenants_claim)


def for_external_issuer(keys: KeyRing, token: str) -> bool:
    """Whether the token claims to come from the council's sign-in (as verify_token routes it), whose keys
    may have to be fetched from the provider before it can be verified."""
    if keys.external is None:
        return False
    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return False
    return bool(claimed == keys.external.issuer)


def verify_token(keys: KeyRing, token: str, *, issuer: str, audience: str) -> Actor:
    """The actor a token stands for; any flaw raises InvalidToken with a reason a person can use."""
    try:
        header = jwt.get_unverified_header(token)
        # Only to route the token to the issuer whose keys must verify it; nothing is trusted yet.
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as error:
        raise InvalidToken("The bearer token is not a JWT.") from error
    if keys.external is not None and claimed == keys.external.issuer:
        return _external(keys.external, token, keys.max_token_seconds)
    kid = header.get("kid")
    public = keys.verifying_keys.get(kid) if isinstance(kid, str) else None
    if public is None:
        raise InvalidToken("The bearer token was signed with a key this registry does not know.")
    claims = _decode(
        token, public, ALGORITHMS, issuer=issuer, audience=audience, max_seconds=keys.max_token_seconds
    )
    return _actor(claims, "sub", "roles", "tenants")
