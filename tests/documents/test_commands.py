"""``init_signing_keys`` and ``verify_document``; production keys come from settings only."""

from __future__ import annotations

import importlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.sign.timestamps import HTTPTimeStamper

from equity.documents.keys import (
    CA_CERT,
    DEVELOPMENT_FILES,
    SIGNER_CERT,
    SIGNER_KEY,
    TSA_CERT,
    write_development_pki,
)
from equity.documents.rendering import html_to_pdf
from equity.documents.signing import sign_pdf, signing_material
from equity.documents.verification import verify_pdf
from tests.documents.conftest import offering_document, stored_bytes
from tests.documents.pdftools import flipped, inside_first_stream, pdfsig


def _key(path):
    return load_pem_private_key(path.read_bytes(), password=None)


def test_init_signing_keys_creates_a_ca_a_signer_and_a_timestamp_authority(tmp_path, capsys):
    call_command("init_signing_keys", "--dir", str(tmp_path / "keys"))

    keys = tmp_path / "keys"
    assert sorted(p.name for p in keys.iterdir()) == sorted(DEVELOPMENT_FILES)
    assert isinstance(_key(keys / SIGNER_KEY), ec.EllipticCurvePrivateKey)
    signer = x509.load_pem_x509_certificate((keys / SIGNER_CERT).read_bytes())
    ca = x509.load_pem_x509_certificate((keys / CA_CERT).read_bytes())
    tsa = x509.load_pem_x509_certificate((keys / TSA_CERT).read_bytes())
    assert signer.issuer == ca.subject == tsa.issuer
    assert (keys / SIGNER_KEY).stat().st_mode & 0o077 == 0
    assert "Created a development CA" in capsys.readouterr().out


def test_init_signing_keys_keeps_existing_keys_unless_forced(tmp_path, capsys):
    keys = tmp_path / "keys"
    call_command("init_signing_keys", "--dir", str(keys))
    ca = (keys / CA_CERT).read_bytes()

    call_command("init_signing_keys", "--dir", str(keys))
    assert (keys / CA_CERT).read_bytes() == ca
    assert "nothing to do" in capsys.readouterr().out

    call_command("init_signing_keys", "--dir", str(keys), "--force")
    assert (keys / CA_CERT).read_bytes() != ca


def test_rsa_keys_sign_documents_that_pdfsig_and_our_verifier_accept(tmp_path, settings):
    keys = tmp_path / "rsa"
    call_command("init_signing_keys", "--dir", str(keys), "--algorithm", "rsa")
    assert isinstance(_key(keys / SIGNER_KEY), rsa.RSAPrivateKey)
    settings.EQUITY_SIGNING_DIR = keys

    signed = sign_pdf(html_to_pdf("<p>RSA</p>", language="en"), reason="test")

    assert [s.valid for s in pdfsig(signed)] == [True]
    assert verify_pdf(signed).valid


def test_init_signing_keys_refuses_where_keys_must_come_from_settings(tmp_path, settings):
    settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = False

    with pytest.raises(CommandError, match="EQUITY_SIGNING_KEY"):
        call_command("init_signing_keys", "--dir", str(tmp_path / "keys"))

    assert not (tmp_path / "keys").exists()


@pytest.mark.django_db
def test_verify_document_reports_a_valid_file_its_signer_and_its_record(opened, tmp_path, capsys):
    document = offering_document(opened, "fr")
    path = tmp_path / "offering.pdf"
    path.write_bytes(stored_bytes(document))

    call_command("verify_document", str(path))

    out = capsys.readouterr().out
    assert "Valid:     yes" in out
    assert "Intact:    yes" in out
    assert "Signer:    La Ruche Investissement document signing" in out
    assert f"Record:    {document.pk} — offering_document offering:{opened.pk} v1 fr" in out


@pytest.mark.django_db
def test_verify_document_exits_1_on_a_flipped_byte(opened, tmp_path, capsys):
    data = stored_bytes(offering_document(opened, "en"))
    path = tmp_path / "altered.pdf"
    path.write_bytes(flipped(data, inside_first_stream(data)))

    with pytest.raises(SystemExit) as exit_status:
        call_command("verify_document", str(path))

    assert exit_status.value.code == 1
    out = capsys.readouterr().out
    assert "Valid:     no (altered)" in out
    assert "Record:    none" in out


@pytest.mark.django_db
def test_verify_document_names_a_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_document", str(tmp_path / "missing.pdf"))


def test_production_settings_never_generate_keys_and_read_them_from_the_environment(
    monkeypatch,
):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "y" * 40)
    monkeypatch.setenv("EQUITY_SIGNING_KEY", "/etc/equity/signer.key.pem")
    monkeypatch.setenv("EQUITY_SIGNING_CERT", "/etc/equity/signer.cert.pem")
    monkeypatch.setenv("EQUITY_SIGNING_CHAIN", "/etc/equity/ca.cert.pem")
    monkeypatch.setenv("EQUITY_TSA_URL", "https://tsa.example/tsr")
    production = importlib.reload(importlib.import_module("config.settings.production"))

    assert production.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS is False
    assert production.EQUITY_SIGNING_KEY == "/etc/equity/signer.key.pem"
    assert production.EQUITY_SIGNING_CHAIN == ["/etc/equity/ca.cert.pem"]
    assert production.EQUITY_TSA_URL == "https://tsa.example/tsr"


def _production_like(settings, keys=None):
    settings.EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS = False
    settings.EQUITY_SIGNING_KEY = str(keys / SIGNER_KEY) if keys else ""
    settings.EQUITY_SIGNING_CERT = str(keys / SIGNER_CERT) if keys else ""
    settings.EQUITY_SIGNING_CHAIN = [str(keys / CA_CERT)] if keys else []
    settings.EQUITY_SIGNING_TRUST_ROOTS = []
    settings.EQUITY_TSA_URL = "https://tsa.example/tsr" if keys else ""


def test_without_configured_keys_production_refuses_to_sign_and_fails_its_checks(settings):
    _production_like(settings)

    with pytest.raises(ImproperlyConfigured):
        signing_material()
    errors = {error.id for error in run_checks() if error.id.startswith("documents.")}
    assert errors == {"documents.E001", "documents.E003"}


def test_configured_keys_sign_with_the_named_key_and_timestamp_authority(settings, tmp_path):
    keys = tmp_path / "issued-by-a-real-ca"
    write_development_pki(keys)
    _production_like(settings, keys)

    material = signing_material()

    assert isinstance(material.timestamper, HTTPTimeStamper)
    assert material.signer_name == "La Ruche Investissement document signing"
    assert [root.subject.native["common_name"] for root in material.trust_roots] == [
        "La Ruche Investissement development CA"
    ]
    assert not [error for error in run_checks() if error.id.startswith("documents.")]
    assert not (tmp_path / "signing").exists()
