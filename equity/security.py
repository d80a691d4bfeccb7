"""Protections that cut across the apps: the content security policy, the payment
processor's signatures, and the guard that keeps retained records from deletion (R20).

Design overview
---------------
* **Content security policy.** :class:`ContentSecurityPolicyMiddleware` sends one
  strict policy on every response: our own scripts, styles, frames and forms only,
  no inline script or style, no plug-ins, no framing by another site. The Swagger UI
  at ``/api/docs/`` is drf-spectacular's page, served from our own files (the
  sidecar package) with its start-up script as a file too; only its small inline
  style block needs its own policy (see :data:`API_DOCS_POLICY`), rather than
  weakening the policy of every page.
* **Webhook signatures.** The contract's ``X-Signature: sha256=<hex>`` signs the body
  only, so a captured notification could be replayed forever (event-id deduplication
  makes a replay of the *same* event a no-op, but nothing else limits it). The
  timestamped scheme ``X-Signature: t=<unix seconds>,v1=<hex>`` signs ``"<t>." + body``
  and is refused outside a tolerance. Freshness is judged on the real wall clock, not
  on :func:`equity.clock.now`: it is a property of the transport shared with the
  processor, and the sandbox clock, which operators move forward in rehearsals, would
  make every genuine signature look stale. ``PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP``
  (on in production) refuses the body-only scheme. Every comparison is constant-time.
* **Retention (R20).** :func:`refuse_deletion_within_retention` is connected to
  ``pre_delete``, which Django sends for every object that ``Model.delete()``,
  ``QuerySet.delete()`` or a cascade removes, so no code path through the ORM deletes
  a retained record younger than the retention period. The period is the rulebooks'
  ``retention_years`` (data, since the figure is not confirmed). PostgreSQL also
  refuses DELETE on those tables outright (escrow migration 0003).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core import checks
from django.db.models.signals import pre_delete
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from equity import clock
from equity.exceptions import EquityError

# --- content security policy ------------------------------------------------------

SITE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-src 'self'",  # the issuer's preview of its own PDF
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
"""The policy of every page and API response."""

API_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # drf-spectacular's page carries a small <style> block of its own.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the page only fetches our schema and calls our API
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
"""The Swagger UI's policy: its files and start-up script are ours; its style block is inline."""

API_DOCS_PATH = "/api/docs/"


FRAMING_POLICY = "frame-ancestors 'self'"
"""The policy of a response that is not a page (a PDF, JSON): only who may frame it.

A PDF's own policy must not name ``object-src`` or ``default-src``: browsers show a
PDF with a plug-in that those directives would block. ``frame-ancestors`` also
overrides ``X-Frame-Options: DENY`` in current browsers, so our pages may frame our
own PDFs while older browsers refuse framing altogether.
"""


class ContentSecurityPolicyMiddleware:
    """Send the content security policy unless the view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy(request, response)
        return response

    @staticmethod
    def policy(request: HttpRequest, response: HttpResponse) -> str:
        """Return the policy for ``response``: by its path and whether it is a page."""
        if not response.get("Content-Type", "").startswith("text/html"):
            return FRAMING_POLICY
        return API_DOCS_POLICY if request.path == API_DOCS_PATH else SITE_POLICY


# --- payment processor's signatures -------------------------------------------------

DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300


class InvalidSignature(EquityError):
    """Raised when a payment notification's signature does not match its body, or is stale."""

    status = 401
    code = "invalid_signature"
    default_detail = _("The X-Signature header does not match the body.")


