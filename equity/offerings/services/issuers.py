"""Issuer registration, affiliations and R05 overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from equity import clock
from equity.compliance.audit import actor_of, audit_append
from equity.compliance.rules import DECLARATION_KINDS, Violation, check_issuer_eligibility
from equity.compliance.selectors import rulebook_in_force
from equity.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from equity.geography import is_country, is_province
from equity.offerings.models import DisqualificationOverride, Issuer, Principal
from equity.offerings.selectors import (
    group_id_of,
    identity_key,
    issuer_facts,
    issuer_group_ids,
    issuer_has_offering_in_progress,
    principal_facts,
)

DEFAULT_RULEBOOK = "ni45-110"
ROLES = ("founder", "director", "officer", "control_person")


@dataclass(frozen=True, slots=True)
class HeadOffice:
    street: str
    city: str
    province: str
    postal_code: str
    country: str


@dataclass(frozen=True, slots=True)
class PrincipalInput:
    full_name: str
    roles: Sequence[str]
    residence_country: str
    declarations: dict[str, bool]
    declaration_dates: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssuerEligibility:
    """The outcome of R01–R05 for an issuer and its group, today."""

    group_id: int
    violations: list[Violation]

    @property
    def eligible(self) -> bool:
        return not self.violations


def _check_places(head_office: HeadOffice, principals: Sequence[PrincipalInput]) -> None:
    errors: dict[str, object] = {}
    if not is_country(head_office.country):
        errors["head_office.country"] = [_("Unknown country code (ISO 3166-1 alpha-2).")]
    elif not is_province(head_office.country, head_office.province):
        errors["head_office.province"] = [_("Unknown province or state for this country.")]
    for index, principal in enumerate(principals):
        if not is_country(principal.residence_country):
            errors[f"principals[{index}].residence_country"] = [_("Unknown country code.")]
    if errors:
        head_office_error = any(field.startswith("head_office.") for field in errors)
        raise InvalidInput(errors, rule="R01" if head_office_error else "R05")


def _check_principals(principals: Sequence[PrincipalInput]) -> None:
    if not principals:
        raise InvalidInput({"principals": [_("At least one principal is required.")]}, rule="R05")
    for index, principal in enumerate(principals):
        if not principal.roles or set(principal.roles) - set(ROLES):
            raise InvalidInput(
                {
                    f"principals[{index}].roles": [
                        _("Each role must be one of: %s.") % ", ".join(ROLES)
                    ]
                },
                rule="R05",
            )
        if set(principal.declarations) != set(DECLARATION_KINDS):
            raise InvalidInput(
                {
                    f"principals[{index}].declarations": [
                        _("Each of %s must be declared true or false.")
                        % ", ".join(DECLARATION_KINDS)
                    ]
                },
                rule="R05",
            )


def _affiliates(owner: object, affiliate_ids: Sequence[int]) -> list[Issuer]:
    affiliates = list(Issuer.objects.filter(pk__in=set(affiliate_ids)))
    if len(affiliates) != len(set(affiliate_ids)):
        raise InvalidInput({"affiliates": [_("Unknown issuer.")]}, rule="R06")
    if any(affiliate.owner_id != owner.pk for affiliate in affiliates):
        raise InvalidInput(
            {"affiliates": [_("Only a compliance officer can link issuers of different owners.")]},
            rule="R06",
        )
    return affiliates


def _principals_create(issuer: Issuer, principals: Sequence[PrincipalInput]) -> None:
    Principal.objects.bulk_create(
        [
            Principal(
                issuer=issuer,
                full_name=principal.full_name,
                identity_key=identity_key(principal.full_name),
                is_founder="founder" in principal.roles,
                is_director="director" in principal.roles,
                is_officer="officer" in principal.roles,
                is_control_person="control_person" in principal.roles,
                residence_country=principal.residence_country,
                declarations={
                    kind: bool(principal.declarations[kind]) for kind in DECLARATION_KINDS
                },
                declaration_dates={
                    kind: day.isoformat() for kind, day in principal.declaration_dates.items()
                },
            )
            for principal in principals
        ]
    )


@transaction.atomic
def issuer_create(
    *,
    owner: object,
    legal_name: str,
    legal_form: str,
    head_office: HeadOffice,
    is_reporting_issuer: bool,
    is_investment_fund: bool,
    business_description: str,
    principals: Sequence[PrincipalInput],
    affiliate_ids: Sequence[int] = (),
    is_blind_pool: bool = False,
) -> tuple[Issuer, IssuerEligibility]:
    """Register an issuer with its principals and affiliates; return it and its eligibility."""
    _check_places(head_office, principals)
    _check_principals(principals)
    affiliates = _affiliates(owner, affiliate_ids)
    issuer = Issuer.objects.create(
        owner=owner,
        legal_name=legal_name,
        legal_form=legal_form,
        street=head_office.street,
        city=head_office.city,
        province=head_office.province,
        postal_code=head_office.postal_code,
        country=head_office.country,
        is_reporting_issuer=is_reporting_issuer,
        is_investment_fund=is_investment_fund,
        is_blind_pool=is_blind_pool,
        business_description=business_description,
        created_at=clock.now(),
    )
    if issuer.pk in affiliate_ids:
        raise InvalidInput(
            {"affiliates": [_("An issuer cannot be its own affiliate.")]}, rule="R06"
        )
    issuer.affiliates.set(affiliates)
    _principals_create(issuer, principals)
    eligibility = issuer_eligibility(issuer=issuer)
    audit_append(
        actor=actor_of(owner),
        action="issuer.registered",
        subject=f"issuer:{issuer.pk}",
        data={
            "legal_form": legal_form,
            "head_office_country": head_office.country,
            "principals": len(principals),
            "affiliates": sorted(affiliate.pk for affiliate in affiliates),
            "group_id": eligibility.group_id,
            "violations": [v.code for v in eligibility.violations],
        },
    )
    return issuer, eligibility


@transaction.atomic
def issuer_update(
    *,
    actor: object,
    issuer_id: int,
    legal_name: str,
    legal_form: str,
    head_office: HeadOffice,
    is_reporting_issuer: bool,
    is_investment_fund: bool,
    business_description: str,
    principals_added: Sequence[PrincipalInput] = (),
) -> tuple[Issuer, IssuerEligibility]:
    """Correct an issuer's profile and add principals; return it and its eligibility now.

    Refused while one of its offerings is under review or approved, open,
    suspended or closing: an officer judged, or purchasers read, the issuer as
    it was (an open offering changes by amendment, R16). Principals are added,
    never removed or rewritten: their declarations stay on record (R05, R20).
    """
    issuer = Issuer.objects.select_for_update().filter(pk=issuer_id).first()
    if issuer is None:
        raise NotFound()
    if issuer.owner_id != actor.pk:
        raise PermissionDenied()
    if issuer_has_offering_in_progress(issuer.pk):
        raise Conflict(
            _("The issuer cannot change while one of its offerings is under review or active."),
            code="issuer_offering_in_progress",
        )
    _check_places(head_office, principals_added)
    if principals_added:
        _check_principals(principals_added)
    profile = {
        "legal_name": legal_name,
        "legal_form": legal_form,
        "street": head_office.street,
        "city": head_office.city,
        "province": head_office.province,
        "postal_code": head_office.postal_code,
        "country": head_office.country,
        "is_reporting_issuer": is_reporting_issuer,
        "is_investment_fund": is_investment_fund,
        "business_description": business_description,
    }
    changed = sorted(name for name, value in profile.items() if getattr(issuer, name) != value)
    for name in changed:
        setattr(issuer, name, profile[name])
    if changed:
        issuer.save(update_fields=changed)
    _principals_create(issuer, principals_added)
    eligibility = issuer_eligibility(issuer=issuer)
    if changed or principals_added:
        audit_append(
            actor=actor_of(actor),
            action="issuer.updated",
            subject=f"issuer:{issuer.pk}",
            data={
                "fields": changed,
                "principals_added": len(principals_added),
                "group_id": eligibility.group_id,
                "violations": [v.code for v in eligibility.violations],
            },
        )
    return issuer, eligibility


def issuer_eligibility(*, issuer: Issuer, as_of: date | None = None) -> IssuerEligibility:
    """Return R01–R05 for the issuer and its group under the default rulebook in force."""
    as_of = as_of or clock.today()
    terms = rulebook_in_force(code=DEFAULT_RULEBOOK, as_of=as_of).terms
    group_ids = issuer_group_ids(issuer.pk)
    group = issuer_facts(Issuer.objects.filter(pk__in=group_ids).order_by("pk"))
    own = next(facts for facts in group if facts.issuer_id == issuer.pk)
    violations = check_issuer_eligibility(
        own, group=group, principals=principal_facts(group_ids), as_of=as_of, terms=terms
    )
    return IssuerEligibility(group_id=min(group_ids), violations=violations)


@transaction.atomic
def issuer_affiliate_add(*, actor: object, issuer_id: int, affiliate_id: int) -> Issuer:
    """Record that ``affiliate_id`` is an affiliate of ``issuer_id`` (R06)."""
    issuers = {
        i.pk: i for i in Issuer.objects.select_for_update().filter(pk__in=(issuer_id, affiliate_id))
    }
    issuer = issuers.get(issuer_id)
    if issuer is None:
        raise NotFound()
    if not (actor.is_compliance_officer or issuer.owner_id == actor.pk):
        raise PermissionDenied()
    if affiliate_id == issuer_id:
        raise InvalidInput({"issuer_id": [_("An issuer cannot be its own affiliate.")]}, rule="R06")
    affiliate = issuers.get(affiliate_id)
    if affiliate is None:
        raise InvalidInput({"issuer_id": [_("Unknown issuer.")]}, rule="R06")
    if not actor.is_compliance_officer and affiliate.owner_id != actor.pk:
        raise InvalidInput(
            {"issuer_id": [_("Only a compliance officer can link issuers of different owners.")]},
            rule="R06",
        )
    issuer.affiliates.add(affiliate)
    audit_append(
        actor=actor_of(actor),
        action="issuer.affiliate_added",
        subject=f"issuer:{issuer.pk}",
        data={"affiliate": affiliate.pk, "group_id": group_id_of(issuer.pk)},
    )
    return issuer


@transaction.atomic
def principal_override_record(
    *, officer: object, principal_id: int, reason: str
) -> DisqualificationOverride:
    """Record a compliance officer's reasoned override of a principal's R05 block."""
    if not officer.is_compliance_officer:
        raise PermissionDenied()
    if not reason.strip():
        raise InvalidInput({"reason": [_("A reason is required.")]}, rule="R05")
    principal = Principal.objects.select_for_update().filter(pk=principal_id).first()
    if principal is None:
        raise NotFound()
    if not any(principal.declarations.values()):
        raise InvalidInput(
            {"principal": [str(Violation("R05", "override_not_needed").detail)]}, rule="R05"
        )
    if principal.overrides.exists():
        raise Conflict(code="override_exists")
    override = DisqualificationOverride.objects.create(
        principal=principal,
        officer=officer,
        reason=reason.strip(),
        created_at=clock.now(),
    )
    audit_append(
        actor=actor_of(officer),
        action="principal.disqualification_overridden",
        subject=f"issuer:{principal.issuer_id}",
        data={"principal": principal.pk, "reason": override.reason},
    )
    return override
