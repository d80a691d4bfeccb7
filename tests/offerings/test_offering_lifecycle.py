"""The offering state machine through the API: transitions, refusals, group rules, rulebooks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from equity import clock
from equity.compliance.models import AuditEvent, Rulebook
from equity.compliance.services import rulebook_add_version
from equity.offerings.models import DisqualificationOverride, Offering, OfferingState
from tests.factories import OfferingFactory, PrincipalFactory

OFFERINGS = "/api/v1/offerings"
PORTAL_TIME_ZONE = ZoneInfo("America/Toronto")

OWNER_ACTIONS = {"submit", "open", "cancel"}
BODIES = {
    "approve": {"note": "Dossier complet."},
    "reject": {"reason": "Les facteurs de risque sont incomplets."},
    "suspend": {"reason": "Plainte d'un investisseur à examiner."},
    "resume": {"reason": "Plainte examinée et rejetée."},
    "cancel": {"reason": "Projet abandonné."},
}
ALLOWED = {
    "submit": ("draft",),
    "approve": ("under_review",),
    "reject": ("under_review",),
    "open": ("approved",),
    "suspend": ("open",),
    "resume": ("suspended",),
    "cancel": ("draft", "under_review", "approved", "open", "suspended", "closing"),
}
"""The source states of each action (CONTRACT.md, Offerings); tuples keep test ids stable."""
NOT_ALLOWED = [
    (state, action)
    for action, sources in ALLOWED.items()
    for state in OfferingState.values
    if state not in sources
]


def _act(client, offering_id: int, action: str, body: dict | None = None):
    return client.post(f"{OFFERINGS}/{offering_id}/{action}", body or {}, format="json")


def _events_of(offering: Offering) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject=f"offering:{offering.pk}").order_by("seq"))


def _violations(response) -> list[tuple[str, str]]:
    return [(v["rule"], v["code"]) for v in response.json()["violations"]]


def _draft(issuer, **fields) -> Offering:
    return OfferingFactory(issuer=issuer, **fields)


@pytest.fixture
def as_owner(api, issuer_user):
    return api(issuer_user)


@pytest.fixture
def as_officer(api, officer):
    return api(officer)


@pytest.fixture
def as_other_owner(api, other_issuer_user):
    return api(other_issuer_user)


@pytest.fixture
def approve_through_api(as_officer):
    """Return a function that submits an offering as ``client`` and approves it as the officer."""

    def run(client, offering: Offering) -> dict:
        submitted = _act(client, offering.pk, "submit")
        assert submitted.status_code == 200, submitted.json()
        approved = _act(as_officer, offering.pk, "approve", BODIES["approve"])
        assert approved.status_code == 200, approved.json()
        return approved.json()

    return run


# --- each transition, once -----------------------------------------------------------


TRANSITIONS = [
    ("draft", "submit", "owner", "under_review", "offering.submitted"),
    ("under_review", "approve", "officer", "approved", "offering.approved"),
    ("under_review", "reject", "officer", "draft", "offering.rejected"),
    ("approved", "open", "owner", "open", "offering.opened"),
    ("open", "suspend", "officer", "suspended", "offering.suspended"),
    ("suspended", "resume", "officer", "open", "offering.resumed"),
    *[
        (state, "cancel", who, "cancelled", "offering.cancelled")
        for state in ALLOWED["cancel"]
        for who in ("owner", "officer")
    ],
]


@pytest.mark.parametrize(("source", "action", "who", "target", "audit_action"), TRANSITIONS)
def test_each_transition_moves_the_state_and_appends_one_audit_event(
    request, offering_in_state, source, action, who, target, audit_action
):
    user = request.getfixturevalue("issuer_user" if who == "owner" else "officer")
    client = request.getfixturevalue(f"as_{who}")
    offering = offering_in_state(source)
    events_before = AuditEvent.objects.count()

    response = _act(client, offering.pk, action, BODIES.get(action))

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == target
    offering.refresh_from_db()
    assert offering.state == target
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.subject, event.actor) == (
        audit_action,
        f"offering:{offering.pk}",
        f"user:{user.pk}",
    )
    assert (event.data["from"], event.data["to"]) == (source, target)


def test_submit_records_the_rulebook_version_and_time(as_owner, issuer, frozen_now):
    offering = _draft(issuer)

    response = _act(as_owner, offering.pk, "submit")

    assert response.status_code == 200, response.json()
    assert (response.json()["rulebook"], response.json()["rulebook_version"]) == ("ni45-110", 1)
    offering.refresh_from_db()
    assert offering.rulebook == Rulebook.objects.get(code="ni45-110", version=1)
    assert offering.submitted_at == frozen_now
    assert _events_of(offering)[-1].data["rulebook_version"] == 1


def test_approve_records_the_officer_and_the_note(
    as_owner, as_officer, officer, issuer, frozen_now
):
    offering = _draft(issuer)
    _act(as_owner, offering.pk, "submit")

    response = _act(as_officer, offering.pk, "approve", {"note": "  Dossier complet.  "})

    assert response.status_code == 200, response.json()
    offering.refresh_from_db()
    assert offering.state == OfferingState.APPROVED
    assert offering.approved_by == officer
    assert offering.approval_note == "Dossier complet."
    assert offering.approved_at == frozen_now
    assert [e.action for e in _events_of(offering)] == ["offering.submitted", "offering.approved"]


def test_reject_needs_a_reason_and_changes_nothing_without_one(as_officer, offering_in_state):
    offering = offering_in_state("under_review")
    events_before = AuditEvent.objects.count()

    response = _act(as_officer, offering.pk, "reject", {})

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["reason"]
    offering.refresh_from_db()
    assert offering.state == OfferingState.UNDER_REVIEW
    assert offering.rejection_reason == ""
    assert AuditEvent.objects.count() == events_before


def test_reject_returns_the_offering_to_draft_with_the_reason(as_officer, offering_in_state):
    offering = offering_in_state("under_review")

    response = _act(as_officer, offering.pk, "reject", BODIES["reject"])

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "draft"
    assert response.json()["rejection_reason"] == BODIES["reject"]["reason"]
    offering.refresh_from_db()
    assert offering.rejection_reason == BODIES["reject"]["reason"]
    assert _events_of(offering)[-1].data["reason"] == BODIES["reject"]["reason"]


def test_r12_open_sets_the_closing_time_from_the_distribution_period(
    as_owner, offering_in_state, frozen_now
):
    offering = offering_in_state("approved", distribution_days=45)

    response = _act(as_owner, offering.pk, "open")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert datetime.fromisoformat(body["opened_at"]) == frozen_now
    assert datetime.fromisoformat(body["closes_at"]) == frozen_now + timedelta(days=45)
    offering.refresh_from_db()
    assert offering.opened_at == frozen_now
    assert offering.closes_at == datetime(2026, 4, 16, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("source", "action"), [("open", "suspend"), ("suspended", "resume")])
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_suspend_and_resume_need_a_reason(as_officer, offering_in_state, source, action, body):
    offering = offering_in_state(source)
    events_before = AuditEvent.objects.count()

    response = _act(as_officer, offering.pk, action, body)

    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["reason"]
    offering.refresh_from_db()
    assert offering.state == source
    assert AuditEvent.objects.count() == events_before


def test_suspend_records_the_reason_and_resume_clears_it(as_officer, offering_in_state):
    offering = offering_in_state("open")

    _act(as_officer, offering.pk, "suspend", BODIES["suspend"])
    offering.refresh_from_db()
    assert offering.suspension_reason == BODIES["suspend"]["reason"]

    _act(as_officer, offering.pk, "resume", BODIES["resume"])
    offering.refresh_from_db()
    assert offering.state == OfferingState.OPEN
    assert offering.suspension_reason == ""


def test_cancel_records_when(as_owner, offering_in_state, frozen_now):
    offering = offering_in_state("open")

    response = _act(as_owner, offering.pk, "cancel", BODIES["cancel"])

    assert datetime.fromisoformat(response.json()["cancelled_at"]) == frozen_now
    assert _events_of(offering)[-1].data["reason"] == BODIES["cancel"]["reason"]


# --- transitions that are not allowed from the current state -----------------------


@pytest.mark.parametrize(("state", "action"), NOT_ALLOWED)
def test_a_transition_not_allowed_from_the_current_state_is_a_conflict(
    as_owner, as_officer, offering_in_state, state, action
):
    offering = offering_in_state(state)
    client = as_owner if action in OWNER_ACTIONS else as_officer
    events_before = AuditEvent.objects.count()

    response = _act(client, offering.pk, action, BODIES.get(action))

    assert response.status_code == 409, response.json()
    body = response.json()
    assert set(body) == {"code", "detail", "rule", "state"}
    assert (body["code"], body["rule"], body["state"]) == ("invalid_transition", None, state)
    assert "not possible" in body["detail"]
    offering.refresh_from_db()
    assert offering.state == state
    assert AuditEvent.objects.count() == events_before


# --- who may act ------------------------------------------------------------------------


def test_an_issuer_cannot_approve(as_owner, offering_in_state):
    offering = offering_in_state("under_review")

    response = _act(as_owner, offering.pk, "approve")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    offering.refresh_from_db()
    assert offering.state == OfferingState.UNDER_REVIEW
    assert not _events_of(offering)


@pytest.mark.parametrize(("state", "action"), [("draft", "submit"), ("approved", "open")])
def test_another_issuer_cannot_move_someone_elses_offering(
    as_other_owner, offering_in_state, state, action
):
    offering = offering_in_state(state)

    response = _act(as_other_owner, offering.pk, action)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    offering.refresh_from_db()
    assert offering.state == state
    assert not _events_of(offering)


def test_another_issuer_cannot_cancel_someone_elses_offering(as_other_owner, offering_in_state):
    offering = offering_in_state("open")

    response = _act(as_other_owner, offering.pk, "cancel")

    assert response.status_code == 403
    offering.refresh_from_db()
    assert offering.state == OfferingState.OPEN
    assert not _events_of(offering)


def test_an_investor_cannot_submit(api, investor, offering_in_state):
    offering = offering_in_state("draft")

    response = _act(api(investor), offering.pk, "submit")

    assert response.status_code == 403
    offering.refresh_from_db()
    assert offering.state == OfferingState.DRAFT


def test_an_investor_cannot_create_an_offering(api, investor, issuer, offering_body):
    response = api(investor).post(OFFERINGS, offering_body(issuer), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Offering.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_unknown_offering_is_not_found(as_owner):
    response = _act(as_owner, 999_999, "submit")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- R07 and R08: the issuer group --------------------------------------------------


def test_r07_r08_a_second_offering_of_the_group_waits_until_the_first_is_cancelled(
    as_owner, as_other_owner, as_officer, issuer, sister_issuer, approve_through_api
):
    first = _draft(issuer, maximum_amount_cents=100_000_000)
    second = _draft(sister_issuer, maximum_amount_cents=60_000_000)
    approve_through_api(as_owner, first)
    events_before = AuditEvent.objects.count()

    refused = _act(as_other_owner, second.pk, "submit")

    assert refused.status_code == 422, refused.json()
    assert set(_violations(refused)) == {
        ("R07", "group_distribution_active"),
        ("R08", "issuer_group_cap_exceeded"),
    }
    second.refresh_from_db()
    assert (second.state, second.rulebook, second.submitted_at) == ("draft", None, None)
    assert AuditEvent.objects.count() == events_before

    assert _act(as_owner, first.pk, "cancel").status_code == 200
    submitted = _act(as_other_owner, second.pk, "submit")
    assert submitted.status_code == 200, submitted.json()
    approved = _act(as_officer, second.pk, "approve")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "approved"


def test_r07_an_offering_under_review_elsewhere_in_the_group_does_not_block_submission(
    as_other_owner, issuer, sister_issuer, offering_in_state
):
    offering_in_state("under_review", maximum_amount_cents=50_000_000)
    second = _draft(sister_issuer, maximum_amount_cents=50_000_000)

    response = _act(as_other_owner, second.pk, "submit")

    assert response.status_code == 200, response.json()


@pytest.fixture
def closed_sister_offering(sister_issuer):
    """A distribution of the group closed on 2025-12-01 having raised $1,000,000."""
    offering = OfferingFactory(
        issuer=sister_issuer,
        maximum_amount_cents=100_000_000,
        rulebook=Rulebook.objects.get(code="ni45-110", version=1),
    )
    Offering.objects.filter(pk=offering.pk).update(
        state=OfferingState.CLOSED,
        raised_cents=100_000_000,
        closed_at=datetime(2025, 12, 1, 12, tzinfo=PORTAL_TIME_ZONE),
    )
    return offering


def test_r08_cap_reports_what_the_group_raised_in_the_window(
    as_owner, issuer, closed_sister_offering, frozen_now
):
    response = as_owner.get(f"/api/v1/issuers/{issuer.pk}/cap")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "rulebook": "ni45-110",
        "rulebook_version": 1,
        "limit_cents": 150_000_000,
        "window_start": "2025-03-03",
        "window_end": "2026-03-02",
        "raised_cents": 100_000_000,
        "reserved_cents": 0,
        "headroom_cents": 50_000_000,
    }


@pytest.mark.parametrize(
    ("closed_on", "counted"),
    [(date(2025, 3, 2), False), (date(2025, 3, 3), True), (date(2026, 3, 2), True)],
)
def test_r08_the_window_is_the_twelve_months_ending_today(
    as_owner, issuer, sister_issuer, frozen_now, closed_on, counted
):
    offering = OfferingFactory(issuer=sister_issuer, maximum_amount_cents=30_000_000)
    Offering.objects.filter(pk=offering.pk).update(
        state=OfferingState.CLOSED,
        raised_cents=30_000_000,
        closed_at=datetime.combine(closed_on, time(9), tzinfo=PORTAL_TIME_ZONE),
    )

    response = as_owner.get(f"/api/v1/issuers/{issuer.pk}/cap")

    assert response.json()["raised_cents"] == (30_000_000 if counted else 0)


def test_r08_a_maximum_past_the_headroom_is_refused_and_one_equal_to_it_approved(
    as_owner, as_officer, issuer, closed_sister_offering, frozen_now
):
    too_big = _draft(issuer, maximum_amount_cents=50_000_000 + 1_000)
    fits = _draft(issuer, maximum_amount_cents=50_000_000)
    events_before = AuditEvent.objects.count()

    refused = _act(as_owner, too_big.pk, "submit")

    assert refused.status_code == 422, refused.json()
    assert refused.json()["rule"] == "R08"
    assert refused.json()["code"] == "issuer_group_cap_exceeded"
    assert _violations(refused) == [("R08", "issuer_group_cap_exceeded")]
    for figure in ("$500,010.00", "$500,000.00", "$1,500,000.00"):
        assert figure in refused.json()["detail"]
    too_big.refresh_from_db()
    assert too_big.state == OfferingState.DRAFT
    assert AuditEvent.objects.count() == events_before

    assert _act(as_owner, fits.pk, "submit").status_code == 200
    approved = _act(as_officer, fits.pk, "approve")
    assert approved.status_code == 200, approved.json()

    cap = as_owner.get(f"/api/v1/issuers/{issuer.pk}/cap").json()
    assert (cap["raised_cents"], cap["reserved_cents"], cap["headroom_cents"]) == (
        100_000_000,
        50_000_000,
        0,
    )


def test_r08_cap_is_refused_to_a_stranger(as_other_owner, issuer):
    response = as_other_owner.get(f"/api/v1/issuers/{issuer.pk}/cap")

    assert response.status_code == 403


# --- R05: a disqualified principal, and the officer's override ------------------------


@pytest.fixture
def declared_principal(issuer):
    return PrincipalFactory(
        issuer=issuer,
        full_name="Marc Fortin",
        is_founder=False,
        is_director=True,
        declarations={
            "cease_trade_order": True,
            "securities_sanction": False,
            "fraud_conviction": False,
            "bankruptcy": False,
        },
    )


def test_r05_submission_waits_for_an_officers_reasoned_override(
    as_owner, as_officer, officer, issuer, declared_principal
):
    offering = _draft(issuer)
    events_before = AuditEvent.objects.count()

    refused = _act(as_owner, offering.pk, "submit")

    assert refused.status_code == 422, refused.json()
    assert refused.json()["rule"] == "R05"
    assert _violations(refused) == [("R05", "principal_disqualified")]
    assert "Marc Fortin" in refused.json()["detail"]
    offering.refresh_from_db()
    assert offering.state == OfferingState.DRAFT
    assert AuditEvent.objects.count() == events_before

    override_url = f"/api/v1/principals/{declared_principal.pk}/override"
    blank = as_officer.post(override_url, {"reason": ""}, format="json")
    assert blank.status_code == 400, blank.json()
    assert (blank.json()["code"], blank.json()["rule"]) == ("invalid", "R05")
    assert not DisqualificationOverride.objects.exists()
    assert AuditEvent.objects.count() == events_before

    reason = "Ordonnance de 2019 levée; aucune autre mesure."
    recorded = as_officer.post(override_url, {"reason": reason}, format="json")
    assert recorded.status_code == 201, recorded.json()
    override = DisqualificationOverride.objects.get()
    assert (override.principal, override.officer, override.reason) == (
        declared_principal,
        officer,
        reason,
    )

    submitted = _act(as_owner, offering.pk, "submit")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "under_review"


def test_r05_a_disqualified_principal_of_a_group_mate_blocks_submission(
    as_owner, as_officer, issuer, sister_issuer
):
    declared = PrincipalFactory(
        issuer=sister_issuer,
        full_name="Marc Fortin",
        is_founder=False,
        is_director=True,
        declarations={
            "cease_trade_order": False,
            "securities_sanction": True,
            "fraud_conviction": False,
            "bankruptcy": False,
        },
    )
    offering = _draft(issuer)

    refused = _act(as_owner, offering.pk, "submit")

    assert refused.status_code == 422, refused.json()
    assert _violations(refused) == [("R05", "principal_disqualified")]
    override = as_officer.post(
        f"/api/v1/principals/{declared.pk}/override",
        {"reason": "Sanction annulée en appel."},
        format="json",
    )
    assert override.status_code == 201, override.json()
    assert _act(as_owner, offering.pk, "submit").status_code == 200


def test_r05_an_override_is_refused_when_there_is_nothing_to_override(as_officer, issuer):
    clean = issuer.principals.get()
    events_before = AuditEvent.objects.count()

    response = as_officer.post(
        f"/api/v1/principals/{clean.pk}/override", {"reason": "Par prudence."}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["rule"]) == ("invalid", "R05")
    assert not DisqualificationOverride.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_r05_a_principal_is_overridden_once(as_officer, declared_principal):
    url = f"/api/v1/principals/{declared_principal.pk}/override"
    assert as_officer.post(url, {"reason": "Ordonnance levée."}, format="json").status_code == 201
    events_before = AuditEvent.objects.count()

    again = as_officer.post(url, {"reason": "Deuxième avis."}, format="json")

    assert again.status_code == 409, again.json()
    assert again.json()["code"] == "override_exists"
    assert DisqualificationOverride.objects.get().reason == "Ordonnance levée."
    assert AuditEvent.objects.count() == events_before


def test_r05_an_issuer_cannot_override_its_own_principal(as_owner, declared_principal):
    response = as_owner.post(
        f"/api/v1/principals/{declared_principal.pk}/override",
        {"reason": "Tout va bien."},
        format="json",
    )

    assert response.status_code == 403
    assert not DisqualificationOverride.objects.exists()


def test_r05_a_declaration_older_than_the_look_back_does_not_block(as_owner, issuer, frozen_now):
    PrincipalFactory(
        issuer=issuer,
        full_name="Marc Fortin",
        is_founder=False,
        is_director=True,
        declarations={
            "cease_trade_order": False,
            "securities_sanction": False,
            "fraud_conviction": False,
            "bankruptcy": True,
        },
        declaration_dates={"bankruptcy": "2015-01-10"},
    )
    offering = _draft(issuer)

    response = _act(as_owner, offering.pk, "submit")

    assert response.status_code == 200, response.json()


# --- rulebook versions --------------------------------------------------------------


def test_rulebook_an_offering_is_judged_by_the_version_it_was_submitted_under(
    as_owner, as_other_owner, as_officer, officer, issuer, stranger_issuer, frozen_now
):
    earlier = _draft(issuer, maximum_amount_cents=100_000_000)
    submitted = _act(as_owner, earlier.pk, "submit")
    assert submitted.json()["rulebook_version"] == 1

    v1 = Rulebook.objects.get(code="ni45-110", version=1)
    v2 = rulebook_add_version(
        code="ni45-110",
        effective_from=clock.today(),
        parameters={**v1.parameters, "issuer_cap_cents": 50_000_000},
        title_en=v1.title_en,
        title_fr=v1.title_fr,
        notes="Corrected cap.",
        created_by=officer,
    )
    assert v2.version == 2

    approved = _act(as_officer, earlier.pk, "approve")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["rulebook_version"] == 1
    earlier.refresh_from_db()
    assert earlier.rulebook == v1

    past_new_cap = _draft(stranger_issuer, maximum_amount_cents=60_000_000)
    refused = _act(as_other_owner, past_new_cap.pk, "submit")
    assert refused.status_code == 422, refused.json()
    assert _violations(refused) == [("R08", "issuer_group_cap_exceeded")]
    assert "$500,000.00" in refused.json()["detail"]

    within_new_cap = _draft(stranger_issuer, maximum_amount_cents=40_000_000)
    later = _act(as_other_owner, within_new_cap.pk, "submit")
    assert later.status_code == 200, later.json()
    assert (later.json()["rulebook"], later.json()["rulebook_version"]) == ("ni45-110", 2)
    within_new_cap.refresh_from_db()
    assert within_new_cap.rulebook == v2


def test_r08_startup_2015_caps_each_distribution_at_250_000(
    as_owner, as_officer, issuer, offering_body
):
    with clock.travel_to(datetime(2019, 6, 3, 15, tzinfo=UTC)):
        too_big = as_owner.post(
            OFFERINGS,
            offering_body(issuer, rulebook="startup-2015", maximum_amount_cents=30_000_000),
            format="json",
        )
        assert too_big.status_code == 201, too_big.json()
        refused = _act(as_owner, too_big.json()["id"], "submit")

        at_cap = as_owner.post(
            OFFERINGS,
            offering_body(issuer, rulebook="startup-2015", maximum_amount_cents=25_000_000),
            format="json",
        )
        submitted = _act(as_owner, at_cap.json()["id"], "submit")
        approved = _act(as_officer, at_cap.json()["id"], "approve")

    assert refused.status_code == 422, refused.json()
    assert _violations(refused) == [("R08", "issuer_group_cap_exceeded")]
    assert Offering.objects.get(pk=too_big.json()["id"]).state == OfferingState.DRAFT
    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["rulebook"], submitted.json()["rulebook_version"]) == (
        "startup-2015",
        1,
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "approved"


def test_r08_startup_2015_allows_two_distributions_per_calendar_year(
    as_owner, issuer, sister_issuer, offering_body
):
    moment = datetime(2019, 9, 3, 15, tzinfo=UTC)
    for approved_on in (datetime(2019, 2, 1, 15, tzinfo=UTC), datetime(2019, 5, 1, 15, tzinfo=UTC)):
        earlier = OfferingFactory(issuer=sister_issuer, maximum_amount_cents=10_000_000)
        Offering.objects.filter(pk=earlier.pk).update(
            state=OfferingState.CLOSED,
            rulebook_code="startup-2015",
            approved_at=approved_on,
            raised_cents=10_000_000,
            closed_at=approved_on + timedelta(days=60),
        )
    with clock.travel_to(moment):
        created = as_owner.post(
            OFFERINGS, offering_body(issuer, rulebook="startup-2015"), format="json"
        )
        refused = _act(as_owner, created.json()["id"], "submit")

    assert refused.status_code == 422, refused.json()
    assert _violations(refused) == [("R08", "distributions_per_year_exceeded")]
    with clock.travel_to(datetime(2020, 1, 6, 15, tzinfo=UTC)):
        next_year = _act(as_owner, created.json()["id"], "submit")
    assert next_year.status_code == 200, next_year.json()