def webhook_signature(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """Return the ``X-Signature`` value for ``body``: timestamped when ``timestamp`` is given."""
    if timestamp is None:
        return f"sha256={_hmac(secret, body)}"
    return f"t={timestamp},v1={_hmac(secret, f'{timestamp}.'.encode() + body)}"


def webhook_signature_verify(header: str, body: bytes) -> None:
    """Accept ``header`` as the processor's signature of ``body``, or raise InvalidSignature.

    The body-only scheme is accepted unless ``PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP``; the
    timestamped one only within ``PAYMENT_WEBHOOK_TOLERANCE_SECONDS`` of the wall clock.
    """
    secret = settings.PAYMENT_WEBHOOK_SECRET
    if header.startswith("sha256="):
        if getattr(settings, "PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP", False):
            raise InvalidSignature(_("The signature must carry a timestamp (t=...,v1=...)."))
        if not hmac.compare_digest(header.encode(), webhook_signature(secret, body).encode()):
            raise InvalidSignature()
        return
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = fields.get("t", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise InvalidSignature()
    expected = webhook_signature(secret, body, timestamp=int(timestamp))
    sent = f"t={int(timestamp)},v1={fields.get('v1', '')}"
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise InvalidSignature()
    tolerance = getattr(
        settings, "PAYMENT_WEBHOOK_TOLERANCE_SECONDS", DEFAULT_WEBHOOK_TOLERANCE_SECONDS
    )
    # Wall time on purpose: see the module's docstring.
    if abs(time.time() - int(timestamp)) > tolerance:
        raise InvalidSignature(_("The signature's timestamp is outside the tolerance."))


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- retention (R20) --------------------------------------------------------------

RETAINED_SINCE: dict[str, str | None] = {
    "accounts.PortalStatusAcknowledgement": "acknowledged_at",
    "compliance.Rulebook": "created_at",
    "compliance.AuditEvent": "at",
    "documents.Document": "signed_at",
    "escrow.LedgerAccount": None,
    "escrow.LedgerTransaction": "created_at",
    "escrow.LedgerEntry": None,
    "escrow.Payment": "received_at",
    "escrow.Disbursement": "instructed_at",
    "escrow.SecurityHolding": None,
    "investors.InvestorProfile": "created_at",
    "investors.SuitabilityDetermination": "recorded_at",
    "investors.RiskAcknowledgementForm": "effective_from",
    "investors.Subscription": "created_at",
    "investors.RiskAcknowledgement": "signed_at",
    "investors.Notice": "created_at",
    "offerings.Issuer": "created_at",
    "offerings.Principal": None,
    "offerings.DisqualificationOverride": "created_at",
    "offerings.Offering": "created_at",
    "offerings.OfferingAmendment": "amended_at",
}
"""Each retained model (R20) and the field its retention period runs from.

``None``: a record that is part of a longer-lived one (a ledger entry, a principal),
kept as long as the application runs; purging after the period is an operator's task.
"""


class RecordRetained(EquityError):
    """Raised when a record within the retention period (R20) would be deleted."""

    status = 409
    code = "record_retained"
    default_detail = _("This record is kept for the retention period and cannot be deleted.")


def retention_years() -> int:
    """Return the longest retention period of the rulebooks, in years (R20)."""
    from equity.compliance.models import Rulebook

    periods = [
        int(parameters.get("retention_years") or 0)
        for parameters in Rulebook.objects.values_list("parameters", flat=True)
    ]
    return max(periods, default=0)


def retained_until(since: datetime, years: int) -> datetime:
    """Return the end of a retention period of ``years`` that started at ``since``."""
    try:
        return since.replace(year=since.year + years)
    except ValueError:  # 29 February into a common year
        return since.replace(year=since.year + years, day=28)


def refuse_deletion_within_retention(sender: type, instance: object, **kwargs: object) -> None:
    """Refuse to delete a retained record whose retention period has not ended (R20)."""
    label = f"{sender._meta.app_label}.{sender._meta.object_name}"
    if label not in RETAINED_SINCE:
        return
    field = RETAINED_SINCE[label]
    since = getattr(instance, field) if field else None
    if not isinstance(since, datetime) or clock.now() < retained_until(since, retention_years()):
        raise RecordRetained(rule="R20")


def protect_retained_records() -> None:
    """Connect the retention guard to every model deletion (idempotent)."""
    pre_delete.connect(
        refuse_deletion_within_retention, dispatch_uid="equity-retention-guard", weak=False
    )


# --- deployment check -------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=True)
def deployment_secrets(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Refuse a deployment without field keys or that accepts replayable notifications."""
    messages: list[checks.CheckMessage] = []
    if not settings.EQUITY_FIELD_KEYS:
        messages.append(
            checks.Error(
                "EQUITY_FIELD_KEYS must list at least one Fernet key: personal data is "
                "encrypted at rest (equity/crypto.py).",
                id="equity.E001",
            )
        )
    if not getattr(settings, "PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP", False):
        messages.append(
            checks.Warning(
                "Payment notifications signed without a timestamp are accepted, so a "
                "captured one can be replayed.",
                hint="Set PAYMENT_WEBHOOK_REQUIRE_TIMESTAMP=true once the processor sends "
                "t=...,v1=... signatures.",
                id="equity.W001",
            )
        )
    return messages
