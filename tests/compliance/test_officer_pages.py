"""The compliance officers' console: the queue, the per-rule review and its decisions,
the issuer group, an offering's money, the audit trail and the sandbox clock.

Offerings are arranged in their state by the factories (opening one renders and
signs real PDFs); every decision goes through the pages and their services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from equity import clock
from equity.accounts.models import Role
from equity.compliance.models import AuditEvent, SandboxClock
from equity.compliance.selectors import rulebook_in_force
from equity.escrow.models import Disbursement
from equity.investors.models import Subscription, SubscriptionState
from equity.offerings.models import DisqualificationOverride, Offering, OfferingState
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory, UserFactory
from tests.support.tamper import tamper
from tests.support.web import signed_in

pytestmark = pytest.mark.django_db


def offering_in(state: str, *, issuer=None, **fields) -> Offering:
    """Return an offering arranged in ``state`` under the rulebook in force."""
    now = clock.now()
    rulebook = rulebook_in_force(code="ni45-110", as_of=clock.today())
    moments = {"submitted_at": now - timedelta(days=1)}
    if state in (OfferingState.OPEN, OfferingState.SUSPENDED, OfferingState.CLOSED):
        moments |= {"approved_at": now, "opened_at": now, "closes_at": now + timedelta(days=60)}
    return OfferingFactory(
        issuer=issuer or IssuerFactory(),
        state=state,
        rulebook=rulebook,
        **(moments | fields),
    )


def in_english(client):
    """Return ``client`` with the language switch set to English (it wins over the account's)."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def offering_row(offering: Offering) -> tuple:
    return Offering.objects.filter(pk=offering.pk).values_list(
        "state", "rejection_reason", "suspension_reason", "approved_at", "cancelled_at"
    )[0]


@pytest.fixture
def under_review(issuer) -> Offering:
    return offering_in(OfferingState.UNDER_REVIEW, issuer=issuer, title="Deuxième ligne")


def page_urls(offering: Offering) -> list[str]:
    return [
        reverse("officers:queue"),
        reverse("officers:offering", args=[offering.pk]),
        reverse("officers:group", args=[offering.issuer_id]),
        reverse("officers:money", args=[offering.pk]),
        reverse("officers:audit"),
        reverse("officers:exports"),
        reverse("officers:sandbox-clock"),
    ]


# --- who may open the console ------------------------------------------------------------


def test_every_page_opens_for_an_officer_in_french_by_default(officer, under_review):
    client = signed_in(officer)
    for url in page_urls(under_review):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in response.content.decode(), url


def test_every_page_renders_in_english_on_request(officer, under_review):
    client = in_english(signed_in(officer))
    for url in page_urls(under_review):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode(), url


def test_investors_and_issuers_are_refused_every_page(investor, issuer_user, under_review):
    for user in (investor, issuer_user):
        client = signed_in(user)
        for url in page_urls(under_review):
            assert client.get(url).status_code == 403, (user.role, url)


def test_a_visitor_is_sent_to_sign_in(client, under_review):
    for url in page_urls(under_review):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_only_an_officer_decides_and_a_refused_decision_changes_nothing(
    investor, issuer_user, under_review
):
    before = offering_row(under_review)
    url = reverse("officers:approve", args=[under_review.pk])
    for user in (investor, issuer_user):
        assert signed_in(user).post(url, {"approve-note": "ok"}).status_code == 403
    assert offering_row(under_review) == before
    assert not events("offering.approved")


def test_an_unknown_offering_or_issuer_is_not_found(officer):
    client = signed_in(officer)
    assert client.get(reverse("officers:offering", args=[9999])).status_code == 404
    assert client.get(reverse("officers:money", args=[9999])).status_code == 404
    assert client.get(reverse("officers:group", args=[9999])).status_code == 404


def test_pages_never_change_anything_on_get(officer, under_review):
    response = signed_in(officer).get(reverse("officers:approve", args=[under_review.pk]))
    assert response.status_code == 405
    assert offering_row(under_review)[0] == OfferingState.UNDER_REVIEW


# --- the queue ---------------------------------------------------------------------------


def test_queue_lists_offerings_under_review_oldest_first_then_open_suspended_and_ended(
    officer,
):
    now = clock.now()
    newer = offering_in(
        OfferingState.UNDER_REVIEW, title="Plus récente", submitted_at=now - timedelta(hours=1)
    )
    older = offering_in(
        OfferingState.UNDER_REVIEW, title="Plus ancienne", submitted_at=now - timedelta(days=3)
    )
    offering_in(OfferingState.OPEN, title="Campagne ouverte")
    offering_in(OfferingState.SUSPENDED, title="Campagne suspendue", suspension_reason="Enquête")
    offering_in(OfferingState.CLOSED, title="Campagne close", closed_at=now - timedelta(days=2))
    offering_in(OfferingState.CANCELLED, title="Campagne annulée", cancelled_at=now)
    offering_in(
        OfferingState.CLOSED, title="Close il y a longtemps", closed_at=now - timedelta(days=90)
    )

    page = signed_in(officer).get(reverse("officers:queue")).content.decode()

    assert page.index(older.title) < page.index(newer.title)
    assert reverse("officers:offering", args=[older.pk]) in page
    for title in ("Campagne ouverte", "Campagne suspendue", "Enquête", "Campagne close"):
        assert title in page
    assert page.index("Campagne annulée") < page.index("Campagne close")  # newest ended first
    assert "Close il y a longtemps" not in page


# --- the per-rule review -----------------------------------------------------------------


def test_r01_to_r12_review_page_lists_every_rule_with_its_value_and_verdict(officer, under_review):
    page = signed_in(officer).get(reverse("officers:offering", args=[under_review.pk]))

    html = page.content.decode()
    for rule in [f"R{number:02d}" for number in range(1, 13)]:
        assert f'<th scope="row">{rule}</th>' in html, rule
    assert "Camille Gagnon" in html  # R05, one line per principal
    assert "90" in html  # R12: the rulebook's number of days
    assert [line.verdict for line in page.context["checklist"].lines].count("fail") == 0
    assert page.context["checklist"].passes
    assert 'id="approve-form"' in html
    assert 'id="reject-form"' in html
    assert 'id="suspend-form"' not in html


def test_r12_a_failing_rule_is_shown_with_its_id_and_reason(officer, issuer):
    offering = offering_in(OfferingState.UNDER_REVIEW, issuer=issuer, distribution_days=120)

    page = signed_in(officer).get(reverse("officers:offering", args=[offering.pk]))

    lines = {line.rule: line for line in page.context["checklist"].lines}
    assert lines["R12"].verdict == "fail"
    assert lines["R12"].figure.startswith("120")
    assert "R12 — " in page.content.decode()
    assert lines["R11"].verdict == "pass"


def test_approving_through_the_page_approves_and_audits_with_the_note(officer, under_review):
    response = signed_in(officer).post(
        reverse("officers:approve", args=[under_review.pk]),
        {"approve-note": "Dossier complet."},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("officers:offering", args=[under_review.pk])
    under_review.refresh_from_db()
    assert under_review.state == OfferingState.APPROVED
    assert under_review.approved_by == officer
    [event] = events("offering.approved")
    assert (event.actor, event.subject, event.data["note"]) == (
        f"user:{officer.pk}",
        under_review.subject,
        "Dossier complet.",
    )
    assert any(m.level_tag == "success" for m in response.context["messages"])


def test_rejecting_sends_the_offering_back_to_draft_with_the_reason(officer, under_review):
    signed_in(officer).post(
        reverse("officers:reject", args=[under_review.pk]),
        {"reject-reason": "Le budget d'emploi des fonds manque."},
    )

    under_review.refresh_from_db()
    assert under_review.state == OfferingState.DRAFT
    assert under_review.rejection_reason == "Le budget d'emploi des fonds manque."
    assert events("offering.rejected")[0].data["reason"] == under_review.rejection_reason


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_without_a_reason_is_refused_and_changes_nothing(officer, under_review, reason):
    before = offering_row(under_review)
    audited = AuditEvent.objects.count()

    response = signed_in(officer).post(
        reverse("officers:reject", args=[under_review.pk]), {"reject-reason": reason}
    )

    assert response.status_code == 400
    assert response.context["decisions"]["reject"].errors["reason"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert offering_row(under_review) == before
    assert AuditEvent.objects.count() == audited


def test_suspending_and_resuming_need_a_reason_and_are_audited(officer):
    offering = offering_in(OfferingState.OPEN)
    client = signed_in(officer)

    refused = client.post(reverse("officers:suspend", args=[offering.pk]), {"suspend-reason": ""})
    assert refused.status_code == 400
    assert offering_row(offering)[0] == OfferingState.OPEN
    assert not events("offering.suspended")

    client.post(
        reverse("officers:suspend", args=[offering.pk]), {"suspend-reason": "Plainte reçue."}
    )
    offering.refresh_from_db()
    assert (offering.state, offering.suspension_reason) == ("suspended", "Plainte reçue.")
    page = client.get(reverse("officers:offering", args=[offering.pk])).content.decode()
    assert 'id="resume-form"' in page
    assert 'id="suspend-form"' not in page

    client.post(
        reverse("officers:resume", args=[offering.pk]), {"resume-reason": "Plainte réglée."}
    )
    offering.refresh_from_db()
    assert offering.state == OfferingState.OPEN
    assert [e.data["reason"] for e in events("offering.suspended")] == ["Plainte reçue."]
    assert [e.data["reason"] for e in events("offering.resumed")] == ["Plainte réglée."]


def test_cancelling_needs_a_reason_and_is_audited(officer):
    offering = offering_in(OfferingState.OPEN)
    client = signed_in(officer)

    assert (
        client.post(reverse("officers:cancel", args=[offering.pk]), {"cancel-reason": ""})
    ).status_code == 400
    assert offering_row(offering)[0] == OfferingState.OPEN

    client.post(reverse("officers:cancel", args=[offering.pk]), {"cancel-reason": "Fraude."})
    assert offering_row(offering)[0] == OfferingState.CANCELLED
    assert events("offering.cancelled")[0].data["reason"] == "Fraude."


def test_a_decision_the_state_does_not_allow_is_refused_and_changes_nothing(officer):
    offering = offering_in(OfferingState.OPEN)
    before = offering_row(offering)

    response = signed_in(officer).post(
        reverse("officers:approve", args=[offering.pk]), {"approve-note": ""}, follow=True
    )

    assert offering_row(offering) == before
    assert not events("offering.approved")
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.fixture
def disqualified(issuer):
    """A director of the issuer who declared a fraud conviction two years ago."""
    return PrincipalFactory(
        issuer=issuer,
        full_name="Dominique Roy",
        is_founder=False,
        is_director=True,
        declarations={
            "cease_trade_order": False,
            "securities_sanction": False,
            "fraud_conviction": True,
            "bankruptcy": False,
        },
        declaration_dates={"fraud_conviction": (clock.today() - timedelta(days=730)).isoformat()},
    )


def test_r05_approval_is_refused_naming_the_rule_while_a_principal_is_disqualified(
    officer, under_review, disqualified
):
    client = signed_in(officer)
    page = client.get(reverse("officers:offering", args=[under_review.pk]))
    r05 = [line for line in page.context["checklist"].lines if line.rule == "R05"]
    assert [(line.principal.full_name, line.verdict) for line in r05] == [
        ("Camille Gagnon", "pass"),
        ("Dominique Roy", "fail"),
    ]
    assert f'id="override-{disqualified.pk}-form"' in page.content.decode()

    response = client.post(
        reverse("officers:approve", args=[under_review.pk]), {"approve-note": ""}, follow=True
    )

    assert offering_row(under_review)[0] == OfferingState.UNDER_REVIEW
    assert not events("offering.approved")
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors
    assert all(text.startswith("R05 — ") for text in errors)


def test_r05_an_override_needs_a_reason_then_lets_the_approval_pass(
    officer, under_review, disqualified
):
    client = signed_in(officer)
    url = reverse("officers:override", args=[under_review.pk, disqualified.pk])
    field = f"override-{disqualified.pk}-reason"

    refused = client.post(url, {field: "  "})
    assert refused.status_code == 400
    assert "R05" in refused.content.decode()
    assert not DisqualificationOverride.objects.exists()
    assert not events("principal.disqualification_overridden")

    client.post(url, {field: "Condamnation graciée; pièces au dossier."})
    override = DisqualificationOverride.objects.get()
    assert (override.principal, override.officer, override.reason) == (
        disqualified,
        officer,
        "Condamnation graciée; pièces au dossier.",
    )
    assert events("principal.disqualification_overridden")[0].data["principal"] == disqualified.pk
    page = client.get(reverse("officers:offering", args=[under_review.pk]))
    assert page.context["checklist"].passes
    assert f'id="override-{disqualified.pk}-form"' not in page.content.decode()

    client.post(reverse("officers:approve", args=[under_review.pk]), {"approve-note": ""})
    assert offering_row(under_review)[0] == OfferingState.APPROVED


def test_r05_an_override_of_a_principal_outside_the_group_is_not_found(officer, under_review):
    stranger = PrincipalFactory(full_name="Hors groupe")
    response = signed_in(officer).post(
        reverse("officers:override", args=[under_review.pk, stranger.pk]),
        {f"override-{stranger.pk}-reason": "Essai"},
    )
    assert response.status_code == 404
    assert not DisqualificationOverride.objects.exists()


# --- the issuer group --------------------------------------------------------------------


def test_r06_r08_group_page_shows_the_group_and_its_cap_usage_as_chart_and_table(officer, issuer):
    sister = IssuerFactory(legal_name="Cargo Montréal inc.")
    PrincipalFactory(issuer=sister, full_name="Camille Gagnon", is_founder=True)
    offering_in(
        OfferingState.CLOSED,
        issuer=sister,
        title="Première campagne",
        raised_cents=5_000_000,
        closed_at=clock.now() - timedelta(days=40),
    )
    offering_in(OfferingState.OPEN, issuer=issuer, title="Campagne en cours")

    response = in_english(signed_in(officer)).get(reverse("officers:group", args=[issuer.pk]))

    html = response.content.decode()
    overview = response.context["overview"]
    assert {member.legal_name for member in overview.issuers} == {
        "Vélo-Cargo Québec inc.",
        "Cargo Montréal inc.",
    }
    assert (overview.usage.raised_cents, overview.usage.reserved_cents) == (5_000_000, 10_000_000)
    assert overview.headroom_cents == 150_000_000 - 15_000_000
    assert "<figure" in html
    assert "<figcaption>" in html
    assert "<svg" in html
    assert 'role="img"' in html
    assert "$50,000.00" in html  # raised, in the table
    assert "$1,350,000.00" in html  # headroom
    assert "Première campagne" in html
    assert "Campagne en cours" in html


# --- money -------------------------------------------------------------------------------


def test_r13_money_page_shows_subscriptions_escrow_and_disbursements(officer, frozen_now):
    offering = offering_in(OfferingState.OPEN)
    lea = UserFactory(role=Role.INVESTOR, full_name="Léa Tremblay")
    subscription = Subscription.objects.create(
        offering=offering,
        investor=lea,
        amount_cents=150_000,
        quantity=150,
        state=SubscriptionState.WITHDRAWN,
        created_at=frozen_now,
        withdrawal_deadline=frozen_now + timedelta(hours=48),
    )
    Disbursement.objects.create(
        kind="refund",
        offering=offering,
        subscription=subscription,
        payee=lea,
        amount_cents=150_000,
        reason="withdrawn",
        instructed_at=frozen_now - timedelta(days=5),
        due_by=frozen_now - timedelta(days=1),
    )

    response = in_english(signed_in(officer)).get(reverse("officers:money", args=[offering.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Léa Tremblay" in html
    assert "$1,500.00" in html
    assert "overdue" in html
    assert "Balanced" in html
    assert response.context["money"].disbursements[0].overdue


# --- the audit trail ---------------------------------------------------------------------


def test_p02_audit_trail_lists_events_newest_first_and_filters_by_subject(officer, under_review):
    client = signed_in(officer)
    client.post(reverse("officers:reject", args=[under_review.pk]), {"reject-reason": "Incomplet."})
    other = offering_in(OfferingState.OPEN)
    client.post(reverse("officers:suspend", args=[other.pk]), {"suspend-reason": "Plainte."})

    listing = client.get(reverse("officers:audit"))
    assert [event.action for event in listing.context["page"].object_list] == [
        "offering.suspended",
        "offering.rejected",
    ]

    filtered = client.get(reverse("officers:audit"), {"subject": under_review.subject})
    html = filtered.content.decode()
    assert [event.action for event in filtered.context["page"].object_list] == ["offering.rejected"]
    event = AuditEvent.objects.get(action="offering.rejected")
    assert event.hash[:12] in html
    assert event.hash not in html
    assert "Incomplet." in html


def test_p02_audit_filter_refuses_a_malformed_subject(officer):
    response = signed_in(officer).get(reverse("officers:audit"), {"subject": "<script>"})
    assert response.status_code == 400
    assert response.context["form"].errors["subject"]


def test_p02_verify_button_reports_an_intact_chain_then_the_altered_event(officer, under_review):
    client = signed_in(officer)
    client.post(
        reverse("officers:reject", args=[under_review.pk]), {"reject-reason": "Un."}, follow=True
    )
    client.post(
        reverse("officers:cancel", args=[under_review.pk]), {"cancel-reason": "Deux."}, follow=True
    )
    head = AuditEvent.objects.order_by("-seq").first()

    ok = client.post(reverse("officers:audit-verify"), follow=True)
    [message] = [str(m) for m in ok.context["messages"]]
    assert "2" in message
    assert head.hash in message

    tamper("UPDATE compliance_auditevent SET actor = %s WHERE seq = 1", ["user:666"])

    broken = client.post(reverse("officers:audit-verify"), follow=True)
    [message] = [m for m in broken.context["messages"]]
    assert message.level_tag == "error"
    assert " 1 " in str(message)
    assert "event 1 was altered" in str(message)


def test_p02_verify_is_a_post(officer):
    assert signed_in(officer).get(reverse("officers:audit-verify")).status_code == 405


# --- the sandbox clock -------------------------------------------------------------------


def test_sandbox_clock_moves_the_module_clock_forward_and_is_audited(officer):
    before = clock.now()

    response = signed_in(officer).post(
        reverse("officers:sandbox-clock"), {"amount": 2, "unit": "days"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("officers:sandbox-clock")
    assert clock.now() - before >= timedelta(days=2)
    assert SandboxClock.objects.get().offset_seconds == 2 * 86400
    assert events("sandbox.clock_advanced")[0].data["seconds"] == 2 * 86400
    assert any(m.level_tag == "success" for m in response.context["messages"])


def test_sandbox_clock_runs_what_fell_due(officer):
    offering = offering_in(OfferingState.OPEN, closes_at=clock.now() + timedelta(hours=1))

    signed_in(officer).post(reverse("officers:sandbox-clock"), {"amount": 2, "unit": "hours"})

    assert offering_row(offering)[0] in (OfferingState.CLOSING, OfferingState.FAILED)


@pytest.mark.parametrize("amount", ["0", "-3", "1.5", "", "99999"])
def test_sandbox_clock_refuses_a_bad_amount_and_changes_nothing(officer, amount):
    response = signed_in(officer).post(
        reverse("officers:sandbox-clock"), {"amount": amount, "unit": "hours"}
    )

    assert response.status_code == 400
    assert not SandboxClock.objects.filter(offset_seconds__gt=0).exists()
    assert not AuditEvent.objects.exists()


def test_sandbox_clock_does_not_exist_outside_sandbox_mode(officer, settings):
    settings.EQUITY_SANDBOX = False
    client = signed_in(officer)

    assert client.get(reverse("officers:sandbox-clock")).status_code == 404
    assert (
        client.post(reverse("officers:sandbox-clock"), {"amount": 1, "unit": "days"}).status_code
        == 404
    )
    assert not SandboxClock.objects.filter(offset_seconds__gt=0).exists()
