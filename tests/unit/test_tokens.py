"""Minting and verifying tokens: what a verified token means, and every way one is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth import VERIFIED_SECONDS, actor_from_header
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


def test_not_yet_valid_and_missing_claims_are_refused() -> None:
    keys = ring()
    assert keys.signing_key is not None
    now = int(time.time())
    future = jwt.encode(
        {"sub": "x", "iss": ISS, "aud": AUD, "iat": now, "nbf": now + 3600, "exp": now + 7200},
        keys.signing_key,
        algorithm="EdDSA",
        headers={"kid": keys.signing_kid},
    )
    with pytest.raises(InvalidToken, match="not yet valid"):
        verify_token(keys, future, issuer=ISS, audience=AUD)
    no_sub = jwt.encode(
        {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 60}, keys.signing_key, algorithm="EdDSA",
        headers={"kid": keys.signing_kid},
    )  # fmt: skip
    with pytest.raises(InvalidToken, match="sub"):
        verify_token(keys, no_sub, issuer=ISS, audience=AUD)


def test_an_hs256_token_signed_with_the_public_key_is_refused() -> None:
    keys = ring()
    public_pem = keys.verifying_keys[keys.signing_kid].public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    header = json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.signing_kid}).encode()
    claims = json.dumps({"sub": "eve", "iss": ISS, "aud": AUD, "iat": now, "exp": now + 60}).encode()
    signing_input = b".".join(jwt.utils.base64url_encode(p) for p in (header, claims))
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    forged = (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()
    with pytest.raises(InvalidToken):
        verify_token(keys, forged, issuer=ISS, audience=AUD)


def test_during_a_rotation_tokens_of_the_old_and_the_new_key_both_verify() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    both = {key_id(k.public_key()): k.public_key() for k in (old, new)}
    old_ring, new_ring = KeyRing(old, both), KeyRing(new, both)
    for signer in (old_ring, new_ring):
        assert verify_token(new_ring, mint(signer), issuer=ISS, audience=AUD).sub == "ada@example.org"
    assert len(new_ring.jwks()["keys"]) == 2


def counting_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The real verification, with a note of each token it was asked to check."""
    import api.auth

    checked: list[str] = []

    def verify(keys: KeyRing, token: str, *, issuer: str, audience: str) -> object:
        checked.append(token)
        return verify_token(keys, token, issuer=issuer, audience=audience)

    monkeypatch.setattr(api.auth, "verify_token", verify)
    return checked


def test_a_verified_token_is_answered_from_memory_for_at_most_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = counting_verifications(monkeypatch)
    keys = ring()
    header = f"Bearer {mint(keys, ttl=3600)}"
    now = time.time()
    first = actor_from_header(header, keys, issuer=ISS, audience=AUD, now=lambda: now)
    assert actor_from_header(header, keys, issuer=ISS, audience=AUD, now=lambda: now + 30) == first
    assert len(checked) == 1
    assert (
        actor_from_header(header, keys, issuer=ISS, audience=AUD, now=lambda: now + VERIFIED_SECONDS + 1)
        == first
    )
    assert len(checked) == 2


def test_a_token_is_remembered_no_longer_than_it_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = counting_verifications(monkeypatch)
    keys = ring()
    token = mint(keys, ttl=30)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    header = f"Bearer {token}"
    actor_from_header(header, keys, issuer=ISS, audience=AUD, now=time.time)
    actor_from_header(header, keys, issuer=ISS, audience=AUD, now=lambda: expires - 1.0)
    assert len(checked) == 1
    # Past its expiry the token is not answered from memory: it is checked again.
    actor_from_header(header, keys, issuer=ISS, audience=AUD, now=lambda: expires + 1.0)
    assert len(checked) == 2


def test_a_token_whose_key_is_withdrawn_is_refused_at_once() -> None:
    keys = ring()
    header = f"Bearer {mint(keys)}"
    actor_from_header(header, keys, issuer=ISS, audience=AUD)
    withdrawn = KeyRing(keys.signing_key, {})
    with pytest.raises(InvalidToken, match="key this registry does not know"):
        actor_from_header(header, withdrawn, issuer=ISS, audience=AUD)


def test_a_refused_token_is_not_remembered() -> None:
    keys, other = ring(), ring()
    header = f"Bearer {mint(other)}"
    for _ in range(2):
        with pytest.raises(InvalidToken, match="key this registry does not know"):
            actor_from_header(header, keys, issuer=ISS, audience=AUD)
