"""Notices by e-mail, each in its recipient's language (P05), sent and recorded once.

A notice is identified by its recipient, kind and reference (a subscription,
an offering, a disbursement...): every sender below may run any number of
times, concurrently, and each person still gets each notice once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from equity import clock
from equity.accounts.models import Role, User
from equity.investors.models import WITHDRAWABLE_STATES, Notice, Subscription, SubscriptionState
from equity.money import Money
from equity.offerings.models import Offering, OfferingAmendment, OfferingState

REMINDER_BEFORE = timedelta(hours=12)
"""How long before a withdrawal window ends its holder is reminded of it (R14)."""
FILING_REMINDER_BEFORE = timedelta(days=7)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def notify(
    *, recipient: User, kind: str, reference: str, compose: Callable[[], tuple[str, str]]
) -> bool:
    """Send ``recipient`` the notice ``compose()`` writes in their language, unless it was
    sent already; return whether it went out now."""
    with translation.override(recipient.language):
        subject, body = compose()
    with transaction.atomic():
        notice, _created = Notice.objects.select_for_update().get_or_create(
            recipient=recipient,
            kind=kind,
            reference=reference,
            defaults={
                "language": recipient.language,
                "subject": subject,
                "body": body,
                "created_at": clock.now(),
            },
        )
        if notice.sent_at is not None:
            return False
        send_mail(notice.subject, notice.body, None, [recipient.email])
        notice.sent_at = clock.now()
        notice.save(update_fields=["sent_at"])
    return True


def _count(sent: Iterable[bool]) -> int:
    return sum(1 for went in sent if went)


def send_amendment_notices(*, amendment_id: int) -> int:
    """Tell every purchaser who held a live subscription at the amendment (R16)."""
    amendment = OfferingAmendment.objects.select_related("offering__rulebook").get(pk=amendment_id)
    offering = amendment.offering
    hours = offering.rulebook.terms.withdrawal_hours
    subscribers = {
        subscription.investor
        for subscription in Subscription.objects.select_related("investor")
        .filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=amendment.amended_at),
            offering=offering,
            created_at__lte=amendment.amended_at,
        )
        .exclude(state__in=(SubscriptionState.EXPIRED, SubscriptionState.REFUNDED))
    }

    def compose() -> tuple[str, str]:
        return (
            _("Amendment to the offering “%(title)s”") % {"title": offering.title},
            _(
                "The offering document of “%(title)s” was amended: %(summary)s\n\n"
                "You may withdraw your subscription within %(hours)s hours of this notice, "
                "until %(deadline)s."
            )
            % {
                "title": offering.title,
                "summary": amendment.summary,
                "hours": hours,
                "deadline": _when(amendment.amended_at + timedelta(hours=hours)),
            },
        )

    return _count(
        notify(
            recipient=investor,
            kind="amendment",
            reference=f"amendment:{amendment.pk}",
            compose=compose,
        )
        for investor in sorted(subscribers, key=lambda person: person.pk)
    )


def send_subscription_received(*, subscription_id: int) -> int:
    """Confirm a subscription to its purchaser, with the withdrawal deadline (R14)."""
    subscription = Subscription.objects.select_related("offering", "investor").get(
        pk=subscription_id
    )
    investor, offering = subscription.investor, subscription.offering

    def compose() -> tuple[str, str]:
        amount = Money(subscription.amount_cents).format(investor.language)
        return (
            _("Your subscription to “%(title)s” was received") % {"title": offering.title},
            _(
                "We received your subscription of %(amount)s to “%(title)s”. Your money will be "
                "held in trust until the offering closes.\n\nYou may withdraw it until "
                "%(deadline)s."
            )
            % {
                "amount": amount,
                "title": offering.title,
                "deadline": _when(subscription.withdrawal_deadline),
            },
        )

    return int(
        notify(
            recipient=investor,
            kind="subscription_received",
            reference=subscription.subject,
            compose=compose,
        )
    )


def send_withdrawal_reminders() -> int:
    """Remind purchasers whose withdrawal window ends within the next hours (R14)."""
    now = clock.now()
    due = Subscription.objects.select_related("offering", "investor").filter(
        state__in=WITHDRAWABLE_STATES,
        withdrawal_deadline__gt=now,
        withdrawal_deadline__lte=now + REMINDER_BEFORE,
    )
    sent = 0
    for subscription in due:

        def compose(subscription: Subscription = subscription) -> tuple[str, str]:
            return (
                _("Your withdrawal period ends soon"),
                _(
                    "You may still withdraw your subscription to “%(title)s” until %(deadline)s. "
                    "After that, it stays until the offering closes."
                )
                % {
                    "title": subscription.offering.title,
                    "deadline": _when(subscription.withdrawal_deadline),
                },
            )

        reference = f"{subscription.subject}:{subscription.withdrawal_deadline.isoformat()}"
        sent += notify(
            recipient=subscription.investor,
            kind="withdrawal_reminder",
            reference=reference,
            compose=compose,
        )
    return sent


def send_closing_results(*, offering_id: int) -> int:
    """Tell every purchaser of a settled offering what became of their subscription."""
    offering = Offering.objects.get(pk=offering_id)
    if offering.state not in (OfferingState.CLOSED, OfferingState.FAILED):
        return 0
    sent = 0
    for subscription in Subscription.objects.select_related("investor").filter(
        offering=offering,
        state__in=(
            SubscriptionState.ACCEPTED,
            SubscriptionState.REFUNDED,
            SubscriptionState.EXPIRED,
        ),
    ):

        def compose(subscription: Subscription = subscription) -> tuple[str, str]:
            amount = Money(subscription.amount_cents).format(subscription.investor.language)
            outcome = {
                SubscriptionState.ACCEPTED: _(
                    "The offering closed and your subscription of %(amount)s was accepted: "
                    "%(quantity)s securities were issued to you. They are subject to resale "
                    "restrictions."
                ),
                SubscriptionState.REFUNDED: _(
                    "The offering did not close. Your %(amount)s will be returned to you in full."
                ),
                SubscriptionState.EXPIRED: _(
                    "The offering has ended; your subscription of %(amount)s was never paid and "
                    "has lapsed."
                ),
            }[subscription.state] % {"amount": amount, "quantity": subscription.quantity}
            return _("Result of the offering “%(title)s”") % {"title": offering.title}, outcome

        sent += notify(
            recipient=subscription.investor,
            kind="closing_result",
            reference=subscription.subject,
            compose=compose,
        )
    return sent


def send_refund_notices() -> int:
    """Tell each purchaser when a refund to them is instructed (R13)."""
    from equity.escrow.models import Disbursement, DisbursementKind

    sent = 0
    recent = clock.now() - timedelta(days=30)
    for refund in Disbursement.objects.select_related("payee").filter(
        kind=DisbursementKind.REFUND, payee__isnull=False, instructed_at__gte=recent
    ):

        def compose(refund=refund) -> tuple[str, str]:
            return (
                _("Your refund is on its way"),
                _(
                    "A refund of %(amount)s, without any deduction, was instructed to your bank "
                    "on %(instructed)s."
                )
                % {
                    "amount": Money(refund.amount_cents).format(refund.payee.language),
                    "instructed": _when(refund.instructed_at),
                },
            )

        sent += notify(
            recipient=refund.payee,
            kind="refund_issued",
            reference=f"disbursement:{refund.pk}",
            compose=compose,
        )
    return sent


def alert_officers(*, kind: str, reference: str, subject: str, body: str) -> int:
    """E-mail every active compliance officer, once per ``reference``."""
    return _count(
        notify(recipient=officer, kind=kind, reference=reference, compose=lambda: (subject, body))
        for officer in User.objects.filter(role=Role.COMPLIANCE_OFFICER, is_active=True)
    )


def remind_filings_due() -> int:
    """Remind issuers to file their offering document within the deadline after closing (R17)."""
    now = clock.now()
    sent = 0
    for offering in Offering.objects.select_related("issuer__owner", "rulebook").filter(
        state=OfferingState.CLOSED, closed_at__isnull=False
    ):
        deadline = offering.closed_at + timedelta(days=offering.rulebook.terms.filing_deadline_days)
        if not now <= deadline <= now + FILING_REMINDER_BEFORE:
            continue

        def compose(offering: Offering = offering, deadline=deadline) -> tuple[str, str]:
            return (
                _("Filing due for “%(title)s”") % {"title": offering.title},
                _(
                    "File the offering document and its amendments with the securities "
                    "regulator of each jurisdiction where the distribution took place by "
                    "%(deadline)s."
                )
                % {"deadline": _when(deadline)},
            )

        sent += notify(
            recipient=offering.issuer.owner,
            kind="filing_reminder",
            reference=offering.subject,
            compose=compose,
        )
    return sent
