"""The trust ledger, payments, disbursements and the securities register.

Design overview: purchasers' money is tracked by an append-only double-entry
ledger in integer cents (P01). Each offering has its own accounts, so money
held for one offering is never mixed with another's (R13):

* ``trust_cash``        asset: what sits in the portal's trust bank account;
* ``owed_to_purchasers`` liability: money held on purchasers' behalf;
* ``payable_to_issuer`` liability: accepted at closing, awaiting the payout;
* ``refunds_payable``   liability: refunds instructed, awaiting the bank.

A payment in is Dr trust_cash / Cr owed_to_purchasers. At closing, accepted
subscriptions move owed → payable_to_issuer and the payout, once confirmed,
is Dr payable_to_issuer / Cr trust_cash ("released"). A refund is instructed
as owed → refunds_payable and paid as Dr refunds_payable / Cr trust_cash
("refunded"). So for every offering, held = paid in − released − refunded.

Entries are never updated or deleted (database triggers refuse it); a
correction is a reversing transaction. Every transaction's debits equal its
credits: the service checks it before writing, and on PostgreSQL a deferred
constraint trigger checks it again at commit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from equity.investors.models import Subscription
from equity.offerings.models import Offering


class AccountKind(models.TextChoices):
    TRUST_CASH = "trust_cash", _("cash held in trust")
    OWED_TO_PURCHASERS = "owed_to_purchasers", _("owed to purchasers")
    PAYABLE_TO_ISSUER = "payable_to_issuer", _("payable to the issuer")
    REFUNDS_PAYABLE = "refunds_payable", _("refunds payable")


class LedgerAccount(models.Model):
    """One account of one offering (``offering`` null: money not yet matched to an offering)."""

    kind = models.CharField(_("kind"), max_length=32, choices=AccountKind.choices)
    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offering"),
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "offering"], name="ledger_account_unique"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(offering__isnull=True),
                name="ledger_unallocated_account_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.offering_id or 'unallocated'}"


class LedgerTransaction(models.Model):
    """A balanced set of entries recording one movement of money."""

    kind = models.CharField(_("kind"), max_length=40)
    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offering"),
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        indexes = [models.Index(fields=["offering", "kind"], name="ledger_tx_offering_kind")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Side(models.TextChoices):
    DEBIT = "D", _("debit")
    CREDIT = "C", _("credit")


class LedgerEntry(models.Model):
    """One leg of a transaction: a positive amount debited or credited to one account."""

    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("transaction"),
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subscription"),
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "side"], name="ledger_entry_account_side")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="ledger_entry_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="ledger_entry_side_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.amount_cents} {self.account}"


class PaymentStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Payment(models.Model):
    """A payment notification or a recorded bank deposit, kept once per event id (P03)."""

    event_id = models.CharField(_("event id"), max_length=200, unique=True)
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("subscription"),
    )
    subscription_reference = models.CharField(_("subscription reference"), max_length=64)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    status = models.CharField(_("status"), max_length=16, choices=PaymentStatus.choices)
    source = models.CharField(_("source"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=32)
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.event_id


class DisbursementKind(models.TextChoices):
    PAYOUT = "payout", _("payout to the issuer")
    REFUND = "refund", _("refund to a purchaser")


class Disbursement(models.Model):
    """An instruction to pay money out of the trust account, tracked until the bank confirms."""

    kind = models.CharField(_("kind"), max_length=16, choices=DisbursementKind.choices)
    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disbursements",
        verbose_name=_("offering"),
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disbursements",
        verbose_name=_("subscription"),
    )
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund",
        verbose_name=_("payment refunded"),
    )
    payee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payee"),
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reason = models.CharField(_("reason"), max_length=40)
    instructed_at = models.DateTimeField(_("instructed at"))
    due_by = models.DateTimeField(_("due by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        indexes = [models.Index(fields=["kind", "confirmed_at"], name="disbursement_pending")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="disbursement_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["offering"], condition=Q(kind="payout"), name="one_payout_per_offering"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"


class SecurityHolding(models.Model):
    """A line of the securities register: securities issued to a holder at closing (R18)."""

    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("offering")
    )
    subscription = models.OneToOneField(
        Subscription,
        on_delete=models.PROTECT,
        related_name="holding",
        verbose_name=_("subscription"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="holdings",
        verbose_name=_("holder"),
    )
    security_class = models.CharField(_("class"), max_length=32)
    quantity = models.BigIntegerField(_("quantity"))
    certificate_number = models.CharField(_("certificate number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issue date"))
    legend = models.TextField(_("resale legend"))

    class Meta:
        verbose_name = _("security holding")
        verbose_name_plural = _("securities register")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="holding_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.certificate_number
