"""The officers' downloads: one table per export, as CSV or as PDF, each download audited.

An export is a :class:`Table` of raw values (cents, dates, codes). The CSV
keeps them machine-readable (UTF-8 with a BOM so Excel reads the accents; an
amount appears twice, in cents and in dollars); the PDF lays the same rows
out in the officer's language. Downloading personal data is a decision to
trail, so every download is an audit event (``export.downloaded``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from equity import clock
from equity.accounts.templatetags.pages import dollars
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.console import filings_due, offerings_register
from equity.documents.content import regulator
from equity.documents.rendering import html_to_pdf
from equity.escrow.selectors import outstanding_refunds, securities_registers
from equity.exceptions import NotFound
from equity.offerings.models import OfferingState, SecurityType

FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``kind`` is text, money (cents), date, datetime, yes_no or a choices class."""

    key: str
    label: str
    kind: str = "text"
    choices: type | None = None
    in_pdf: bool = True


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one export and the notes its PDF prints above them."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[object, ...]]
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file ready to download."""

    filename: str
    content_type: str
    content: bytes


def _offerings(as_of: datetime) -> Table:
    columns = (
        Column("offering_id", _("Offering")),
        Column("title", _("Title")),
        Column("issuer", _("Issuer")),
        Column("state", _("State"), choices=OfferingState),
        Column("security_type", _("Security"), choices=SecurityType),
        Column("minimum", _("Minimum"), "money"),
        Column("maximum", _("Maximum"), "money"),
        Column("raised", _("Raised"), "money"),
        Column("rulebook", _("Rulebook")),
        Column("submitted_at", _("Submitted"), "datetime"),
        Column("approved_at", _("Approved"), "datetime"),
        Column("opened_at", _("Opened"), "datetime"),
        Column("closes_at", _("Distribution ends"), "datetime"),
        Column("closed_at", _("Closed"), "datetime"),
        Column("cancelled_at", _("Cancelled"), "datetime"),
    )
    rows = [
        (
            offering.pk,
            offering.title,
            offering.issuer.legal_name,
            offering.state,
            offering.security_type,
            offering.minimum_amount_cents,
            offering.maximum_amount_cents,
            offering.raised_cents,
            str(offering.rulebook) if offering.rulebook else offering.rulebook_code,
            offering.submitted_at,
            offering.approved_at,
            offering.opened_at,
            offering.closes_at,
            offering.closed_at,
            offering.cancelled_at,
        )
        for offering in offerings_register()
    ]
    return Table("offerings", _("Offerings"), columns, rows)


def _filings(as_of: datetime) -> Table:
    today = timezone.localtime(as_of).date()
    language = translation.get_language() or "fr"
    columns = (
        Column("offering_id", _("Offering")),
        Column("title", _("Title")),
        Column("issuer", _("Issuer")),
        Column("closed_on", _("Closed on"), "date"),
        Column("jurisdiction", _("Jurisdiction")),
        Column("regulator", _("Regulator")),
        Column("purchasers", _("Purchasers")),
        Column("securities", _("Securities")),
        Column("amount", _("Amount"), "money"),
        Column("filing_deadline", _("Filing deadline"), "date"),
        Column("days_left", _("Days left")),
    )
    rows = [
        (
            facts.offering_id,
            facts.offering_title,
            facts.issuer_name,
            facts.closed_on,
            total.province,
            regulator(total.province, language[:2]),
            total.purchasers,
            total.securities,
            total.amount_cents,
            facts.filing_deadline,
            (facts.filing_deadline - today).days,
        )
        for facts in filings_due(as_of=today)
        for total in facts.totals
    ]
    return Table(
        "filings",
        _("Filings due"),
        columns,
        rows,
        notes=(
            _(
                "R17: the issuer files the offering document with the regulator of each "
                "jurisdiction where the distribution took place, by the deadline."
            ),
        ),
    )


def _refunds(as_of: datetime) -> Table:
    columns = (
        Column("disbursement_id", _("Refund")),
        Column("offering_id", _("Offering")),
        Column("offering", _("Title")),
        Column("subscription_id", _("Subscription")),
        Column("payee", _("Purchaser")),
        Column("payee_email", _("Email")),
        Column("amount", _("Amount"), "money"),
        Column("reason", _("Reason")),
        Column("instructed_at", _("Instructed"), "datetime"),
        Column("due_by", _("Due by"), "datetime"),
        Column("overdue", _("Overdue"), "yes_no"),
    )
    rows = [
        (
            refund.pk,
            refund.offering_id,
            refund.offering.title if refund.offering else "",
            refund.subscription_id,
            refund.payee.full_name if refund.payee else "",
            refund.payee.email if refund.payee else "",
            refund.amount_cents,
            refund.reason,
            refund.instructed_at,
            refund.due_by,
            refund.overdue,
        )
        for refund in outstanding_refunds()
    ]
    return Table(
        "refunds",
        _("Refunds outstanding"),
        columns,
        rows,
        notes=(_("R13: refunds are returned without deduction and instructed promptly."),),
    )


def _register(as_of: datetime) -> Table:
    columns = (
        Column("offering_id", _("Offering")),
        Column("offering", _("Title")),
        Column("certificate_number", _("Certificate")),
        Column("holder", _("Holder")),
        Column("holder_email", _("Email")),
        Column("security_class", _("Class"), choices=SecurityType),
        Column("quantity", _("Quantity")),
        Column("amount", _("Amount"), "money"),
        Column("issued_on", _("Issued on"), "date"),
        Column("legend", _("Resale legend (R18)"), in_pdf=False),
    )
    holdings = list(securities_registers())
    rows = [
        (
            holding.offering_id,
            holding.offering.title,
            holding.certificate_number,
            holding.holder.full_name,
            holding.holder.email,
            holding.security_class,
            holding.quantity,
            holding.subscription.amount_cents,
            holding.issued_on,
            holding.legend,
        )
        for holding in holdings
    ]
    legends = tuple(dict.fromkeys(holding.legend for holding in holdings))
    return Table(
        "register",
        _("Securities register"),
        columns,
        rows,
        notes=tuple(_("Resale legend (R18): %(legend)s") % {"legend": text} for text in legends),
    )


EXPORTS: dict[str, tuple[str, Callable[[datetime], Table]]] = {
    "offerings": (gettext_lazy("Offerings"), _offerings),
    "filings": (gettext_lazy("Filings due (R17)"), _filings),
    "refunds": (gettext_lazy("Refunds outstanding (R13)"), _refunds),
    "register": (gettext_lazy("Securities register (R18)"), _register),
}
"""Every export by its name in the URL, with its title on the exports page."""


def _csv_header(columns: Iterable[Column]) -> list[str]:
    header = []
    for column in columns:
        if column.kind == "money":
            header += [f"{column.key}_cents", f"{column.key}_dollars"]
        else:
            header.append(column.key)
    return header


def _csv_cells(columns: Sequence[Column], row: Sequence[object]) -> list[object]:
    cells: list[object] = []
    for column, value in zip(columns, row, strict=True):
        if column.kind == "money":
            cells += [value, f"{value // 100}.{value % 100:02d}"]
        elif value is None:
            cells.append("")
        elif isinstance(value, datetime):
            cells.append(value.astimezone(timezone.get_current_timezone()).isoformat())
        elif isinstance(value, date):
            cells.append(value.isoformat())
        elif isinstance(value, bool):
            cells.append("yes" if value else "no")
        else:
            cells.append(value)
    return cells


def table_csv(table: Table) -> bytes:
    """Return ``table`` as CSV: a header row, UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_csv_header(table.columns))
    for row in table.rows:
        writer.writerow(_csv_cells(table.columns, row))
    return buffer.getvalue().encode("utf-8-sig")


