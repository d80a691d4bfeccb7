"""``python manage.py verify_document FILE``: exit 0 if the signatures are valid, else 1."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from equity.documents.selectors import document_matching
from equity.documents.verification import verify_pdf


class Command(BaseCommand):
    help = (
        "Verify a signed PDF: whether its signatures are intact and valid, who signed it, "
        "and which issued document it is."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        verification = verify_pdf(data)
        record = document_matching(verification.sha256)
        lines = [
            f"File:      {path}",
            f"SHA-256:   {verification.sha256}",
            f"Intact:    {'yes' if verification.intact else 'no'}",
            f"Valid:     {'yes' if verification.valid else 'no'}"
            + (f" ({verification.problem})" if verification.problem else ""),
            f"Signer:    {verification.signer or '—'}",
            f"Signed at: {verification.signed_at.isoformat() if verification.signed_at else '—'}",
        ]
        for number, report in enumerate(verification.signatures, start=1):
            lines.append(
                f"  signature {number} ({report.field}): {report.signer}; "
                f"intact={report.intact} valid={report.valid} trusted={report.trusted} "
                f"timestamped={report.timestamped} whole_file={report.covers_whole_file}"
            )
        if record is None:
            lines.append("Record:    none (this file was not issued by the module)")
        else:
            lines.append(
                f"Record:    {record.pk} — {record.kind} {record.subject} "
                f"v{record.version} {record.language}"
                + (f" {record.reference}" if record.reference else "")
            )
        self.stdout.write("\n".join(lines))
        if not verification.valid:
            raise SystemExit(1)
