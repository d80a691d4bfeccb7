"""Bank deposits recorded by a compliance officer: one transfer, or a whole statement (CSV)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from equity.escrow.models import Payment, PaymentStatus
from equity.escrow.services import payment_record
from equity.exceptions import InvalidInput, PermissionDenied
from equity.investors.models import Subscription

SUBSCRIPTION_REFERENCE = re.compile(r"\bSUB-?(\d+)\b", re.IGNORECASE)
STATEMENT_COLUMNS = ("date", "amount", "reference")


def bank_transfer_record(
    *, officer: object, subscription_id: int, amount_cents: int, reference: str
) -> Payment:
    """Record a transfer the trust account received for a subscription (once per reference)."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not reference.strip():
        raise InvalidInput({"reference": [_("The bank's reference is required.")]}, rule="P03")
    return payment_record(
        event_id=f"bank:{reference.strip()}",
        subscription_reference=str(subscription_id),
        amount_cents=amount_cents,
        status=PaymentStatus.SUCCEEDED,
        source="bank_transfer",
        recorded_by=officer,
    )


def parse_amount_cents(text: str) -> int:
    """Return a statement amount ("1234.50") in cents; refuse fractions of a cent (P01)."""
    try:
        amount = Decimal(text.strip().replace(" ", "").replace("$", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{text!r} has a fraction of a cent")
    return int(cents)


@dataclass(frozen=True, slots=True)
class StatementLine:
    line: int
    date: str
    amount_cents: int | None
    reference: str
    outcome: str
    payment_id: int | None = None


def bank_statement_import(*, officer: object, content: str) -> list[StatementLine]:
    """Match each deposit of a CSV statement (date, amount, reference) to a subscription.

    A deposit whose reference names a subscription (``SUB-123``) for exactly its
    amount is recorded as its payment; importing the same statement again
    records nothing twice. Every other line is returned as unmatched, with why.
    """
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    reader = csv.DictReader(io.StringIO(content))
    columns = {name.strip().lower() for name in (reader.fieldnames or [])}
    if not set(STATEMENT_COLUMNS) <= columns:
        raise InvalidInput(
            {"file": [_("The statement needs the columns date, amount, reference.")]}
        )
    lines = []
    seen: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        # Two identical deposits on one statement are two payments; re-importing the same
        # statement finds the same occurrence numbers and records nothing twice.
        identity = (row["date"], row["reference"], row["amount"])
        seen[identity] = seen.get(identity, 0) + 1
        lines.append(_match(officer, number, row, occurrence=seen[identity]))
    return lines


def _match(officer: object, number: int, row: dict[str, str], *, occurrence: int) -> StatementLine:
    date, reference = row["date"], row["reference"]
    try:
        amount = parse_amount_cents(row["amount"])
    except ValueError:
        return StatementLine(number, date, None, reference, "unmatched:bad_amount")
    if amount <= 0:
        return StatementLine(number, date, amount, reference, "ignored:not_a_deposit")
    found = SUBSCRIPTION_REFERENCE.search(reference)
    if found is None:
        return StatementLine(number, date, amount, reference, "unmatched:no_reference")
    subscription = Subscription.objects.filter(pk=int(found.group(1))).first()
    if subscription is None:
        return StatementLine(number, date, amount, reference, "unmatched:unknown_subscription")
    if subscription.amount_cents != amount:
        return StatementLine(number, date, amount, reference, "unmatched:amount_differs")
    payment = payment_record(
        event_id=f"statement:{date}:{reference}:{amount}:{occurrence}",
        subscription_reference=str(subscription.pk),
        amount_cents=amount,
        status=PaymentStatus.SUCCEEDED,
        source="bank_statement",
        recorded_by=officer,
    )
    return StatementLine(number, date, amount, reference, f"matched:{payment.outcome}", payment.pk)
