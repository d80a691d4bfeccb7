"""Issuers, their principals and affiliates, and offerings with their state machine.

Design overview: an :class:`Offering` moves through the states of CONTRACT.md
by django-fsm-2 transitions declared once below. The transition methods only
change the state in memory; they are called from ``services.py``, which locks
the rows it reads, checks the rules, saves and appends the audit event in one
transaction. The database also refuses what must never be true (a minimum
above the maximum, a raised amount past the maximum, debt without its terms).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from equity.compliance.models import Rulebook


class LegalForm(models.TextChoices):
    CORPORATION = "corporation", _("corporation")
    COOPERATIVE = "cooperative", _("co-operative")
    NON_PROFIT = "non_profit", _("non-profit")
    LIMITED_PARTNERSHIP = "limited_partnership", _("limited partnership")


class Issuer(models.Model):
    """An enterprise raising money, represented by its owner's account."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="issuers",
        verbose_name=_("owner"),
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=32, choices=LegalForm.choices)
    street = models.CharField(_("street"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province or state"), max_length=3)
    postal_code = models.CharField(_("postal code"), max_length=16)
    country = models.CharField(_("country"), max_length=2)
    is_reporting_issuer = models.BooleanField(_("reporting issuer"), default=False)
    is_investment_fund = models.BooleanField(_("investment fund"), default=False)
    is_blind_pool = models.BooleanField(_("blind pool"), default=False)
    business_description = models.TextField(_("business description"))
    affiliates = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="affiliated_with",
        verbose_name=_("affiliates"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_form__in=LegalForm.values), name="issuer_legal_form_known"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class Principal(models.Model):
    """A founder, director, officer or control person of an issuer (R05, R06).

    ``identity_key`` is the normalized name; two issuers whose founders or
    control persons share it are in one issuer group. Matching on the name
    errs towards grouping, which only ever restricts an issuer.
    """

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="principals", verbose_name=_("issuer")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    identity_key = models.CharField(max_length=200, db_index=True)
    is_founder = models.BooleanField(_("founder"), default=False)
    is_director = models.BooleanField(_("director"), default=False)
    is_officer = models.BooleanField(_("officer"), default=False)
    is_control_person = models.BooleanField(_("control person"), default=False)
    residence_country = models.CharField(_("country of residence"), max_length=2)
    declarations = models.JSONField(_("declarations"))
    declaration_dates = models.JSONField(_("declaration dates"), default=dict, blank=True)

    class Meta:
        verbose_name = _("principal")
        verbose_name_plural = _("principals")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_founder=True)
                | Q(is_director=True)
                | Q(is_officer=True)
                | Q(is_control_person=True),
                name="principal_has_a_role",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def roles(self) -> list[str]:
        flags = (
            ("founder", self.is_founder),
            ("director", self.is_director),
            ("officer", self.is_officer),
            ("control_person", self.is_control_person),
        )
        return [role for role, held in flags if held]


class DisqualificationOverride(models.Model):
    """A compliance officer's reasoned decision to lift a principal's R05 block."""

    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="overrides", verbose_name=_("principal")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("compliance officer"),
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("disqualification override")
        verbose_name_plural = _("disqualification overrides")
        constraints = [
            models.UniqueConstraint(fields=["principal"], name="one_override_per_principal"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_reason_required"),
        ]

    def __str__(self) -> str:
        return f"override of {self.principal}"


class SecurityType(models.TextChoices):
    COMMON_SHARE = "common_share", _("common shares")
    PREFERRED_SHARE = "preferred_share", _("preferred shares")
    CONVERTIBLE = "convertible", _("convertible securities")
    DEBT = "debt", _("debt (community bonds)")
    LP_UNIT = "lp_unit", _("limited partnership units")


class InterestFrequency(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    SEMI_ANNUAL = "semi_annual", _("semi-annually")
    ANNUAL = "annual", _("annually")
    AT_MATURITY = "at_maturity", _("at maturity")


class OfferingState(models.TextChoices):
    DRAFT = "draft", _("draft")
    UNDER_REVIEW = "under_review", _("under review")
    APPROVED = "approved", _("approved")
    OPEN = "open", _("open")
    SUSPENDED = "suspended", _("suspended")
    CLOSING = "closing", _("closing")
    CLOSED = "closed", _("closed")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


ACTIVE_STATES = (
    OfferingState.APPROVED,
    OfferingState.OPEN,
    OfferingState.SUSPENDED,
    OfferingState.CLOSING,
)
"""States in which an offering is a distribution of its group (R07) and reserves cap (R08)."""

CANCELLABLE_STATES = (OfferingState.DRAFT, OfferingState.UNDER_REVIEW, *ACTIVE_STATES)


class Offering(FSMModelMixin, models.Model):
    """A distribution of one class of securities under one rulebook version."""

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("issuer")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    security_type = models.CharField(
        _("security type"), max_length=32, choices=SecurityType.choices
    )
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    price_per_security_cents = models.BigIntegerField(_("price per security (cents)"))
    minimum_amount_cents = models.BigIntegerField(_("minimum (cents)"))
    maximum_amount_cents = models.BigIntegerField(_("maximum (cents)"))
    raised_cents = models.BigIntegerField(_("raised (cents)"), default=0)
    distribution_days = models.PositiveIntegerField(_("distribution period (days)"))
    language = models.CharField(_("language"), max_length=2, default="fr")
    use_of_funds = models.TextField(_("use of funds"))
    risk_factors = models.TextField(_("risk factors"))
    annual_rate_bps = models.PositiveIntegerField(
        _("annual rate (basis points)"), null=True, blank=True
    )
    term_months = models.PositiveIntegerField(_("term (months)"), null=True, blank=True)
    interest_frequency = models.CharField(
        _("interest frequency"), max_length=16, blank=True, choices=InterestFrequency.choices
    )
    rulebook_code = models.SlugField(_("rulebook"), max_length=40)
    rulebook = models.ForeignKey(
        Rulebook,
        on_delete=models.PROTECT,
        related_name="offerings",
        null=True,
        blank=True,
        verbose_name=_("rulebook version"),
    )
    state = FSMField(
        _("state"), default=OfferingState.DRAFT, choices=OfferingState.choices, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    approval_note = models.TextField(_("approval note"), blank=True)
    rejection_reason = models.TextField(_("reason for the last rejection"), blank=True)
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    closing_started_at = models.DateTimeField(_("closing started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        indexes = [models.Index(fields=["issuer", "state"], name="offering_issuer_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_security_cents__gt=0), name="offering_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(minimum_amount_cents__gt=0), name="offering_minimum_positive"
            ),
            models.CheckConstraint(
                condition=Q(minimum_amount_cents__lte=F("maximum_amount_cents")),
                name="offering_minimum_not_above_maximum",
            ),
            models.CheckConstraint(
                condition=Q(raised_cents__gte=0) & Q(raised_cents__lte=F("maximum_amount_cents")),
                name="offering_raised_within_maximum",
            ),
            models.CheckConstraint(
                condition=Exact(Mod(F("minimum_amount_cents"), F("price_per_security_cents")), 0)
                & Exact(Mod(F("maximum_amount_cents"), F("price_per_security_cents")), 0),
                name="offering_amounts_whole_securities",
            ),
            models.CheckConstraint(
                condition=~Q(security_type="debt")
                | (
                    Q(annual_rate_bps__isnull=False)
                    & Q(term_months__gt=0)
                    & ~Q(interest_frequency="")
                ),
                name="offering_debt_has_bond_terms",
            ),
            models.CheckConstraint(
                condition=Q(security_type__in=SecurityType.values),
                name="offering_security_type_known",
            ),
            models.CheckConstraint(
                condition=Q(state__in=OfferingState.values), name="offering_state_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        """Return the audit subject of this offering."""
        return f"offering:{self.pk}"

    @property
    def is_public(self) -> bool:
        """Return whether the offering has been made available to purchasers."""
        return self.opened_at is not None

    # The transitions change the state in memory only; services save and audit.

    @transition(field=state, source=OfferingState.DRAFT, target=OfferingState.UNDER_REVIEW)
    def submit(self) -> None:
        """Send the draft to a compliance officer."""

    @transition(field=state, source=OfferingState.UNDER_REVIEW, target=OfferingState.APPROVED)
    def approve(self) -> None:
        """Record a compliance officer's approval."""

    @transition(field=state, source=OfferingState.UNDER_REVIEW, target=OfferingState.DRAFT)
    def reject(self) -> None:
        """Return the offering to its issuer with a reason."""

    @transition(field=state, source=OfferingState.APPROVED, target=OfferingState.OPEN)
    def open(self) -> None:
        """Make the offering available to purchasers."""

    @transition(field=state, source=OfferingState.OPEN, target=OfferingState.OPEN)
    def amend(self) -> None:
        """Replace the offering document with a corrected version (R16)."""

    @transition(field=state, source=OfferingState.OPEN, target=OfferingState.SUSPENDED)
    def suspend(self) -> None:
        """Stop subscriptions while a compliance officer looks into the offering."""

    @transition(field=state, source=OfferingState.SUSPENDED, target=OfferingState.OPEN)
    def resume(self) -> None:
        """Take subscriptions again after a suspension."""

    @transition(
        field=state,
        source=(OfferingState.OPEN, OfferingState.SUSPENDED),
        target=OfferingState.CLOSING,
    )
    def close(self) -> None:
        """Stop taking subscriptions; settlement follows once every window has ended (R14)."""

    @transition(field=state, source=OfferingState.CLOSING, target=OfferingState.CLOSED)
    def settle(self) -> None:
        """Close with the minimum reached and the cap respected: accept and release (R13)."""

    @transition(field=state, source=OfferingState.CLOSING, target=OfferingState.FAILED)
    def fail(self) -> None:
        """Close without the minimum (or past the cap): every held cent goes back (R13)."""

    @transition(field=state, source=CANCELLABLE_STATES, target=OfferingState.CANCELLED)
    def cancel(self) -> None:
        """End the offering before closing; every held cent goes back."""


class OfferingAmendment(models.Model):
    """A correction of an open offering's document (R16); subscribers may withdraw again (R14)."""

    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("offering")
    )
    number = models.PositiveIntegerField(_("number"))
    summary = models.TextField(_("summary"))
    changes = models.JSONField(_("changes"))
    amended_at = models.DateTimeField(_("amended at"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("amended by"),
    )
    subscribers_notified = models.PositiveIntegerField(_("subscribers notified"), default=0)

    class Meta:
        verbose_name = _("offering amendment")
        verbose_name_plural = _("offering amendments")
        constraints = [
            models.UniqueConstraint(fields=["offering", "number"], name="amendment_number_unique"),
            models.CheckConstraint(condition=~Q(summary=""), name="amendment_summary_required"),
        ]

    def __str__(self) -> str:
        return f"amendment {self.number} of {self.offering_id}"
