"""R16: amending an open offering's document reopens every subscriber's R14 window, with notice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from equity import clock
from equity.compliance.models import AuditEvent
from equity.investors.models import Notice, Subscription
from equity.investors.tasks import notify_amendment
from equity.offerings.models import OfferingAmendment, OfferingState
from tests.investors.conftest import OFFERINGS, SUBSCRIPTIONS

pytestmark = pytest.mark.usefixtures("frozen_now")

CHANGES = {"use_of_funds": "Équipement, fonds de roulement et embauche d’une mécanicienne."}
SUMMARY = "The use of funds now includes hiring a mechanic."


def _refusal(response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["code"], body["rule"]


def _amend(client, offering, summary: str = SUMMARY, changes: dict | None = None):
    body = {"summary": summary, "changes": CHANGES if changes is None else changes}
    return client.post(f"{OFFERINGS}/{offering.pk}/amend", body, format="json")


def _withdraw(client, subscription: Subscription):
    return client.post(f"{SUBSCRIPTIONS}/{subscription.pk}/withdraw")


def _deadline(subscription: Subscription) -> datetime:
    subscription.refresh_from_db()
    return subscription.withdrawal_deadline


# --- the amendment -------------------------------------------------------------------------


def test_r16_owner_amends_an_open_offering_and_each_amendment_is_numbered(
    api, issuer_user, subscribed, investor, open_offering, frozen_now
):
    subscribed(investor, open_offering, 150_000)

    first = _amend(api(issuer_user), open_offering)
    clock.advance(timedelta(hours=1))
    second = _amend(api(issuer_user), open_offering, "Second correction.", {"title": "Nouveau"})

    assert first.status_code == 200, first.json()
    assert second.status_code == 200, second.json()
    assert first.json()["amendment"] == 1
    assert second.json()["amendment"] == 2
    assert first.json()["subscribers_notified"] == 1
    assert first.json()["offering"]["id"] == open_offering.pk
    assert first.json()["offering"]["state"] == "open"
    amendments = list(OfferingAmendment.objects.filter(offering=open_offering).order_by("number"))
    assert [(a.number, a.summary, a.changes) for a in amendments] == [
        (1, SUMMARY, CHANGES),
        (2, "Second correction.", {"title": "Nouveau"}),
    ]
    assert [a.amended_at for a in amendments] == [frozen_now, frozen_now + timedelta(hours=1)]
    assert {a.amended_by_id for a in amendments} == {issuer_user.pk}


def test_r16_amendment_appends_one_audit_event(
    api, issuer_user, subscribed, investor, open_offering, frozen_now
):
    subscribed(investor, open_offering, 150_000)
    events_before = AuditEvent.objects.count()

    response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.subject, event.at) == (
        "offering.amended",
        f"offering:{open_offering.pk}",
        frozen_now,
    )
    assert event.data == {
        "amendment": 1,
        "summary": SUMMARY,
        "changes": CHANGES,
        "subscriptions_reopened": 1,
    }


def test_r16_amendment_reopens_every_pending_withdrawal_window(
    api, issuer_user, subscribed, investor, other_investor, open_offering, frozen_now
):
    early = subscribed(investor, open_offering, 150_000)
    clock.advance(timedelta(hours=24))
    later = subscribed(other_investor, open_offering, 20_000)
    funded = subscribed(other_investor, open_offering, 10_000)
    # Payments are not yet an API of this module: the scene is arranged directly.
    Subscription.objects.filter(pk=funded.pk).update(state="funded")
    amended_at = clock.advance(timedelta(hours=48))
    assert _refusal(_withdraw(api(investor), early))[1:] == ("withdrawal_period_expired", "R14")

    response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    reopened_until = amended_at + timedelta(hours=48)
    assert _deadline(early) == _deadline(later) == _deadline(funded) == reopened_until
    clock.advance(timedelta(hours=47))
    withdrawn = _withdraw(api(investor), early)
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["state"] == "withdrawn"


def test_r16_amendment_leaves_withdrawn_subscriptions_alone(
    api, issuer_user, subscribed, investor, open_offering, frozen_now
):
    subscription = subscribed(investor, open_offering, 150_000)
    assert _withdraw(api(investor), subscription).status_code == 200
    clock.advance(timedelta(hours=1))

    response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    assert response.json()["subscribers_notified"] == 0
    subscription.refresh_from_db()
    assert subscription.state == "withdrawn"
    assert subscription.withdrawal_deadline == frozen_now + timedelta(hours=48)


# --- the notices ---------------------------------------------------------------------------


def test_r16_each_subscriber_is_told_once_in_their_own_language(
    api,
    issuer_user,
    subscribed,
    investor,
    other_investor,
    open_offering,
    frozen_now,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    subscribed(investor, open_offering, 150_000)
    subscribed(other_investor, open_offering, 20_000)
    clock.advance(timedelta(hours=72))  # 2026-03-05 15:00 UTC

    with django_capture_on_commit_callbacks(execute=True):
        response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    assert response.json()["subscribers_notified"] == 2
    assert sorted(message.to[0] for message in mailoutbox) == [
        "lea@example.ca",
        "marc@example.ca",
    ]
    to = {message.to[0]: message for message in mailoutbox}
    english, french = to["marc@example.ca"], to["lea@example.ca"]
    assert len(english.to) == len(french.to) == 1
    assert english.subject == f"Amendment to the offering “{open_offering.title}”"
    assert english.body == (
        f"The offering document of “{open_offering.title}” was amended: {SUMMARY}\n\n"
        "You may withdraw your subscription within 48 hours of this notice, "
        "until 2026-03-07 10:00 EST."
    )
    assert french.subject != english.subject
    assert open_offering.title in french.subject
    assert SUMMARY in french.body
    assert french.body != english.body
    notices = Notice.objects.filter(kind="amendment").order_by("recipient_id")
    assert [(n.recipient_id, n.language) for n in notices] == [
        (investor.pk, "fr"),
        (other_investor.pk, "en"),
    ]
    assert all(notice.sent_at == clock.now() for notice in notices)


def test_r16_a_purchaser_with_two_subscriptions_gets_one_notice(
    api,
    issuer_user,
    subscribed,
    investor,
    other_investor,
    open_offering,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    subscribed(investor, open_offering, 150_000)
    subscribed(investor, open_offering, 50_000)
    subscribed(other_investor, open_offering, 20_000)

    with django_capture_on_commit_callbacks(execute=True):
        response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    assert sorted(message.to[0] for message in mailoutbox) == [
        "lea@example.ca",
        "marc@example.ca",
    ]
    assert response.json()["subscribers_notified"] == 2
    assert OfferingAmendment.objects.get().subscribers_notified == 2


def test_r16_running_the_notice_task_again_sends_nothing_more(
    api,
    issuer_user,
    subscribed,
    investor,
    other_investor,
    open_offering,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    subscribed(investor, open_offering, 150_000)
    subscribed(other_investor, open_offering, 20_000)
    with django_capture_on_commit_callbacks(execute=True):
        assert _amend(api(issuer_user), open_offering).status_code == 200
    sent = [(message.to, message.subject) for message in mailoutbox]
    assert len(sent) == 2

    again = notify_amendment(OfferingAmendment.objects.get().pk)
    once_more = notify_amendment(OfferingAmendment.objects.get().pk)

    assert again == once_more == 0
    assert [(message.to, message.subject) for message in mailoutbox] == sent
    assert Notice.objects.count() == 2


def test_r16_a_purchaser_who_withdrew_before_the_amendment_is_not_told(
    api,
    issuer_user,
    subscribed,
    investor,
    other_investor,
    open_offering,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    gone = subscribed(investor, open_offering, 150_000)
    subscribed(other_investor, open_offering, 20_000)
    assert _withdraw(api(investor), gone).status_code == 200
    clock.advance(timedelta(minutes=10))

    with django_capture_on_commit_callbacks(execute=True):
        response = _amend(api(issuer_user), open_offering)

    assert response.status_code == 200, response.json()
    assert response.json()["subscribers_notified"] == 1
    assert [message.to for message in mailoutbox] == [["marc@example.ca"]]
    assert not Notice.objects.filter(recipient=investor).exists()


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_issuer_user", "officer", "investor"])
def test_r16_only_the_owner_amends(
    request,
    api,
    subscribed,
    investor,
    open_offering,
    everything,
    mailoutbox,
    django_capture_on_commit_callbacks,
    persona,
):
    subscribed(investor, open_offering, 150_000)
    before = everything()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _amend(api(request.getfixturevalue(persona)), open_offering)

    assert _refusal(response) == (403, "forbidden", None)
    assert everything() == before
    assert (callbacks, mailoutbox) == ([], [])


def test_r16_anonymous_amendment_is_refused(api, open_offering, everything):
    before = everything()

    response = _amend(api(), open_offering)

    assert _refusal(response) == (401, "not_authenticated", None)
    assert everything() == before


@pytest.mark.parametrize("state", [OfferingState.DRAFT, OfferingState.SUSPENDED])
def test_r16_only_an_open_offering_is_amended(
    api,
    issuer_user,
    offering_in,
    everything,
    mailoutbox,
    django_capture_on_commit_callbacks,
    state,
):
    offering = offering_in(state)
    before = everything()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _amend(api(issuer_user), offering)

    assert _refusal(response) == (409, "invalid_transition", None)
    assert response.json()["state"] == state
    assert everything() == before
    assert (callbacks, mailoutbox) == ([], [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": "", "changes": CHANGES}, "summary"),
        ({"summary": "   ", "changes": CHANGES}, "summary"),
        ({"changes": CHANGES}, "summary"),
        ({"summary": SUMMARY, "changes": {}}, "changes"),
        ({"summary": SUMMARY}, "changes"),
    ],
    ids=["empty_summary", "blank_summary", "no_summary", "empty_changes", "no_changes"],
)
def test_r16_an_amendment_says_what_changed_and_why(
    api,
    issuer_user,
    subscribed,
    investor,
    open_offering,
    everything,
    mailoutbox,
    django_capture_on_commit_callbacks,
    body,
    field,
):
    subscribed(investor, open_offering, 150_000)
    before = everything()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(issuer_user).post(
            f"{OFFERINGS}/{open_offering.pk}/amend", body, format="json"
        )

    assert _refusal(response) == (400, "invalid", "R16")
    assert list(response.json()["errors"]) == [field]
    assert everything() == before
    assert (callbacks, mailoutbox) == ([], [])
