"""Embedded PAdES signatures (B-T: with a timestamp) by the portal's signing key.

The signer, the timestamper and the trust roots are loaded once per process
(and again when a test changes the settings they come from). pyHanko parses
the private key again for every signature, which for RSA costs more than the
signature itself, so the signer and the local timestamp authority below keep
the parsed key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from io import BytesIO

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError, as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from equity.documents.keys import configured_key_files

CERTIFICATION_FIELD = "IssuerCertification"
PORTAL_FIELD = "PortalSignature"

_SETTINGS = {
    "EQUITY_SIGNING_DIR",
    "EQUITY_SIGNING_CREATE_DEVELOPMENT_KEYS",
    "EQUITY_SIGNING_KEY",
    "EQUITY_SIGNING_KEY_PASSPHRASE",
    "EQUITY_SIGNING_CERT",
    "EQUITY_SIGNING_CHAIN",
    "EQUITY_SIGNING_TRUST_ROOTS",
    "EQUITY_TSA_URL",
    "EQUITY_PORTAL_NAME",
}


def _parsed(key_info) -> object:
    return serialization.load_der_private_key(key_info.dump(), password=None)


class PortalSigner(signers.SimpleSigner):
    """pyHanko's signer, signing RSA PKCS#1 v1.5 and ECDSA with a key parsed once."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._private_key = _parsed(self.signing_key)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(digest))
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), digest)
        return super().sign_raw(data, digest_algorithm)


class LocalTimeStamper(DummyTimeStamper):
    """The development timestamp authority: pyHanko's local one, with its key parsed once."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._private_key = _parsed(self.tsa_key)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt) -> tuple[bytes, object]:
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", _digest(tst_info_data, md_algorithm)),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm)
        )
        return signature, signed_attrs


def _digest(data: bytes, md_algorithm: str) -> bytes:
    digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
    digest.update(data)
    return digest.finalize()


@dataclass(frozen=True, slots=True)
class SigningMaterial:
    """What a signature needs: the signer, its timestamper, and the roots that verify both."""

    signer: signers.SimpleSigner
    timestamper: TimeStamper
    trust_roots: tuple[asn1_x509.Certificate, ...]
    reserved: dict[str, int] = field(default_factory=dict)
    """Room to reserve for each signature field, learnt from the first signature made."""

    @property
    def signer_name(self) -> str:
        """Return the common name of the portal's signing certificate."""
        return self.signer.signing_cert.subject.native.get("common_name", "")


@dataclass(frozen=True, slots=True)
class Certification:
    """The issuer's certification of an offering document (R16), sealed by the portal."""

    individual: str
    reason: str


@cache
def signing_material() -> SigningMaterial:
    """Return the configured signing material, loading it on first use."""
    files = configured_key_files()
    chain = [cert for path in files.chain for cert in load_certs_from_pemder([str(path)])]
    signer = PortalSigner(
        signing_cert=load_cert_from_pemder(str(files.signer_cert)),
        signing_key=load_private_key_from_pemder(str(files.signer_key), files.passphrase),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    roots = tuple(
        cert for path in files.trust_roots for cert in load_certs_from_pemder([str(path)])
    )
    timestamper: TimeStamper
    if files.tsa_key is not None and files.tsa_cert is not None:
        timestamper = LocalTimeStamper(
            tsa_cert=load_cert_from_pemder(str(files.tsa_cert)),
            tsa_key=load_private_key_from_pemder(str(files.tsa_key), None),
            certs_to_embed=SimpleCertificateStore.from_certs(chain),
        )
    else:
        timestamper = HTTPTimeStamper(settings.EQUITY_TSA_URL)
    return SigningMaterial(signer=signer, timestamper=timestamper, trust_roots=roots)


@receiver(setting_changed)
def _forget_signing_material(*, setting: str, **kwargs: object) -> None:
    if setting in _SETTINGS:
        signing_material.cache_clear()


def der_length(data: bytes) -> int | None:
    """Return the length of the DER value at the start of ``data``, header included."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    size = first & 0x7F
    if size == 0 or size > 4 or len(data) < 2 + size:
        return None
    return 2 + size + int.from_bytes(data[2 : 2 + size], "big")


def _last_signature_size(signed: bytes) -> int | None:
    start = signed.rfind(b"/Contents <") + len(b"/Contents <")
    end = signed.find(b">", start)
    if start < len(b"/Contents <") or end < 0:
        return None
    return der_length(bytes.fromhex(signed[start:end].decode("ascii")))


def _sign(pdf: bytes, metadata: signers.PdfSignatureMetadata) -> bytes:
    """Sign once; reserve the room the last signature of this field needed, plus a margin.

    pyHanko otherwise sizes every signature by making a whole trial signature
    first. Should a signature ever outgrow the room, it is made again the slow way.
    """
    material = signing_material()
    reserved = material.reserved.get(metadata.field_name)
    try:
        signed = _sign_reserving(pdf, metadata, material, reserved)
    except SigningError:
        if reserved is None:
            raise
        reserved = None
        signed = _sign_reserving(pdf, metadata, material, None)
    if reserved is None:
        size = _last_signature_size(signed)
        if size is not None:
            # Hex digits: two per byte; a quarter more for a longer timestamp or chain.
            material.reserved[metadata.field_name] = 2 * (size + size // 4 + 512)
    return signed


def _sign_reserving(
    pdf: bytes,
    metadata: signers.PdfSignatureMetadata,
    material: SigningMaterial,
    reserved: int | None,
) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output = BytesIO()
    signers.PdfSigner(metadata, signer=material.signer, timestamper=material.timestamper).sign_pdf(
        writer, bytes_reserved=reserved, output=output
    )
    return output.getvalue()


def sign_pdf(pdf: bytes, *, reason: str, certification: Certification | None = None) -> bytes:
    """Return ``pdf`` signed by the portal, PAdES B-T, covering the whole file.

    With ``certification``, the document is first certified (a DocMDP
    signature that still allows the portal's signature after it) in the name
    of the issuer's authorized individual, then signed by the portal.
    """
    if certification is not None:
        pdf = _sign(
            pdf,
            signers.PdfSignatureMetadata(
                field_name=CERTIFICATION_FIELD,
                subfilter=SigSeedSubFilter.PADES,
                md_algorithm="sha256",
                certify=True,
                docmdp_permissions=MDPPerm.FILL_FORMS,
                name=certification.individual,
                reason=certification.reason,
            ),
        )
    return _sign(
        pdf,
        signers.PdfSignatureMetadata(
            field_name=PORTAL_FIELD,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=settings.EQUITY_PORTAL_NAME,
            reason=reason,
        ),
    )