def _display(column: Column, value: object) -> str:
    if value is None or value == "":
        return "—"
    if column.kind == "money":
        return dollars(value)
    if column.kind == "datetime":
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if column.kind == "date":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if column.kind == "yes_no":
        return _("yes") if value else _("no")
    if column.choices is not None and value in column.choices.values:
        return str(column.choices(value).label)
    return str(value)


def table_pdf(table: Table, *, language: str, generated_at: datetime) -> bytes:
    """Return ``table`` as a PDF in ``language``."""
    with translation.override(language):
        columns = [column for column in table.columns if column.in_pdf]
        rows = [
            [
                (_display(column, value), column.kind == "money")
                for column, value in zip(table.columns, row, strict=True)
                if column.in_pdf
            ]
            for row in table.rows
        ]
        html = render_to_string(
            "officers/export_pdf.html",
            {
                "table": table,
                "columns": columns,
                "rows": rows,
                "generated_at": generated_at,
                "language": language,
            },
        )
    return html_to_pdf(html, language=language)


def export_download(*, officer: object, name: str, file_format: str, language: str) -> ExportFile:
    """Build export ``name`` as ``csv`` or ``pdf`` and record the download in the audit trail.

    The file is built before the audit event's short transaction, so a slow PDF
    never holds the audit chain's lock.
    """
    if name not in EXPORTS or file_format not in FORMATS:
        raise NotFound()
    now = clock.now()
    with translation.override(language):
        table = EXPORTS[name][1](now)
    if file_format == "csv":
        content = table_csv(table)
    else:
        content = table_pdf(table, language=language, generated_at=now)
    with transaction.atomic():
        audit_append(
            actor=actor_of(officer),
            action="export.downloaded",
            subject=f"export:{name}",
            data={"name": name, "format": file_format, "rows": len(table.rows)},
        )
    stamp = timezone.localtime(now).strftime("%Y-%m-%d")
    return ExportFile(
        filename=f"{name}-{stamp}.{file_format}",
        content_type=FORMATS[file_format],
        content=content,
    )
