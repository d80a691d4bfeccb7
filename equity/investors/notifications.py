"""Notices to purchasers by e-mail, in each recipient's language (P05), sent once each."""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from equity import clock
from equity.investors.models import Notice, Subscription
from equity.offerings.models import OfferingAmendment


def _send_once(*, recipient: object, kind: str, reference: str, subject: str, body: str) -> bool:
    """Record and send one notice; a notice already sent is not sent again."""
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


def send_amendment_notices(*, amendment_id: int) -> int:
    """Tell every purchaser who held a live subscription at the amendment; return how many
    notices went out now."""
    amendment = OfferingAmendment.objects.select_related("offering").get(pk=amendment_id)
    offering = amendment.offering
    subscribers = {
        subscription.investor
        for subscription in Subscription.objects.select_related("investor")
        .filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=amendment.amended_at),
            offering=offering,
            created_at__lte=amendment.amended_at,
        )
        .exclude(state__in=("expired", "refunded"))
    }
    sent = 0
    for investor in sorted(subscribers, key=lambda person: person.pk):
        with translation.override(investor.language):
            subject = _("Amendment to the offering “%(title)s”") % {"title": offering.title}
            body = _(
                "The offering document of “%(title)s” was amended: %(summary)s\n\n"
                "You may withdraw your subscription within %(hours)s hours of this notice, "
                "until %(deadline)s."
            ) % {
                "title": offering.title,
                "summary": amendment.summary,
                "hours": offering.rulebook.terms.withdrawal_hours,
                "deadline": _deadline(amendment, offering),
            }
        sent += _send_once(
            recipient=investor,
            kind="amendment",
            reference=f"amendment:{amendment.pk}",
            subject=subject,
            body=body,
        )
    return sent


def _deadline(amendment: OfferingAmendment, offering: object) -> str:
    deadline = amendment.amended_at + timedelta(hours=offering.rulebook.terms.withdrawal_hours)
    return timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M %Z")
