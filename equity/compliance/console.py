"""Reads of the compliance officers' console: the review queue, an offering's
per-rule checklist, an issuer group's cap usage and the filings due.

These read offerings, issuers and documents, which themselves read the
compliance selectors; they live here rather than in ``selectors.py`` so the
apps import each other one way only. The rules are never re-implemented: the
checklist runs ``offering_violations`` and the pure functions of ``rules.py``
and only lays their verdicts out rule by rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from equity.accounts.templatetags.pages import dollars
from equity.compliance.messages import LABELS
from equity.compliance.models import Rulebook
from equity.compliance.rules import (
    CapUsage,
    PrincipalFacts,
    Violation,
    check_principals_not_disqualified,
    headroom_cents,
)
from equity.compliance.selectors import rulebook_in_force
from equity.compliance.terms import RulebookTerms
from equity.documents.content import ClosingFacts, filing_deadline
from equity.documents.facts import closing_facts
from equity.offerings.models import (
    ACTIVE_STATES,
    DisqualificationOverride,
    Issuer,
    Offering,
    OfferingState,
)
from equity.offerings.selectors import (
    active_offerings_elsewhere,
    group_cap_usage,
    issuer_group_ids,
    principal_facts,
)
from equity.offerings.services.offerings import offering_violations

RECENTLY_ENDED = timedelta(days=30)
"""How long a closed, failed or cancelled offering stays on the review queue."""

REQUIREMENTS = {
    "R01": gettext_lazy("The issuer's head office is in Canada."),
    "R02": gettext_lazy("Neither the issuer nor any issuer of its group is a reporting issuer."),
    "R03": gettext_lazy("The issuer is not an investment fund."),
    "R04": gettext_lazy("The issuer has a business of its own: it is not a blind pool."),
    "R05": gettext_lazy(
        "No principal of the issuer or its group has a positive declaration within the "
        "look-back, unless a compliance officer recorded a reasoned override."
    ),
    "R06": gettext_lazy(
        "The issuer group: the issuer, its affiliates and the issuers sharing a founder or "
        "control person. Caps and the one-at-a-time rule apply to the group."
    ),
    "R07": gettext_lazy("The issuer group has at most this many distributions active at once."),
    "R08": gettext_lazy("The offering's maximum fits the issuer group's headroom under the cap."),
    "R09": gettext_lazy("Each purchaser's total in the distribution stays within the limit."),
    "R10": gettext_lazy("Only eligible securities are offered."),
    "R11": gettext_lazy(
        "A positive minimum no greater than the maximum, both whole numbers of securities."
    ),
    "R12": gettext_lazy("The distribution period ends within the rulebook's number of days."),
}
"""What each rule the review judges requires, in a sentence (RULES.md)."""


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """The offerings a compliance officer watches, each list in the order to look at it."""

    under_review: QuerySet[Offering]
    open: QuerySet[Offering]
    suspended: QuerySet[Offering]
    recently_ended: QuerySet[Offering]


def review_queue(*, as_of: datetime) -> ReviewQueue:
    """Return the offerings under review (oldest first), open, suspended, and those closed,
    failed or cancelled in the last 30 days (newest first)."""
    offerings = Offering.objects.select_related("issuer")
    since = as_of - RECENTLY_ENDED
    return ReviewQueue(
        under_review=offerings.filter(state=OfferingState.UNDER_REVIEW).order_by(
            "submitted_at", "pk"
        ),
        open=offerings.filter(state=OfferingState.OPEN).order_by("closes_at", "pk"),
        suspended=offerings.filter(state=OfferingState.SUSPENDED).order_by("closes_at", "pk"),
        recently_ended=offerings.filter(
            Q(state__in=(OfferingState.CLOSED, OfferingState.FAILED), closed_at__gte=since)
            | Q(state=OfferingState.CANCELLED, cancelled_at__gte=since)
        )
        .annotate(ended_at=Coalesce("closed_at", "cancelled_at"))
        .order_by("-ended_at", "-pk"),
    )


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    """One rule of the review: what it asks, the rulebook's figure, the offering's, the verdict.

    ``verdict`` is ``pass``, ``fail`` or ``later`` (the rule is judged at another
    time: R06 defines the group, R09 is checked on each subscription).
    """

    rule: str
    requirement: str
    value: str
    figure: str
    verdict: str
    reasons: tuple[str, ...] = ()
    principal: PrincipalFacts | None = None
    override: DisqualificationOverride | None = None

    @property
    def overridable(self) -> bool:
        """Return whether an officer may lift this line's block with a reasoned override (R05)."""
        return (
            self.principal is not None
            and bool(self.principal.positive_declarations)
            and self.override is None
        )


@dataclass(frozen=True, slots=True)
class Checklist:
    """An offering judged rule by rule under its rulebook version on one date."""

    rulebook: Rulebook
    as_of: date
    lines: tuple[ChecklistLine, ...]
    violations: tuple[Violation, ...]

    @property
    def passes(self) -> bool:
        return not self.violations


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _verdict(violations: Sequence[Violation]) -> str:
    return "fail" if violations else "pass"


