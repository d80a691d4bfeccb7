"""Verify a signed PDF: is every signature intact, valid, trusted and timestamped?

A document is *valid* when it holds at least one signature and every one of
them is intact (the signed bytes hash to the signed digest), cryptographically
valid, chained to a trusted root, and timestamped by a trusted authority;
when the last signature covers the whole file; and when no revision after an
earlier signature changed more than its certification allows.

One check goes beyond PDF readers such as pdfsig: the bytes a signature does
not cover (its own ``/Contents``) must hold the signature and zero padding
only. Otherwise a byte flipped in the padding would go unnoticed.

The verdict names the first problem found, most serious first: ``not_a_pdf``,
``unsigned``, ``altered``, ``untrusted``, ``not_timestamped``,
``changed_after_signing``; ``""`` when the document is valid.

Where the time goes: pyHanko reading the file's objects and mapping every
path to them in the revision the certification signature covers (the diff
analysis needs it, and it must be done), and the CMS and certificate checks.
:mod:`equity.documents.fast_paths` does five parts of that with less work and
the same results; every check pyHanko makes is still made.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from equity.documents.fast_paths import PdfReader
from equity.documents.signing import der_length, signing_material


@dataclass(frozen=True, slots=True)
class SignatureReport:
    """What one embedded signature says about the file."""

    field: str
    signer: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    timestamped: bool
    covers_whole_file: bool
    changes_allowed: bool


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one file."""

    sha256: str
    valid: bool
    intact: bool
    signer: str | None
    signed_at: datetime | None
    signatures: tuple[SignatureReport, ...]
    problem: str


def only_padding_after_signature(contents: bytes) -> bool:
    """Return whether ``contents`` is one DER signature followed by zero bytes only."""
    length = der_length(contents)
    return length is not None and length <= len(contents) and not contents[length:].strip(b"\0")


def _report(embedded, status: PdfSignatureStatus) -> SignatureReport:
    timestamp = status.timestamp_validity
    timestamped = bool(
        timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
    )
    signer = status.signing_cert.subject.native.get("common_name", "")
    return SignatureReport(
        field=embedded.field_name,
        signer=signer,
        signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
        intact=status.intact and only_padding_after_signature(embedded.pkcs7_content),
        valid=status.valid,
        trusted=status.trusted,
        timestamped=timestamped,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        changes_allowed=status.docmdp_ok or status.modification_level is None,
    )


def _problem(reports: tuple[SignatureReport, ...]) -> str:
    if not reports:
        return "unsigned"
    if not all(report.intact and report.valid for report in reports):
        return "altered"
    if not all(report.trusted for report in reports):
        return "untrusted"
    if not all(report.timestamped for report in reports):
        return "not_timestamped"
    if not reports[-1].covers_whole_file or not all(r.changes_allowed for r in reports):
        return "changed_after_signing"
    return ""


async def _validate(
    signatures: list[EmbeddedPdfSignature],
) -> tuple[SignatureReport, ...]:
    # A validation context per file: it validates certificates as of its creation.
    context = ValidationContext(
        trust_roots=list(signing_material().trust_roots), allow_fetching=False
    )
    return tuple(
        [
            _report(
                embedded,
                await async_validate_pdf_signature(
                    embedded, signer_validation_context=context, ts_validation_context=context
                ),
            )
            for embedded in signatures
        ]
    )


def verify_pdf(data: bytes) -> Verification:
    """Return the verdict on the PDF ``data``, trusting the configured roots only."""
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        # One event loop for every signature; pyHanko's synchronous call starts one each.
        reports = asyncio.run(_validate(reader.embedded_signatures))
    except Exception:  # hostile input reaches the parser: any failure to read is a verdict
        return Verification(
            sha256=sha256,
            valid=False,
            intact=False,
            signer=None,
            signed_at=None,
            signatures=(),
            problem="altered" if data.startswith(b"%PDF-") else "not_a_pdf",
        )
    problem = _problem(reports)
    last = reports[-1] if reports else None
    return Verification(
        sha256=sha256,
        valid=problem == "",
        intact=bool(reports) and all(report.intact for report in reports),
        signer=last.signer if last else None,
        signed_at=last.signed_at if last else None,
        signatures=reports,
        problem=problem,
    )
