"""POST /api/v1/offerings/{id}/subscriptions: the happy path, every refusal, Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import pytest

from equity import clock
from equity.compliance.models import AuditEvent, IdempotencyRecord
from equity.investors.models import RiskAcknowledgement, RiskAcknowledgementForm, Subscription
from equity.offerings.models import OfferingState
from equity.offerings.services import offering_suspend
from tests.investors.conftest import (
    OFFERINGS,
    SUBSCRIPTIONS,
    acknowledgement_shown,
    eligible_issuer,
    signed,
    signed_current_form,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


def _refusal(response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["code"], body["rule"]


def _offering_figures(api, user, offering) -> tuple[int, int]:
    body = api(user).get(f"{OFFERINGS}/{offering.pk}").json()
    return body["raised_cents"], body["subscriber_count"]


def _record_suitability(api, officer, investor, offering) -> None:
    response = api(officer).post(
        "/api/v1/suitability-determinations",
        {
            "investor": investor.pk,
            "offering": offering.pk,
            "determined_by": "Julie Roy, représentante inscrite",
            "determined_at": "2026-03-01T14:00:00-05:00",
            "basis": "Revenu et actif net déclarés; horizon de placement de dix ans.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()


# --- the subscription as the contract describes it ---------------------------------------


def test_r15_subscription_with_the_acknowledgement_shown_is_created_pending_payment(
    api, investor, open_offering, frozen_now, everything
):
    client = api(investor, "en")
    form = acknowledgement_shown(client, open_offering)
    before = everything()

    response = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {"amount_cents": 150_000, "risk_acknowledgement": signed(form, "Léa Tremblay")},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = Subscription.objects.get()
    assert body["id"] == subscription.pk
    assert body["state"] == "pending_payment"
    assert body["amount_cents"] == 150_000
    assert body["quantity"] == 150
    assert body["offering"] == open_offering.pk
    deadline = datetime.fromisoformat(body["withdrawal_deadline"])
    assert deadline.utcoffset() is not None
    assert deadline == frozen_now + timedelta(hours=48)
    assert subscription.created_at == frozen_now
    assert subscription.withdrawal_deadline == frozen_now + timedelta(hours=48)
    after = everything()
    assert len(after["subscriptions"]) == len(before["subscriptions"]) + 1
    assert after["acknowledgements"] == before["acknowledgements"] + 1


def test_r15_the_acknowledgement_keeps_exactly_what_was_shown_and_who_signed_it(
    api, investor, open_offering, frozen_now
):
    client = api(investor, "en")
    form = acknowledgement_shown(client, open_offering)

    response = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {"amount_cents": 150_000, "risk_acknowledgement": signed(form, "Léa Tremblay")},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )

    assert response.status_code == 201, response.json()
    acknowledgement = RiskAcknowledgement.objects.get(subscription_id=response.json()["id"])
    assert acknowledgement.form.version == form["form_version"] == "45-110F2-2026.1"
    assert acknowledgement.statements == [statement["code"] for statement in form["statements"]]
    assert len(acknowledgement.statements) == 7
    assert acknowledgement.full_name == "Léa Tremblay"
    assert acknowledgement.language == "en"
    assert acknowledgement.signed_at == frozen_now
    assert acknowledgement.ip_address == "203.0.113.7"
    assert acknowledgement.user_agent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    shown = json.dumps(form["statements"], sort_keys=True, ensure_ascii=False)
    assert acknowledgement.text_sha256 == hashlib.sha256(shown.encode()).hexdigest()


def test_r15_a_purchaser_reading_french_signs_the_french_text(api, investor, open_offering):
    client = api(investor, "fr")
    form = acknowledgement_shown(client, open_offering)
    english = acknowledgement_shown(api(investor, "en"), open_offering)

    response = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {"amount_cents": 10_000, "risk_acknowledgement": signed(form, "Léa Tremblay")},
        format="json",
    )

    assert response.status_code == 201, response.json()
    acknowledgement = RiskAcknowledgement.objects.get()
    assert form["language"] == acknowledgement.language == "fr"
    assert form["statements"][0]["text"] == (
        "Je comprends que je pourrais perdre la totalité de l’argent que j’investis."
    )
    shown = json.dumps(form["statements"], sort_keys=True, ensure_ascii=False)
    assert acknowledgement.text_sha256 == hashlib.sha256(shown.encode()).hexdigest()
    english_text = json.dumps(english["statements"], sort_keys=True, ensure_ascii=False)
    assert acknowledgement.text_sha256 != hashlib.sha256(english_text.encode()).hexdigest()


def test_r15_the_typed_name_matches_regardless_of_case_and_spacing(
    subscribe, investor, open_offering
):
    form = signed_current_form("  LÉA   tremblay ")

    response = subscribe(investor, open_offering, 10_000, acknowledgement=form)

    assert response.status_code == 201, response.json()
    assert RiskAcknowledgement.objects.get().full_name == "LÉA   tremblay"


def test_subscription_raises_the_offering_total_and_its_subscriber_count(
    api, subscribe, investor, other_investor, open_offering
):
    assert _offering_figures(api, investor, open_offering) == (0, 0)

    assert subscribe(investor, open_offering, 150_000).status_code == 201
    assert _offering_figures(api, investor, open_offering) == (150_000, 1)

    assert subscribe(investor, open_offering, 20_000).status_code == 201
    assert _offering_figures(api, investor, open_offering) == (170_000, 1)

    assert subscribe(other_investor, open_offering, 30_000).status_code == 201
    assert _offering_figures(api, investor, open_offering) == (200_000, 2)
    open_offering.refresh_from_db()
    assert open_offering.raised_cents == 200_000


def test_p02_subscription_appends_one_audit_event(subscribe, investor, open_offering, frozen_now):
    before = AuditEvent.objects.count()

    response = subscribe(investor, open_offering, 150_000)

    assert response.status_code == 201, response.json()
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "subscription.created"
    assert event.subject == f"subscription:{response.json()['id']}"
    assert event.at == frozen_now
    assert event.data["offering"] == open_offering.pk
    assert event.data["amount_cents"] == 150_000
    assert event.data["quantity"] == 150
    assert event.data["risk_form"] == "45-110F2-2026.1"


# --- the offering must be open -------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        OfferingState.DRAFT,
        OfferingState.UNDER_REVIEW,
        OfferingState.APPROVED,
        OfferingState.SUSPENDED,
        OfferingState.CANCELLED,
    ],
)
def test_subscription_to_an_offering_that_is_not_open_is_refused(
    subscribe, investor, offering_in, everything, state
):
    offering = offering_in(state)
    before = everything()

    response = subscribe(
        investor, offering, 10_000, acknowledgement=signed_current_form("Léa Tremblay")
    )

    assert _refusal(response) == (422, "offering_not_open", None)
    assert everything() == before


def test_subscription_after_the_distribution_period_ended_is_refused(
    subscribe, investor, open_offering, everything
):
    form = signed_current_form("Léa Tremblay")
    clock.advance(open_offering.closes_at - clock.now() + timedelta(seconds=1))
    before = everything()

    response = subscribe(investor, open_offering, 10_000, acknowledgement=form)

    assert _refusal(response) == (422, "offering_not_open", None)
    assert everything() == before


def test_subscription_in_the_last_second_of_the_distribution_period_is_accepted(
    subscribe, investor, open_offering
):
    clock.advance(open_offering.closes_at - clock.now() - timedelta(seconds=1))

    response = subscribe(investor, open_offering, 10_000)

    assert response.status_code == 201, response.json()


# --- the amount --------------------------------------------------------------------------


@pytest.mark.parametrize("amount_cents", [500, 999, 10_500, 150_001])
def test_amount_that_is_not_a_whole_number_of_securities_is_refused(
    subscribe, investor, open_offering, everything, amount_cents
):
    before = everything()

    response = subscribe(investor, open_offering, amount_cents)

    assert _refusal(response) == (422, "amount_not_multiple_of_price", None)
    assert everything() == before


@pytest.mark.parametrize("amount_cents", [0, -1_000, 1_000.0, 10_000.5, "10000", None, True])
def test_amount_that_is_not_a_positive_integer_is_invalid(
    subscribe, investor, open_offering, everything, amount_cents
):
    before = everything()

    response = subscribe(investor, open_offering, amount_cents)

    assert _refusal(response) == (400, "invalid", None)
    assert list(response.json()["errors"]) == ["amount_cents"]
    assert everything() == before


# --- R09: the purchaser's limit -----------------------------------------------------------


def test_r09_refuses_second_subscription_past_limit_and_accepts_one_exactly_at_it(
    subscribe, investor, open_offering, everything
):
    assert subscribe(investor, open_offering, 200_000).status_code == 201
    before = everything()

    refused = subscribe(investor, open_offering, 60_000)

    assert _refusal(refused) == (422, "purchaser_limit_exceeded", "R09")
    detail = refused.json()["detail"]
    assert "$2,500.00" in detail
    assert "$500.00" in detail  # the room left
    assert everything() == before

    accepted = subscribe(investor, open_offering, 50_000)

    assert accepted.status_code == 201, accepted.json()
    assert _refusal(subscribe(investor, open_offering, 1_000)) == (
        422,
        "purchaser_limit_exceeded",
        "R09",
    )


def test_r09_a_single_subscription_past_the_limit_is_refused(
    subscribe, investor, open_offering, everything
):
    before = everything()

    response = subscribe(investor, open_offering, 251_000)

    assert _refusal(response) == (422, "purchaser_limit_exceeded", "R09")
    assert everything() == before


@pytest.mark.parametrize("state", ["funded", "accepted"])
def test_r09_counts_funded_and_accepted_subscriptions(
    subscribe, subscribed, investor, open_offering, everything, state
):
    earlier = subscribed(investor, open_offering, 200_000)
    # Payments are not yet an API of this module: the scene is arranged directly.
    Subscription.objects.filter(pk=earlier.pk).update(state=state)
    before = everything()

    refused = subscribe(investor, open_offering, 60_000)

    assert _refusal(refused) == (422, "purchaser_limit_exceeded", "R09")
    assert everything() == before
    assert subscribe(investor, open_offering, 50_000).status_code == 201


def test_r09_a_withdrawn_subscription_frees_the_purchasers_room(
    api, subscribe, subscribed, investor, open_offering
):
    earlier = subscribed(investor, open_offering, 200_000)
    assert subscribed(investor, open_offering, 50_000).amount_cents == 50_000
    assert _refusal(subscribe(investor, open_offering, 1_000))[1] == "purchaser_limit_exceeded"

    withdrawn = api(investor).post(f"{SUBSCRIPTIONS}/{earlier.pk}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.json()

    response = subscribe(investor, open_offering, 200_000)

    assert response.status_code == 201, response.json()
    assert _refusal(subscribe(investor, open_offering, 1_000))[1] == "purchaser_limit_exceeded"


def test_r09_the_limit_is_per_offering(subscribe, investor, open_offering, offering_in):
    other_offering = offering_in(OfferingState.OPEN, issuer=eligible_issuer())
    assert subscribe(investor, open_offering, 250_000).status_code == 201

    response = subscribe(investor, other_offering, 250_000)

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("registered_dealer", "suitability_recorded", "limit_cents"),
    [
        (True, True, 1_000_000),
        (True, False, 250_000),
        (False, True, 250_000),
        (False, False, 250_000),
    ],
)
def test_r09_higher_limit_only_for_registered_dealer_with_suitability_determination(
    settings,
    api,
    subscribe,
    officer,
    investor,
    open_offering,
    everything,
    registered_dealer,
    suitability_recorded,
    limit_cents,
):
    settings.EQUITY_PORTAL_REGISTERED_DEALER = registered_dealer
    if suitability_recorded:
        _record_suitability(api, officer, investor, open_offering)

    accepted = subscribe(investor, open_offering, limit_cents)

    assert accepted.status_code == 201, accepted.json()
    before = everything()
    refused = subscribe(investor, open_offering, 1_000)
    assert _refusal(refused) == (422, "purchaser_limit_exceeded", "R09")
    assert everything() == before


def test_r09_suitability_for_another_offering_does_not_raise_the_limit(
    settings, api, subscribe, officer, investor, open_offering, offering_in
):
    settings.EQUITY_PORTAL_REGISTERED_DEALER = True
    other_offering = offering_in(OfferingState.OPEN, issuer=eligible_issuer())
    _record_suitability(api, officer, investor, other_offering)

    response = subscribe(investor, open_offering, 251_000)

    assert _refusal(response) == (422, "purchaser_limit_exceeded", "R09")


def test_r09_the_form_states_the_purchasers_own_limit(
    settings, api, officer, investor, open_offering
):
    settings.EQUITY_PORTAL_REGISTERED_DEALER = True
    client = api(investor, "en")

    def limit_statement() -> str:
        form = acknowledgement_shown(client, open_offering)
        return next(s["text"] for s in form["statements"] if s["code"] == "purchaser_limit")

    assert limit_statement() == "I may not invest more than $2,500.00 in total in this offering."

    _record_suitability(api, officer, investor, open_offering)

    assert limit_statement() == "I may not invest more than $10,000.00 in total in this offering."


def test_r09_only_an_officer_records_a_suitability_determination(
    api, investor, open_offering, everything
):
    before = everything()

    response = api(investor).post(
        "/api/v1/suitability-determinations",
        {
            "investor": investor.pk,
            "offering": open_offering.pk,
            "determined_by": "Moi-même",
            "determined_at": "2026-03-01T14:00:00-05:00",
            "basis": "Je me trouve apte.",
        },
        format="json",
    )

    assert _refusal(response) == (403, "forbidden", None)
    assert everything() == before


# --- R11: the offering's maximum ----------------------------------------------------------


def test_r11_no_subscription_takes_the_offering_past_its_maximum(
    api, subscribe, investor, other_investor, make_purchaser, offering_in, everything
):
    offering = offering_in(
        OfferingState.OPEN, minimum_amount_cents=100_000, maximum_amount_cents=300_000
    )
    assert subscribe(investor, offering, 250_000).status_code == 201
    before = everything()

    refused = subscribe(other_investor, offering, 60_000)

    assert _refusal(refused) == (422, "offering_maximum_reached", "R11")
    assert "$500.00" in refused.json()["detail"]  # the room left
    assert everything() == before

    assert subscribe(other_investor, offering, 50_000).status_code == 201
    assert _offering_figures(api, investor, offering) == (300_000, 2)
    late = subscribe(make_purchaser(), offering, 1_000)
    assert _refusal(late) == (422, "offering_maximum_reached", "R11")


# --- R15: the risk acknowledgement ---------------------------------------------------------


def _drop_last_statement(form: dict) -> dict:
    return {**form, "statements": form["statements"][:-1]}


def _repeat_one_statement(form: dict) -> dict:
    return {**form, "statements": [*form["statements"][:-1], form["statements"][0]]}


BROKEN_ACKNOWLEDGEMENTS = {
    "missing": lambda form: None,
    "empty": lambda form: {},
    "stale_version": lambda form: {**form, "form_version": "45-110F2-2025.1"},
    "one_statement_missing": _drop_last_statement,
    "one_statement_repeated_for_another": _repeat_one_statement,
    "no_statement": lambda form: {**form, "statements": []},
    "unknown_statement_added": lambda form: {
        **form,
        "statements": [*form["statements"], "gift"],
    },
    "someone_elses_name": lambda form: {**form, "full_name": "Marc Bouchard"},
    "first_name_only": lambda form: {**form, "full_name": "Léa"},
    "no_name": lambda form: {**form, "full_name": ""},
}


@pytest.mark.parametrize("broken", list(BROKEN_ACKNOWLEDGEMENTS))
def test_r15_subscription_without_a_proper_acknowledgement_is_refused(
    api, investor, open_offering, everything, broken
):
    client = api(investor, "en")
    form = signed(acknowledgement_shown(client, open_offering), "Léa Tremblay")
    body = {"amount_cents": 10_000}
    acknowledgement = BROKEN_ACKNOWLEDGEMENTS[broken](form)
    if acknowledgement is not None:
        body["risk_acknowledgement"] = acknowledgement
    before = everything()

    response = client.post(f"{OFFERINGS}/{open_offering.pk}/subscriptions", body, format="json")

    assert _refusal(response) == (422, "risk_acknowledgement_required", "R15")
    assert everything() == before


def test_r15_a_form_replaced_after_it_was_shown_must_be_signed_again(
    api, investor, open_offering, everything, frozen_now
):
    client = api(investor, "en")
    shown = signed(acknowledgement_shown(client, open_offering), "Léa Tremblay")
    shipped = RiskAcknowledgementForm.objects.get(version="45-110F2-2026.1")
    RiskAcknowledgementForm.objects.create(
        version="45-110F2-2026.2",
        effective_from=frozen_now - timedelta(minutes=5),
        statements=shipped.statements,
    )
    before = everything()

    response = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {"amount_cents": 10_000, "risk_acknowledgement": shown},
        format="json",
    )

    assert _refusal(response) == (422, "risk_acknowledgement_required", "R15")
    assert everything() == before
    renewed = signed(acknowledgement_shown(client, open_offering), "Léa Tremblay")
    assert renewed["form_version"] == "45-110F2-2026.2"
    accepted = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {"amount_cents": 10_000, "risk_acknowledgement": renewed},
        format="json",
    )
    assert accepted.status_code == 201, accepted.json()


def test_r15_a_form_version_effective_tomorrow_is_not_shown_or_required_yet(
    api, investor, open_offering, frozen_now
):
    shipped = RiskAcknowledgementForm.objects.get(version="45-110F2-2026.1")
    RiskAcknowledgementForm.objects.create(
        version="45-110F2-2027.1",
        effective_from=frozen_now + timedelta(days=1),
        statements=shipped.statements,
    )
    client = api(investor, "en")

    form = acknowledgement_shown(client, open_offering)
    response = client.post(
        f"{OFFERINGS}/{open_offering.pk}/subscriptions",
        {
            "amount_cents": 10_000,
            "risk_acknowledgement": signed_current_form("Léa Tremblay")
            | {"form_version": "45-110F2-2026.1"},
        },
        format="json",
    )

    assert form["form_version"] == "45-110F2-2026.1"
    assert response.status_code == 201, response.json()


# --- the purchaser: an adult investor ---------------------------------------------------


@pytest.mark.parametrize(
    ("province", "birth_date", "status"),
    [
        ("QC", date(2008, 3, 3), 422),  # 17, 18 tomorrow; majority in Québec is 18
        ("QC", date(2008, 3, 2), 201),  # 18 today
        ("BC", date(2007, 3, 3), 422),  # 18, 19 tomorrow; majority in British Columbia is 19
        ("BC", date(2007, 3, 2), 201),  # 19 today
    ],
)
def test_purchaser_under_the_age_of_majority_of_their_province_is_refused(
    subscribe, make_purchaser, open_offering, everything, province, birth_date, status
):
    purchaser = make_purchaser(province=province, birth_date=birth_date)
    before = everything()

    response = subscribe(purchaser, open_offering, 10_000)

    assert response.status_code == status, response.json()
    if status == 422:
        assert _refusal(response) == (422, "purchaser_minor", None)
        assert everything() == before


def test_age_is_counted_on_the_portals_calendar_day(
    subscribe, make_purchaser, open_offering, everything
):
    # 2026-03-03 03:00 UTC is still 2026-03-02, 22:00, in Toronto: not yet her birthday.
    clock.advance(timedelta(hours=12))
    purchaser = make_purchaser(province="QC", birth_date=date(2008, 3, 3))
    before = everything()

    response = subscribe(purchaser, open_offering, 10_000)

    assert _refusal(response) == (422, "purchaser_minor", None)
    assert everything() == before
    clock.advance(timedelta(hours=5))  # 05:00 in Toronto on her eighteenth birthday
    assert subscribe(purchaser, open_offering, 10_000).status_code == 201


@pytest.mark.parametrize("persona", ["issuer_user", "officer"])
def test_only_an_investor_may_subscribe(request, subscribe, open_offering, everything, persona):
    user = request.getfixturevalue(persona)
    before = everything()

    response = subscribe(
        user, open_offering, 10_000, acknowledgement=signed_current_form(user.full_name)
    )

    assert _refusal(response) == (403, "forbidden", None)
    assert everything() == before


def test_anonymous_subscription_is_refused(subscribe, open_offering, everything):
    before = everything()

    response = subscribe(
        None, open_offering, 10_000, acknowledgement=signed_current_form("Léa Tremblay")
    )

    assert _refusal(response) == (401, "not_authenticated", None)
    assert everything() == before


def test_subscription_to_an_unknown_offering_is_not_found(api, investor, open_offering, everything):
    before = everything()

    response = api(investor).post(
        f"{OFFERINGS}/{open_offering.pk + 1000}/subscriptions",
        {"amount_cents": 10_000, "risk_acknowledgement": signed_current_form("Léa Tremblay")},
        format="json",
    )

    assert _refusal(response) == (404, "not_found", None)
    assert everything() == before


# --- P04: refusals in the purchaser's language ----------------------------------------------


def test_p04_refusal_detail_is_french_without_accept_language(
    api, investor, offering_in, everything
):
    offering = offering_in(OfferingState.SUSPENDED)
    body = {"amount_cents": 10_000, "risk_acknowledgement": signed_current_form("Léa Tremblay")}
    url = f"{OFFERINGS}/{offering.pk}/subscriptions"
    english = api(investor, "en").post(url, body, format="json")
    client = api(investor)
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]
    before = everything()

    french = client.post(url, body, format="json")

    assert _refusal(french) == _refusal(english) == (422, "offering_not_open", None)
    assert french["Content-Language"] == "fr"
    assert french.json()["detail"] != english.json()["detail"]
    assert french.json()["violations"][0]["detail"] == french.json()["detail"]
    assert everything() == before


# --- P03: Idempotency-Key -----------------------------------------------------------------


def test_p03_same_key_and_body_twice_creates_one_subscription_and_answers_the_same(
    subscribe, investor, open_offering, everything
):
    form = signed_current_form("Léa Tremblay")
    before = everything()

    first = subscribe(investor, open_offering, 150_000, acknowledgement=form, key="k-7f3a")
    after_first = everything()
    second = subscribe(investor, open_offering, 150_000, acknowledgement=form, key="k-7f3a")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert everything() == after_first
    assert len(after_first["subscriptions"]) == len(before["subscriptions"]) + 1
    created = [a for _, a in after_first["audit_events"] if a == "subscription.created"]
    assert len(created) == 1
    assert IdempotencyRecord.objects.get().key == "k-7f3a"
    open_offering.refresh_from_db()
    assert open_offering.raised_cents == 150_000


def test_p03_same_key_with_another_body_is_refused_and_changes_nothing(
    subscribe, investor, open_offering, everything
):
    form = signed_current_form("Léa Tremblay")
    assert subscribe(investor, open_offering, 150_000, acknowledgement=form, key="k-1").status_code
    before = everything()

    response = subscribe(investor, open_offering, 100_000, acknowledgement=form, key="k-1")

    assert _refusal(response) == (409, "idempotency_key_reused", None)
    assert everything() == before


def test_p03_the_first_response_is_returned_even_after_the_offering_changed(
    subscribe, officer, investor, open_offering, everything
):
    form = signed_current_form("Léa Tremblay")
    first = subscribe(investor, open_offering, 150_000, acknowledgement=form, key="k-2")
    offering_suspend(officer=officer, offering_id=open_offering.pk, reason="Plainte à examiner.")
    before = everything()

    again = subscribe(investor, open_offering, 150_000, acknowledgement=form, key="k-2")

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert everything() == before


def test_p03_a_refused_request_does_not_use_up_its_key(
    subscribe, investor, open_offering, everything
):
    form = signed_current_form("Léa Tremblay")
    before = everything()

    refused = subscribe(investor, open_offering, 10_500, acknowledgement=form, key="k-3")

    assert _refusal(refused) == (422, "amount_not_multiple_of_price", None)
    assert everything() == before
    assert not IdempotencyRecord.objects.exists()
    corrected = subscribe(investor, open_offering, 10_000, acknowledgement=form, key="k-3")
    assert corrected.status_code == 201, corrected.json()


def test_p03_keys_belong_to_one_purchaser(subscribe, investor, other_investor, open_offering):
    mine = subscribe(investor, open_offering, 10_000, key="k-4")
    theirs = subscribe(other_investor, open_offering, 10_000, key="k-4")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Subscription.objects.count() == 2


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_p03_a_malformed_key_is_invalid(subscribe, investor, open_offering, everything, key):
    before = everything()

    response = subscribe(investor, open_offering, 10_000, key=key)

    assert _refusal(response) == (400, "invalid", "P03")
    assert everything() == before
