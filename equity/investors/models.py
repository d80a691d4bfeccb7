"""Investor profiles, risk acknowledgements and subscriptions with their state machine.

Design overview: a :class:`Subscription` is a purchaser's commitment to buy
securities of one offering. It moves ``pending_payment → funded → accepted``
at closing, or ends ``withdrawn``, ``refunded`` or ``expired``. The
transitions below only change the state in memory; ``services.py`` locks the
offering, checks R09, R11 and R15, saves, moves the offering's
``raised_cents`` and appends the audit event in one transaction. A live
subscription (pending, funded or accepted) counts toward the offering's
raised amount and the purchaser's limit; the database refuses a raised amount
past the maximum.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from equity.crypto import EncryptedDateField
from equity.offerings.models import Offering


class InvestorProfile(models.Model):
    """The purchaser behind an investor account; the birth date is encrypted at rest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="investor_profile",
        verbose_name=_("user"),
    )
    birth_date = EncryptedDateField(_("birth date"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("investor profile")
        verbose_name_plural = _("investor profiles")

    def __str__(self) -> str:
        return str(self.user)

    def __repr__(self) -> str:
        return f"<InvestorProfile user={self.user_id}>"  # never the personal data


class SuitabilityDetermination(models.Model):
    """A registered dealer's finding that an investment suits a purchaser (R09's higher limit)."""

    investor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="suitability_determinations",
        verbose_name=_("investor"),
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="+", verbose_name=_("offering")
    )
    determined_by = models.CharField(_("registered representative"), max_length=200)
    determined_at = models.DateTimeField(_("determined at"))
    basis = models.TextField(_("basis"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("suitability determination")
        verbose_name_plural = _("suitability determinations")
        constraints = [
            models.UniqueConstraint(
                fields=["investor", "offering"], name="one_suitability_per_investor_offering"
            ),
            models.CheckConstraint(condition=~Q(basis=""), name="suitability_basis_required"),
        ]

    def __str__(self) -> str:
        return f"suitability of {self.investor_id} for {self.offering_id}"


class RiskAcknowledgementForm(models.Model):
    """A version of the Form 45-110F2 statements, in French and English (R15).

    ``statements`` is a list of ``{"code", "fr", "en"}``, with ``fr_registered``
    and ``en_registered`` variants where the text depends on whether the portal
    is a registered dealer; texts may name ``{portal}``, the purchaser's limit
    ``{limit}`` and the withdrawal window ``{hours}``.
    """

    version = models.CharField(_("version"), max_length=40, unique=True)
    effective_from = models.DateTimeField(_("effective from"))
    statements = models.JSONField(_("statements"))

    class Meta:
        verbose_name = _("risk acknowledgement form")
        verbose_name_plural = _("risk acknowledgement forms")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.version


class SubscriptionState(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("pending payment")
    FUNDED = "funded", _("funded")
    ACCEPTED = "accepted", _("accepted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REFUNDED = "refunded", _("refunded")
    EXPIRED = "expired", _("expired")


LIVE_STATES = (
    SubscriptionState.PENDING_PAYMENT,
    SubscriptionState.FUNDED,
    SubscriptionState.ACCEPTED,
)
"""States that count toward the raised amount (R11) and the purchaser's limit (R09)."""

WITHDRAWABLE_STATES = (SubscriptionState.PENDING_PAYMENT, SubscriptionState.FUNDED)


class Subscription(FSMModelMixin, models.Model):
    """A purchaser's commitment to buy securities of one offering."""

    SUBJECT_PREFIX = "subscription:"
    """The audit subject of a subscription: this, then its id."""

    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("offering"),
    )
    investor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("investor"),
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    quantity = models.BigIntegerField(_("number of securities"))
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    state = FSMField(
        _("state"),
        default=SubscriptionState.PENDING_PAYMENT,
        choices=SubscriptionState.choices,
        protected=True,
    )
    created_at = models.DateTimeField(_("created at"))
    withdrawal_deadline = models.DateTimeField(_("withdrawal deadline"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(fields=["offering", "investor", "state"], name="subscription_purchaser"),
            models.Index(fields=["offering", "state"], name="subscription_offering_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="subscription_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="subscription_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SubscriptionState.values), name="subscription_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"subscription {self.pk}"

    @property
    def subject(self) -> str:
        return f"{self.SUBJECT_PREFIX}{self.pk}"

    @transition(
        field=state, source=SubscriptionState.PENDING_PAYMENT, target=SubscriptionState.FUNDED
    )
    def fund(self) -> None:
        """The purchaser's money arrived in trust, in full."""

    @transition(field=state, source=WITHDRAWABLE_STATES, target=SubscriptionState.WITHDRAWN)
    def withdraw(self) -> None:
        """The purchaser takes the subscription back within the window (R14)."""


class RiskAcknowledgement(models.Model):
    """The Form 45-110F2 a purchaser signed for one subscription (R15): exactly as shown."""

    subscription = models.OneToOneField(
        Subscription,
        on_delete=models.PROTECT,
        related_name="risk_acknowledgement",
        verbose_name=_("subscription"),
    )
    form = models.ForeignKey(
        RiskAcknowledgementForm,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("form version"),
    )
    language = models.CharField(_("language"), max_length=2)
    statements = models.JSONField(_("statements acknowledged"))
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    full_name = models.CharField(_("typed full name"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("user agent"), blank=True)

    class Meta:
        verbose_name = _("risk acknowledgement")
        verbose_name_plural = _("risk acknowledgements")

    def __str__(self) -> str:
        return f"acknowledgement of {self.subscription_id}"


class Notice(models.Model):
    """A message sent to a person (e-mail), recorded once per recipient, kind and subject."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    reference = models.CharField(_("reference"), max_length=64)
    language = models.CharField(_("language"), max_length=2)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "reference"], name="one_notice_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} to {self.recipient_id}"
