"""The portal's signing keys: a local PKI for development, configured keys in production.

Development, the demo and the tests sign with a throwaway PKI made here: a
certificate authority, the portal's signing certificate and a timestamp
authority (TSA), written as PEM files into one directory. pyHanko's local
timestamper signs with RSA only, so the TSA key is always RSA; the CA and the
signer are ECDSA P-256 (fast) unless RSA is asked for.

Production never generates anything: it names a key, its certificate chain
and an RFC 3161 timestamp authority in settings (``EQUITY_SIGNING_*``,
``EQUITY_TSA_URL``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Algorithm = Literal["ecdsa", "rsa"]
ALGORITHMS: tuple[Algorithm, ...] = ("ecdsa", "rsa")

CA_CERT = "ca.cert.pem"
CA_KEY = "ca.key.pem"
SIGNER_CERT = "signer.cert.pem"
SIGNER_KEY = "signer.key.pem"
TSA_CERT = "tsa.cert.pem"
TSA_KEY = "tsa.key.pem"
DEVELOPMENT_FILES = (CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY, TSA_CERT, TSA_KEY)

VALIDITY = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where the signing material lives; ``tsa_*`` are empty when a TSA URL is used."""

    signer_key: Path
    signer_cert: Path
    chain: tuple[Path, ...]
    trust_roots: tuple[Path, ...]
    passphrase: bytes | None = None
    tsa_key: Path | None = None
    tsa_cert: Path | None = None


def _private_key(algorithm: Algorithm, *, rsa_bits: int = 3072):
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)


def _certificate(
    *,
    common_name: str,
    key,
    issuer_name: x509.Name | None,
    issuer_key,
    is_ca: bool,
    extended_usage: list[x509.ObjectIdentifier] | None,
    now: datetime,
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.EQUITY_PORTAL_NAME),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CA"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_development_pki(directory: Path, *, algorithm: Algorithm = "ecdsa") -> None:
    """Write a new local CA, signing certificate and TSA into ``directory`` (created).

    For development, the demo and the tests only; the files are unencrypted.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}")
    now = datetime.now(UTC)
    portal = settings.EQUITY_PORTAL_NAME
    ca_key = _private_key(algorithm)
    ca_cert = _certificate(
        common_name=f"{portal} development CA",
        key=ca_key,
        issuer_name=None,
        issuer_key=ca_key,
        is_ca=True,
        extended_usage=None,
        now=now,
    )
    signer_key = _private_key(algorithm)
    signer_cert = _certificate(
        common_name=f"{portal} document signing",
        key=signer_key,
        issuer_name=ca_cert.subject,
        issuer_key=ca_key,
        is_ca=False,
        extended_usage=None,
        now=now,
    )
    tsa_key = _private_key("rsa", rsa_bits=2048)
    tsa_cert = _certificate(
        common_name=f"{portal} development timestamp authority",
        key=tsa_key,
        issuer_name=ca_cert.subject,
        issuer_key=ca_key,
        is_ca=False,
        extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING],
        now=now,
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        CA_CERT: _pem_cert(ca_cert),
        CA_KEY: _pem_key(ca_key),
        SIGNER_CERT: _pem_cert(signer_cert),
        SIGNER_KEY: _pem_key(signer_key),
        TSA_CERT: _pem_cert(tsa_cert),
        TSA_KEY: _pem_key(tsa_key),
    }
    for name, content in files.items():
        path = directory / name
        path.write_bytes(content)
        if name.endswith(".key.pem"):
            path.chmod(0o600)


def development_keys_exist(directory: Path) -> bool:
    """Return whether ``directory`` holds a complete development PKI."""
    return all((directory / name).is_file() for name in DEVELOPMENT_FILES)


def ensure_development_keys(directory: Path | None = None) -> Path:
    """Create the development PKI in ``directory`` unless it is there; return the directory.

    Refused when the settings forbid generated keys (production). The PKI is
    written to a sibling temporary directory and renamed into place, so two
    processes starting at once never see half a PKI: the loser of the rename
    keeps the winner's.
    """
    if not settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS:
        raise ImproperlyConfigured(
            "Development signing keys are disabled here: set EQUITY_SIGNING_KEY, "
            "EQUITY_SIGNING_CERT and EQUITY_TSA_URL."
        )
    directory = Path(directory or settings.EQUITY_SIGNING_DIR)
    if development_keys_exist(directory):
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        write_development_pki(staging)
        if directory.exists() and not any(directory.iterdir()):
            directory.rmdir()
        try:
            os.rename(staging, directory)
        except OSError:
            if not development_keys_exist(directory):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def configured_key_files() -> KeyFiles:
    """Return the signing material the settings name, creating development keys if allowed."""
    if settings.EQUITY_SIGNING_KEY:
        if not settings.EQUITY_SIGNING_CERT:
            raise ImproperlyConfigured("EQUITY_SIGNING_KEY is set but EQUITY_SIGNING_CERT is not.")
        if not settings.EQUITY_TSA_URL:
            raise ImproperlyConfigured(
                "EQUITY_TSA_URL must name a timestamp authority when EQUITY_SIGNING_KEY is set."
            )
        chain = tuple(Path(path) for path in settings.EQUITY_SIGNING_CHAIN)
        roots = tuple(Path(path) for path in settings.EQUITY_SIGNING_TRUST_ROOTS) or chain[-1:]
        if not roots:
            raise ImproperlyConfigured(
                "Name the root certificate in EQUITY_SIGNING_TRUST_ROOTS or EQUITY_SIGNING_CHAIN."
            )
        passphrase = settings.EQUITY_SIGNING_KEY_PASSPHRASE
        return KeyFiles(
            signer_key=Path(settings.EQUITY_SIGNING_KEY),
            signer_cert=Path(settings.EQUITY_SIGNING_CERT),
            chain=chain,
            trust_roots=roots,
            passphrase=passphrase.encode() if passphrase else None,
        )
    directory = ensure_development_keys()
    local_tsa = not settings.EQUITY_TSA_URL
    return KeyFiles(
        signer_key=directory / SIGNER_KEY,
        signer_cert=directory / SIGNER_CERT,
        chain=(directory / CA_CERT,),
        trust_roots=(
            directory / CA_CERT,
            *(Path(path) for path in settings.EQUITY_SIGNING_TRUST_ROOTS),
        ),
        tsa_key=directory / TSA_KEY if local_tsa else None,
        tsa_cert=directory / TSA_CERT if local_tsa else None,
    )
