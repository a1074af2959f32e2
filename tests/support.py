"""Helpers the tests share: polling for a condition, reading rows, pausing the worker, TLS certificates."""

from __future__ import annotations

import datetime
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from infra.database import Database
from projections.worker import ProjectionWorker, progress


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def run_threads(target: Callable[[int], object], count: int) -> None:
    """Run `target(0)` to `target(count - 1)` in threads of their own, and wait for them all."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def rows(db: Database, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        return conn.execute(query).fetchall()


def tracked(db: Database, name: str) -> int:
    return progress(db)[name][0]


def all_tracked(db: Database) -> dict[str, int]:
    return {name: at for name, (at, _due) in progress(db).items()}


def all_due(db: Database) -> dict[str, int]:
    """Where each read model's tracking must be once it has projected every stored event it handles."""
    return {name: due for name, (_at, due) in progress(db).items()}


@contextmanager
def paused(worker: ProjectionWorker) -> Iterator[None]:
    """Stop the session's worker for a test that runs its own, and start it again after."""
    worker.stop()
    try:
        yield
    finally:
        worker.stopping.clear()
        worker.start()


@dataclass(frozen=True)
class Certificates:
    """A certificate authority of a test's own and a server certificate it signed for 127.0.0.1."""

    ca: Path
    cert: Path
    key: Path


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificates(folder: Path, authority: str = "Compact Registry test CA") -> Certificates:
    """Write ca.pem, server.crt and server.key (for 127.0.0.1 and localhost) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, authority)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    made = Certificates(folder / "ca.pem", folder / "server.crt", folder / "server.key")
    made.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(_pem(key))
    made.key.chmod(0o600)
    return made
