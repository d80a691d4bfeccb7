"""R06: the issuer group, derived by equity.offerings.selectors.issuer_group_ids."""

from __future__ import annotations

import pytest

from equity.offerings.selectors import issuer_group_ids
from equity.offerings.services import issuer_create, issuer_eligibility
from equity.offerings.services.issuers import HeadOffice, PrincipalInput
from tests.factories import NO_DECLARATIONS, IssuerFactory, PrincipalFactory

pytestmark = pytest.mark.django_db


def _founded_by(full_name: str, **issuer_fields) -> object:
    company = IssuerFactory(**issuer_fields)
    PrincipalFactory(issuer=company, full_name=full_name, is_founder=True)
    return company


def _register(owner, *, legal_name: str, principal: str, roles: list[str]):
    issuer, _eligibility = issuer_create(
        owner=owner,
        legal_name=legal_name,
        legal_form="corporation",
        head_office=HeadOffice("1 rue Principale", "Sherbrooke", "QC", "J1H 1A1", "CA"),
        is_reporting_issuer=False,
        is_investment_fund=False,
        business_description="Torréfaction de café équitable.",
        principals=[
            PrincipalInput(
                full_name=principal,
                roles=roles,
                residence_country="CA",
                declarations=dict(NO_DECLARATIONS),
            )
        ],
    )
    return issuer


def test_r06_an_issuer_alone_is_its_own_group(issuer):
    IssuerFactory()

    assert issuer_group_ids(issuer.pk) == {issuer.pk}


def test_r06_affiliates_are_one_group_from_either_side(issuer):
    affiliate = IssuerFactory(owner=issuer.owner)
    issuer.affiliates.add(affiliate)
    IssuerFactory(owner=issuer.owner)

    assert issuer_group_ids(issuer.pk) == {issuer.pk, affiliate.pk}
    assert issuer_group_ids(affiliate.pk) == {issuer.pk, affiliate.pk}


def test_r06_two_issuers_sharing_a_founder_are_one_group(issuer, sister_issuer):
    assert issuer_group_ids(issuer.pk) == {issuer.pk, sister_issuer.pk}
    assert issuer_group_ids(sister_issuer.pk) == {issuer.pk, sister_issuer.pk}


def test_r06_two_issuers_sharing_a_control_person_are_one_group():
    first = _founded_by("Annie Lavoie")
    second = _founded_by("Bruno Pelletier")
    PrincipalFactory(
        issuer=first, full_name="Holding Tremblay", is_founder=False, is_control_person=True
    )
    PrincipalFactory(
        issuer=second, full_name="Holding Tremblay", is_founder=False, is_control_person=True
    )

    assert issuer_group_ids(first.pk) == {first.pk, second.pk}


def test_r06_a_founder_who_controls_another_issuer_joins_the_two():
    first = _founded_by("Annie Lavoie")
    second = _founded_by("Bruno Pelletier")
    PrincipalFactory(
        issuer=second, full_name="Annie Lavoie", is_founder=False, is_control_person=True
    )

    assert issuer_group_ids(second.pk) == {first.pk, second.pk}


def test_r06_groups_transitively_across_affiliation_and_founders():
    a = _founded_by("Annie Lavoie")
    b = _founded_by("Bruno Pelletier", owner=a.owner)
    c = _founded_by("Bruno Pelletier")
    a.affiliates.add(b)
    _founded_by("Chantal Roy")

    assert issuer_group_ids(a.pk) == {a.pk, b.pk, c.pk}
    assert issuer_group_ids(c.pk) == {a.pk, b.pk, c.pk}


def test_r06_follows_a_long_chain_of_links():
    names = [f"Maillon {n}" for n in range(5)]
    chain = [_founded_by(name) for name in names]
    for previous_founder, company in zip(names, chain[1:], strict=False):
        PrincipalFactory(issuer=company, full_name=previous_founder)

    assert issuer_group_ids(chain[-1].pk) == {company.pk for company in chain}


def test_r06_a_shared_director_alone_does_not_group():
    first = _founded_by("Annie Lavoie")
    second = _founded_by("Bruno Pelletier")
    for company in (first, second):
        PrincipalFactory(
            issuer=company, full_name="Denis Ouellet", is_founder=False, is_director=True
        )

    assert issuer_group_ids(first.pk) == {first.pk}
    assert issuer_group_ids(second.pk) == {second.pk}


def test_r06_a_shared_officer_alone_does_not_group():
    first = _founded_by("Annie Lavoie")
    second = _founded_by("Bruno Pelletier")
    for company in (first, second):
        PrincipalFactory(
            issuer=company, full_name="Denis Ouellet", is_founder=False, is_officer=True
        )

    assert issuer_group_ids(first.pk) == {first.pk}


def test_r06_name_matching_ignores_accents_case_and_extra_spaces(issuer_user, other_issuer_user):
    first = _register(
        issuer_user, legal_name="Café Roy inc.", principal="Élise  Roy", roles=["founder"]
    )
    second = _register(
        other_issuer_user,
        legal_name="Torréfacteurs de l'Estrie inc.",
        principal=" elise roy ",
        roles=["control_person"],
    )

    assert issuer_group_ids(first.pk) == {first.pk, second.pk}
    assert issuer_eligibility(issuer=second).group_id == min(first.pk, second.pk)


def test_r06_different_names_do_not_match(issuer_user, other_issuer_user):
    first = _register(
        issuer_user, legal_name="Café Roy inc.", principal="Élise Roy", roles=["founder"]
    )
    second = _register(
        other_issuer_user,
        legal_name="Torréfacteurs de l'Estrie inc.",
        principal="Élise Royer",
        roles=["founder"],
    )

    assert issuer_group_ids(first.pk) == {first.pk}
    assert issuer_group_ids(second.pk) == {second.pk}


def test_r02_an_issuer_whose_group_mate_is_a_reporting_issuer_is_ineligible(issuer):
    listed = _founded_by(
        "Camille Gagnon", legal_name="Gagnon Mobilité ltée", is_reporting_issuer=True
    )

    eligibility = issuer_eligibility(issuer=issuer)

    assert not eligibility.eligible
    assert [(v.rule, v.code) for v in eligibility.violations] == [("R02", "reporting_issuer")]
    assert eligibility.violations[0].params == {"issuer": listed.legal_name}
    assert eligibility.group_id == min(issuer.pk, listed.pk)


def test_r02_a_reporting_issuer_outside_the_group_does_not_matter(issuer):
    _founded_by("Quelqu'un d'autre", is_reporting_issuer=True)

    assert issuer_eligibility(issuer=issuer).eligible
