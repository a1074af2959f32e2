"""Personal data sealed under a key per person, so erasing the key erases the data (crypto-shredding)."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

PREFIX = "sealed:v1:"
ERASED = "[erased]"


def seal_with(key: bytes, subject: str, text: str) -> str:
    """AES-GCM, with the subject as associated data: a sealed value cannot be moved to another person."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), subject.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_with(key: bytes | None, subject: str, value: str) -> str:
    """The plain text, or ERASED once the person's key is gone."""
    if not value.startswith(PREFIX):
        return value
    if key is None:
        return ERASED
    raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], subject.encode("utf-8")).decode("utf-8")
    except InvalidTag:
        return ERASED


class KeyVault:
    """The per-person keys, in PostgreSQL (`person_keys`); only services and the worker reach it."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore

    def seal(self, subject: str, text: str) -> str:
        key = self.key(subject)
        if key is None:
            key = AESGCM.generate_key(bit_length=256)
            with self.datastore.get_connection() as conn:
                conn.execute(
                    "INSERT INTO person_keys (subject, key) VALUES (%s, %s) ON CONFLICT (subject) DO NOTHING",
                    (subject, key),
                )
            key = self.key(subject)
            assert key is not None
        return seal_with(key, subject, text)

    def key(self, subject: str) -> bytes | None:
        with self.datastore.get_connection() as conn:
            row = conn.execute("SELECT key FROM person_keys WHERE subject = %s", (subject,)).fetchone()
        return bytes(row["key"]) if row else None

    def erase(self, subject: str) -> bool:
        with self.datastore.get_connection() as conn:
            return bool(conn.execute("DELETE FROM person_keys WHERE subject = %s", (subject,)).rowcount > 0)
