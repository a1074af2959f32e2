"""Minting and verifying tokens: what a verified token means, and every way one is refused."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.actors import Role
from infra.tokens import InvalidToken, KeyRing, key_id, mint_token, verify_token

ISS, AUD = "compact-registry", "compact-registry"


def ring() -> KeyRing:
    key = Ed25519PrivateKey.generate()
    return KeyRing(key, {key_id(key.public_key()): key.public_key()})


def mint(keys: KeyRing, **overrides: object) -> str:
    args: dict[str, object] = {
        "sub": "ada@example.org",
        "roles": ["editor"],
        "tenants": ["harlow"],
        "issuer": ISS,
        "audience": AUD,
    }
    args.update(overrides)
    return mint_token(keys, **args)  # type: ignore[arg-type]


def test_a_minted_token_verifies_to_its_actor() -> None:
    keys = ring()
    actor = verify_token(keys, mint(keys), issuer=ISS, audience=AUD)
    assert actor.sub == "ada@example.org"
    assert actor.roles == frozenset({Role.EDITOR})
    assert actor.tenants == frozenset({"harlow"})
    assert actor.can_edit("harlow")
    assert not actor.can_edit("essex")


def test_a_negative_ttl_mints_an_expired_token() -> None:
    keys = ring()
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(keys, mint(keys, ttl=-1), issuer=ISS, audience=AUD)


def test_a_token_from_another_key_is_refused() -> None:
    with pytest.raises(InvalidToken, match="does not know"):
        verify_token(ring(), mint(ring()), issuer=ISS, audience=AUD)


def test_wrong_audience_or_issuer_is_refused() -> None:
    keys = ring()
    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        verify_token(keys, mint(keys, audience="elsewhere"), issuer=ISS, audience=AUD)
    with pytest.raises(InvalidToken, match=r"(?i)issuer"):
        verify_token(keys, mint(keys, issuer="elsewhere"), issuer=ISS, audience=AUD)


def test_alg_none_and_garbage_are_refused() -> None:
    keys = ring()
    now = int(time.time())
    header = json.dumps({"alg": "none", "typ": "JWT", "kid": keys.signing_kid}).encode()
    claims = json.dumps({"sub": "x", "iss": ISS, "aud": AUD, "iat": now, "exp": now + 60}).encode()
    unsigned = ".".join(jwt.utils.base64url_encode(part).decode() for part in (header, claims)) + "."
    with pytest.raises(InvalidToken):
        verify_token(keys, unsigned, issuer=ISS, audience=AUD)
    with pytest.raises(InvalidToken, match="not a JWT"):
        verify_token(keys, "garbage", issuer=ISS, audience=AUD)


def test_a_tampered_payload_is_refused() -> None:
    keys = ring()
    header, _payload, signature = mint(keys).split(".")
    forged_claims = jwt.utils.base64url_encode(
        b'{"sub":"eve","roles":["platform-admin"],"iss":"compact-registry","aud":"compact-registry",'
        b'"iat":1,"exp":99999999999}'
    ).decode()
    with pytest.raises(InvalidToken):
        verify_token(keys, f"{header}.{forged_claims}.{signature}", issuer=ISS, audience=AUD)


def test_jwks_lists_the_verifying_key_by_kid() -> None:
    keys = ring()
    (jwk,) = keys.jwks()["keys"]
    assert jwk["kid"] == keys.signing_kid
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