def review_rulebook(offering: Offering, *, as_of: date) -> Rulebook:
    """Return the version the offering is judged under: its own once submitted, else today's."""
    return offering.rulebook or rulebook_in_force(code=offering.rulebook_code, as_of=as_of)


def offering_checklist(offering: Offering, *, as_of: date) -> Checklist:
    """Return the offering judged rule by rule, R01 to R12, with R05 one line per principal."""
    rulebook = review_rulebook(offering, as_of=as_of)
    terms = rulebook.terms
    violations = offering_violations(offering, rulebook=rulebook, as_of=as_of)
    by_rule: dict[str, list[Violation]] = {}
    for violation in violations:
        by_rule.setdefault(violation.rule or "", []).append(violation)
    group_ids = issuer_group_ids(offering.issuer_id)
    group = list(Issuer.objects.filter(pk__in=group_ids).order_by("pk"))
    issuer = next(member for member in group if member.pk == offering.issuer_id)
    usage = group_cap_usage(group_ids, as_of=as_of, terms=terms, excluding_offering_id=offering.pk)

    def line(rule: str, value: str, figure: str) -> ChecklistLine:
        found = by_rule.get(rule, [])
        return ChecklistLine(
            rule=rule,
            requirement=str(REQUIREMENTS[rule]),
            value=value,
            figure=figure,
            verdict=_verdict(found),
            reasons=tuple(str(violation.detail) for violation in found),
        )

    reporting = [member.legal_name for member in group if member.is_reporting_issuer]
    lines = [
        line("R01", "CA", issuer.country),
        line(
            "R02",
            "—",
            _("%(count)s issuers in the group; reporting issuers: %(names)s")
            % {"count": len(group), "names": ", ".join(reporting) or _("none")},
        ),
        line(
            "R03",
            "—",
            _("investment fund: %(answer)s") % {"answer": _yes_no(issuer.is_investment_fund)},
        ),
        line(
            "R04",
            "—",
            _("blind pool: %(answer)s; business described: %(described)s")
            % {
                "answer": _yes_no(issuer.is_blind_pool),
                "described": _yes_no(bool(issuer.business_description.strip())),
            },
        ),
        *_principal_lines(group, as_of=as_of, terms=terms),
        ChecklistLine(
            rule="R06",
            requirement=str(REQUIREMENTS["R06"]),
            value="—",
            figure=", ".join(member.legal_name for member in group),
            verdict="later",
        ),
        line(
            "R07",
            str(terms.max_open_distributions_per_group),
            _("other active distributions of the group: %(count)s")
            % {"count": active_offerings_elsewhere(group_ids, excluding_offering_id=offering.pk)},
        ),
        line("R08", _cap_value(terms), _cap_figure(offering, usage, terms)),
        ChecklistLine(
            rule="R09",
            requirement=str(REQUIREMENTS["R09"]),
            value=_purchaser_limit_value(terms),
            figure=_("checked on each subscription"),
            verdict="later",
        ),
        line(
            "R10",
            ", ".join(str(LABELS.get(kind, kind)) for kind in terms.eligible_security_types),
            str(LABELS.get(offering.security_type, offering.security_type)),
        ),
        line(
            "R11",
            "—",
            _("minimum %(minimum)s, maximum %(maximum)s, at %(price)s a security")
            % {
                "minimum": dollars(offering.minimum_amount_cents),
                "maximum": dollars(offering.maximum_amount_cents),
                "price": dollars(offering.price_per_security_cents),
            },
        ),
        line(
            "R12",
            _("%(days)s days") % {"days": terms.max_distribution_days},
            _("%(days)s days") % {"days": offering.distribution_days},
        ),
    ]
    return Checklist(
        rulebook=rulebook, as_of=as_of, lines=tuple(lines), violations=tuple(violations)
    )


def _principal_lines(
    group: Sequence[Issuer], *, as_of: date, terms: RulebookTerms
) -> list[ChecklistLine]:
    """Return R05 for each principal of the group, judged alone by the pure rule."""
    value = _("look-back: %(years)s years") % {"years": terms.disqualification_lookback_years}
    issuer_names = {member.pk: member.legal_name for member in group}
    principals = principal_facts(frozenset(issuer_names))
    overrides = {
        override.principal_id: override
        for override in DisqualificationOverride.objects.filter(
            principal_id__in=[principal.principal_id for principal in principals]
        ).select_related("officer")
    }
    lines = []
    for principal in principals:
        found = check_principals_not_disqualified([principal], as_of=as_of, terms=terms)
        declared = ", ".join(
            f"{LABELS.get(kind, kind)} ({when.isoformat() if when else _('date unknown')})"
            for kind, when in principal.positive_declarations
        )
        lines.append(
            ChecklistLine(
                rule="R05",
                requirement=str(REQUIREMENTS["R05"]),
                value=value,
                figure=_("%(name)s (%(issuer)s): %(declared)s")
                % {
                    "name": principal.full_name,
                    "issuer": issuer_names[principal.issuer_id],
                    "declared": declared or _("nothing declared"),
                },
                verdict=_verdict(found),
                reasons=tuple(str(violation.detail) for violation in found),
                principal=principal,
                override=overrides.get(principal.principal_id),
            )
        )
    if not lines:
        lines.append(
            ChecklistLine(
                rule="R05",
                requirement=str(REQUIREMENTS["R05"]),
                value=value,
                figure=_("no principal recorded"),
                verdict="pass",
            )
        )
    return lines


def _cap_value(terms: RulebookTerms) -> str:
    if terms.cap_basis == "per_distribution":
        return _("%(cap)s per distribution") % {"cap": dollars(terms.issuer_cap_cents)}
    return _("%(cap)s over %(months)s months") % {
        "cap": dollars(terms.issuer_cap_cents),
        "months": terms.cap_window_months,
    }


def _cap_figure(offering: Offering, usage: CapUsage, terms: RulebookTerms) -> str:
    return _(
        "maximum %(maximum)s; headroom %(headroom)s (raised %(raised)s, reserved %(reserved)s)"
    ) % {
        "maximum": dollars(offering.maximum_amount_cents),
        "headroom": dollars(headroom_cents(usage, terms)),
        "raised": dollars(usage.raised_cents),
        "reserved": dollars(usage.reserved_cents),
    }


def _purchaser_limit_value(terms: RulebookTerms) -> str:
    if terms.purchaser_limit_with_advice_cents is None:
        return dollars(terms.purchaser_limit_cents)
    return _("%(limit)s; %(higher)s with a registered dealer's suitability determination") % {
        "limit": dollars(terms.purchaser_limit_cents),
        "higher": dollars(terms.purchaser_limit_with_advice_cents),
    }


@dataclass(frozen=True, slots=True)
class CapStep:
    """A closed distribution of the group in the R08 window, with the running total."""

    offering: Offering
    closed_on: date
    cumulative_cents: int


@dataclass(frozen=True, slots=True)
class GroupOverview:
    """An issuer group (R06): its issuers, principals, offerings and cap usage (R08)."""

    issuer: Issuer
    issuers: list[Issuer]
    offerings: list[Offering]
    terms: RulebookTerms
    usage: CapUsage
    headroom_cents: int
    steps: list[CapStep]
    active: list[Offering]


def group_overview(issuer_id: int, *, as_of: date) -> GroupOverview | None:
    """Return the group of ``issuer_id`` under the default rulebook in force, or None if
    there is no such issuer."""
    group_ids = issuer_group_ids(issuer_id)
    issuers = list(
        Issuer.objects.filter(pk__in=group_ids).prefetch_related("principals").order_by("pk")
    )
    issuer = next((member for member in issuers if member.pk == issuer_id), None)
    if issuer is None:
        return None
    terms = rulebook_in_force(code="ni45-110", as_of=as_of).terms
    usage = group_cap_usage(group_ids, as_of=as_of, terms=terms)
    offerings = list(
        Offering.objects.filter(issuer_id__in=group_ids)
        .select_related("issuer")
        .order_by("-created_at", "-pk")
    )
    closed = sorted(
        (
            offering
            for offering in offerings
            if offering.state == OfferingState.CLOSED
            and offering.closed_at is not None
            and usage.window_start
            <= timezone.localtime(offering.closed_at).date()
            <= usage.window_end
        ),
        key=lambda offering: (offering.closed_at, offering.pk),
    )
    steps = []
    running = 0
    for offering in closed:
        running += offering.raised_cents
        steps.append(CapStep(offering, timezone.localtime(offering.closed_at).date(), running))
    return GroupOverview(
        issuer=issuer,
        issuers=issuers,
        offerings=offerings,
        terms=terms,
        usage=usage,
        headroom_cents=headroom_cents(usage, terms),
        steps=steps,
        active=[offering for offering in offerings if offering.state in ACTIVE_STATES],
    )


def offerings_register() -> QuerySet[Offering]:
    """Return every offering with its issuer and rulebook version, in creation order."""
    return Offering.objects.select_related("issuer", "rulebook").order_by("pk")


def filings_due(*, as_of: date) -> list[ClosingFacts]:
    """Return the closed distributions whose filing deadline is ``as_of`` or later,
    soonest first, with their totals per jurisdiction (R17)."""
    due = []
    closed = Offering.objects.filter(state=OfferingState.CLOSED, closed_at__isnull=False)
    for offering in closed.select_related("issuer", "rulebook"):
        closed_on = timezone.localtime(offering.closed_at).date()
        if filing_deadline(closed_on, offering.rulebook.terms.filing_deadline_days) >= as_of:
            due.append(closing_facts(offering))
    return sorted(due, key=lambda facts: (facts.filing_deadline, facts.offering_id))
