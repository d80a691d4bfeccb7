"""Worked examples of the trust ledger: subscribe → pay → close → release or refund.

Each example follows one campaign step by step on the pinned clock and, after
every step, asserts the whole escrow view of CONTRACT.md (as the issuer, or an
officer) and the balance of each of the offering's four ledger accounts. The
amounts are small round numbers so a reader can check each line by hand.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import strip_tags

from equity import clock
from equity.compliance.models import AuditEvent
from equity.escrow import ledger
from equity.escrow.models import Disbursement, Payment
from equity.escrow.settlement import (
    RESALE_LEGEND,
    RESALE_LEGEND_EN,
    RESALE_LEGEND_FR,
    run_due_deadlines,
)
from equity.investors.models import Subscription
from equity.investors.selectors import current_risk_form
from equity.offerings.models import Offering, OfferingState
from tests.escrow.conftest import (
    DISBURSEMENTS,
    OFFERINGS,
    SANDBOX_CLOCK,
    SUBSCRIPTIONS,
    ZERO_BALANCES,
)
from tests.factories import IssuerFactory, OfferingFactory, PrincipalFactory
from tests.investors.scenes import open_offering, purchaser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

CLOSES_AT = datetime(2026, 5, 1, 15, 0, tzinfo=UTC)
"""The end of a 60-day period opened on ``frozen_now``: a Friday."""


def view(
    *,
    held: int = 0,
    paid_in: int = 0,
    released: int = 0,
    refunded: int = 0,
    refunds_pending: int = 0,
    payout_pending: int = 0,
    balanced: bool = True,
) -> dict[str, object]:
    """Return the escrow view of CONTRACT.md with these figures."""
    return {
        "held_cents": held,
        "paid_in_cents": paid_in,
        "released_cents": released,
        "refunded_cents": refunded,
        "refunds_pending_cents": refunds_pending,
        "payout_pending_cents": payout_pending,
        "balanced": balanced,
    }


def accounts(
    *, trust: int = 0, owed: int = 0, payable: int = 0, refunds: int = 0
) -> dict[str, int]:
    """Return the four account balances of one offering."""
    return {
        "trust_cash": trust,
        "owed_to_purchasers": owed,
        "payable_to_issuer": payable,
        "refunds_payable": refunds,
    }


def states(*subscriptions: Subscription) -> list[str]:
    return [Subscription.objects.get(pk=s.pk).state for s in subscriptions]


def reloaded(offering: Offering) -> Offering:
    return Offering.objects.get(pk=offering.pk)


def advance_to(moment: datetime) -> datetime:
    return clock.advance(moment - clock.now())


def reconcile_ledger() -> str:
    """Run ``python manage.py reconcile_ledger``; return its output (a failure exits 1)."""
    out = io.StringIO()
    call_command("reconcile_ledger", stdout=out, stderr=out)
    return out.getvalue()


def campaign(*, minimum_cents: int) -> tuple[Offering, object, object, object]:
    """Return a $10-a-share offering opened on ``frozen_now`` and three purchasers."""
    offering = open_offering(
        price_cents=1_000, minimum_cents=minimum_cents, maximum_cents=1_000_000
    )
    assert offering.closes_at == CLOSES_AT
    return (
        offering,
        purchaser(full_name="Léa Tremblay"),
        purchaser(full_name="Marc Bouchard"),
        purchaser(full_name="Zoé Roy"),
    )


# --- (a) paid, one withdrawal, closed, released and refunded -----------------------------------


def test_r13_r14_r18_worked_example_closing_releases_the_funded_total_and_refunds_the_withdrawal(
    api, subscribe, pay, escrow, confirm, officer, frozen_now
):
    offering, lea, marc, zoe = campaign(minimum_cents=100_000)
    owner = offering.issuer.owner
    assert escrow(offering) == view()
    assert ledger.balances(offering.pk) == ZERO_BALANCES

    # 1. Léa ($1,500) and Marc ($1,000) subscribe: a promise to pay is not money.
    lea_sub = subscribe(lea, offering, 150_000)
    marc_sub = subscribe(marc, offering, 100_000)
    assert reloaded(offering).raised_cents == 250_000
    assert escrow(offering) == view()
    assert ledger.balances(offering.pk) == ZERO_BALANCES

    # 2. Léa's payment arrives: the trust account holds it, owed to her.
    response = pay(lea_sub, event_id="evt_lea")
    assert response.status_code == 200, response.json()
    assert response.json() == {"event_id": "evt_lea", "outcome": "funded"}
    assert escrow(offering) == view(held=150_000, paid_in=150_000)
    assert ledger.balances(offering.pk) == accounts(trust=150_000, owed=150_000)

    # 3. Marc's payment arrives.
    assert pay(marc_sub).json()["outcome"] == "funded"
    assert states(lea_sub, marc_sub) == ["funded", "funded"]
    assert escrow(offering) == view(held=250_000, paid_in=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)

    # 4. A day later Marc withdraws (R14): his $1,000 is owed back at once (R13), though
    #    it sits in the trust account until the bank pays him.
    withdrawn_at = clock.advance(timedelta(hours=24))
    response = api(marc).post(f"{SUBSCRIPTIONS}/{marc_sub.pk}/withdraw")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "withdrawn"
    assert reloaded(offering).raised_cents == 150_000
    assert escrow(offering) == view(held=250_000, paid_in=250_000, refunds_pending=100_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=150_000, refunds=100_000)
    refund = Disbursement.objects.get(offering=offering)
    assert (
        refund.kind,
        refund.subscription_id,
        refund.payee_id,
        refund.amount_cents,
        refund.reason,
        refund.instructed_at,
        refund.due_by,
        refund.confirmed_at,
    ) == (
        "refund",
        marc_sub.pk,
        marc.pk,
        100_000,
        "withdrawn",
        withdrawn_at,
        datetime(2026, 3, 5, 15, 0, tzinfo=UTC),  # Tuesday + 2 business days
        None,
    )

    # 5. An hour before the period ends, Zoé subscribes ($500) and never pays.
    advance_to(CLOSES_AT - timedelta(hours=1))
    zoe_sub = subscribe(zoe, offering, 50_000)
    assert zoe_sub.withdrawal_deadline == datetime(2026, 5, 3, 14, 0, tzinfo=UTC)

    # 6. The period ends: no more subscriptions, but Zoé's window is still open, so the
    #    closing waits (R14). Nothing moves.
    advance_to(CLOSES_AT + timedelta(seconds=1))
    assert run_due_deadlines() == {"closed": 1, "settled": 0}
    assert reloaded(offering).state == OfferingState.CLOSING
    assert states(lea_sub, marc_sub, zoe_sub) == ["funded", "withdrawn", "pending_payment"]
    assert not Disbursement.objects.filter(kind="payout").exists()
    assert escrow(offering) == view(held=250_000, paid_in=250_000, refunds_pending=100_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=150_000, refunds=100_000)
    assert api(owner).get(f"{OFFERINGS}/{offering.pk}/register").json() == []

    # 7. Zoé's window ends; the officer's sandbox clock runs what fell due (the pinned test
    #    clock wins over the sandbox offset, so only the deadlines run): the offering
    #    closes with the minimum reached. Léa is accepted, Zoé's unpaid subscription
    #    expires, and the issuer is owed exactly the funded total.
    settled_at = advance_to(zoe_sub.withdrawal_deadline + timedelta(seconds=1))
    response = api(officer).post(SANDBOX_CLOCK, {"advance_seconds": 1}, format="json")
    assert response.status_code == 200, response.json()
    offering = reloaded(offering)
    assert (offering.state, offering.raised_cents, offering.closed_at) == (
        OfferingState.CLOSED,
        150_000,
        settled_at,
    )
    assert states(lea_sub, marc_sub, zoe_sub) == ["accepted", "withdrawn", "expired"]
    payout = Disbursement.objects.get(kind="payout")
    assert (
        payout.offering_id,
        payout.payee_id,
        payout.amount_cents,
        payout.subscription_id,
        payout.confirmed_at,
    ) == (offering.pk, owner.pk, 150_000, None, None)
    assert escrow(offering) == view(
        held=250_000, paid_in=250_000, refunds_pending=100_000, payout_pending=150_000
    )
    assert escrow(offering, officer) == escrow(offering)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, payable=150_000, refunds=100_000)

    # 8. The securities register (R18): Léa holds 150 common shares ($1,500 at $10), with
    #    the resale legend of a non-reporting issuer.
    register = api(owner).get(f"{OFFERINGS}/{offering.pk}/register")
    assert register.status_code == 200
    assert register.json() == [
        {
            "certificate_number": f"{offering.pk}-{lea_sub.pk}",
            "holder": lea.pk,
            "holder_name": "Léa Tremblay",
            "security_class": "common_share",
            "quantity": 150,
            "issued_on": "2026-05-03",
            "legend": RESALE_LEGEND,
        }
    ]
    assert "must not trade the security" in RESALE_LEGEND
    assert "ne doit pas" in RESALE_LEGEND
    assert api(officer).get(f"{OFFERINGS}/{offering.pk}/register").json() == register.json()

    # 9. The officer records the bank's payout to the issuer: the money leaves trust.
    response = confirm(officer, payout, "WIRE-20260504-01")
    assert response.status_code == 200, response.json()
    assert response.json()["bank_reference"] == "WIRE-20260504-01"
    assert escrow(offering) == view(
        held=100_000, paid_in=250_000, released=150_000, refunds_pending=100_000
    )
    assert ledger.balances(offering.pk) == accounts(trust=100_000, refunds=100_000)

    # 10. And Marc's refund: nothing is left in trust for this offering.
    assert confirm(officer, refund, "EFT-7781").status_code == 200
    assert escrow(offering) == view(paid_in=250_000, released=150_000, refunded=100_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    assert "The trust ledger reconciles." in reconcile_ledger()

    # 11. The bank's confirmation, sent twice, moves the money once (P03).
    assert confirm(officer, payout, "WIRE-20260504-01").status_code == 200
    assert escrow(offering) == view(paid_in=250_000, released=150_000, refunded=100_000)


def test_r13_the_escrow_view_is_for_the_issuer_and_officers_only(
    api, subscribe, pay, officer, investor
):
    offering, lea, *_ = campaign(minimum_cents=100_000)
    pay(subscribe(lea, offering, 150_000))
    expected = view(held=150_000, paid_in=150_000)

    assert api(offering.issuer.owner).get(f"{OFFERINGS}/{offering.pk}/escrow").json() == expected
    assert api(officer).get(f"{OFFERINGS}/{offering.pk}/escrow").json() == expected
    for stranger in (lea, investor, IssuerFactory().owner):
        response = api(stranger).get(f"{OFFERINGS}/{offering.pk}/escrow")
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "forbidden"
    assert api().get(f"{OFFERINGS}/{offering.pk}/escrow").status_code == 401
    assert api(officer).get(f"{OFFERINGS}/999999/escrow").status_code == 404


# --- (b) minimum not reached ------------------------------------------------------------------


def test_r11_r13_minimum_not_reached_fails_and_refunds_every_payment_without_deduction(
    api, subscribe, pay, escrow, confirm, officer
):
    offering, lea, marc, zoe = campaign(minimum_cents=300_000)
    lea_sub = subscribe(lea, offering, 150_000)
    marc_sub = subscribe(marc, offering, 100_000)
    zoe_sub = subscribe(zoe, offering, 50_000)
    assert escrow(offering) == view()

    pay(lea_sub)
    pay(marc_sub)
    # $3,000 is subscribed, the minimum; only $2,500 of it is paid.
    assert reloaded(offering).raised_cents == 300_000
    assert escrow(offering) == view(held=250_000, paid_in=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)

    # The period ends on Friday with the minimum not funded: the offering fails.
    friday = advance_to(CLOSES_AT)
    assert friday.weekday() == 4
    run_due_deadlines()
    offering = reloaded(offering)
    assert (offering.state, offering.raised_cents, offering.closed_at) == (
        OfferingState.FAILED,
        0,
        friday,
    )
    assert states(lea_sub, marc_sub, zoe_sub) == ["refunded", "refunded", "expired"]
    failure = AuditEvent.objects.get(action="offering.failed", subject=offering.subject)
    assert failure.data["rules"] == ["minimum_not_reached"]

    # Every payment comes back in full, instructed at once and due two business days
    # later: Friday's instructions are due on Tuesday.
    refunds = Disbursement.objects.filter(offering=offering).order_by("subscription_id")
    paid = {p.subscription_id: p.amount_cents for p in Payment.objects.all()}
    assert [(r.kind, r.subscription_id, r.payee_id, r.amount_cents) for r in refunds] == [
        ("refund", lea_sub.pk, lea.pk, paid[lea_sub.pk]),
        ("refund", marc_sub.pk, marc.pk, paid[marc_sub.pk]),
    ]
    assert paid == {lea_sub.pk: 150_000, marc_sub.pk: 100_000}
    tuesday = datetime(2026, 5, 5, 15, 0, tzinfo=UTC)
    assert {(r.reason, r.instructed_at, r.due_by) for r in refunds} == {
        ("offering_failed", friday, tuesday)
    }
    assert escrow(offering) == view(held=250_000, paid_in=250_000, refunds_pending=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, refunds=250_000)
    assert api(offering.issuer.owner).get(f"{OFFERINGS}/{offering.pk}/register").json() == []
    assert not Disbursement.objects.filter(kind="payout").exists()

    # Unconfirmed refunds become overdue only after their due time.
    advance_to(tuesday)
    assert api(officer).get(f"{DISBURSEMENTS}?overdue=true").json() == []
    advance_to(tuesday + timedelta(seconds=1))
    overdue = api(officer).get(f"{DISBURSEMENTS}?overdue=true").json()
    assert sorted(row["id"] for row in overdue) == [r.pk for r in refunds]

    assert confirm(officer, refunds[0], "EFT-1").status_code == 200
    assert escrow(offering) == view(
        held=100_000, paid_in=250_000, refunded=150_000, refunds_pending=100_000
    )
    assert ledger.balances(offering.pk) == accounts(trust=100_000, refunds=100_000)
    assert confirm(officer, refunds[1], "EFT-2").status_code == 200
    assert escrow(offering) == view(paid_in=250_000, refunded=250_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    assert "The trust ledger reconciles." in reconcile_ledger()


def test_r13_a_refund_instructed_on_a_friday_evening_in_toronto_is_due_on_tuesday(
    api, subscribe, pay
):
    offering, lea, *_ = campaign(minimum_cents=100_000)
    # Friday 2026-04-10, 18:00 in Toronto (EDT): Léa subscribes and pays...
    advance_to(datetime(2026, 4, 10, 22, 0, tzinfo=UTC))
    subscription = subscribe(lea, offering, 150_000)
    pay(subscription)
    # ... and withdraws at 20:30, which is already Saturday in UTC.
    withdrawn_at = advance_to(datetime(2026, 4, 11, 0, 30, tzinfo=UTC))
    assert timezone.localtime(withdrawn_at).weekday() == 4

    assert api(lea).post(f"{SUBSCRIPTIONS}/{subscription.pk}/withdraw").status_code == 200

    refund = Disbursement.objects.get()
    assert refund.instructed_at == withdrawn_at
    # Two business days after a Friday are Monday and Tuesday, where the portal operates.
    assert timezone.localtime(refund.due_by).date() == date(2026, 4, 14)


# --- (c) cancellation -------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["owner", "officer"])
def test_r13_cancelling_an_open_offering_refunds_every_funded_subscription(
    api, subscribe, pay, escrow, confirm, officer, by
):
    offering, lea, marc, zoe = campaign(minimum_cents=100_000)
    lea_sub = subscribe(lea, offering, 150_000)
    marc_sub = subscribe(marc, offering, 100_000)
    zoe_sub = subscribe(zoe, offering, 50_000)
    pay(lea_sub)
    pay(marc_sub)
    assert escrow(offering) == view(held=250_000, paid_in=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)

    cancelled_at = clock.advance(timedelta(days=3))
    actor = offering.issuer.owner if by == "owner" else officer
    response = api(actor).post(
        f"{OFFERINGS}/{offering.pk}/cancel", {"reason": "Projet abandonné."}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "cancelled"
    offering = reloaded(offering)
    assert (offering.state, offering.raised_cents) == (OfferingState.CANCELLED, 0)
    assert states(lea_sub, marc_sub, zoe_sub) == ["refunded", "refunded", "expired"]
    refunds = Disbursement.objects.filter(offering=offering).order_by("subscription_id")
    assert [(r.kind, r.subscription_id, r.amount_cents, r.reason) for r in refunds] == [
        ("refund", lea_sub.pk, 150_000, "offering_cancelled"),
        ("refund", marc_sub.pk, 100_000, "offering_cancelled"),
    ]
    # Thursday 10:00 in Montréal + 2 business days = Monday 10:00 there, which is
    # 14:00 UTC once the clocks have sprung forward on Sunday 8 March.
    assert {(r.instructed_at, r.due_by) for r in refunds} == {
        (cancelled_at, datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    }
    assert escrow(offering) == view(held=250_000, paid_in=250_000, refunds_pending=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, refunds=250_000)

    for refund in refunds:
        assert confirm(officer, refund, f"EFT-{refund.pk}").status_code == 200
    assert escrow(offering) == view(paid_in=250_000, refunded=250_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    assert "The trust ledger reconciles." in reconcile_ledger()


# --- (d) early close --------------------------------------------------------------------------


def test_r14_early_close_waits_for_the_last_window_before_settling(
    api, subscribe, pay, escrow, confirm, officer, frozen_now
):
    offering, lea, marc, zoe = campaign(minimum_cents=200_000)
    owner = offering.issuer.owner
    lea_sub = subscribe(lea, offering, 150_000)
    pay(lea_sub)
    clock.advance(timedelta(hours=30))
    marc_sub = subscribe(marc, offering, 100_000)
    pay(marc_sub)
    assert marc_sub.withdrawal_deadline == frozen_now + timedelta(hours=78)
    assert escrow(offering) == view(held=250_000, paid_in=250_000)

    # With the minimum funded, the issuer closes early; Marc's window is still open.
    clock.advance(timedelta(hours=20))
    response = api(owner).post(f"{OFFERINGS}/{offering.pk}/close")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closing"
    assert states(lea_sub, marc_sub) == ["funded", "funded"]
    assert not Disbursement.objects.exists()
    assert escrow(offering) == view(held=250_000, paid_in=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)

    # Closing: no new subscription, and no second close.
    form = current_risk_form()
    refused = api(zoe).post(
        f"{OFFERINGS}/{offering.pk}/subscriptions",
        {
            "amount_cents": 50_000,
            "risk_acknowledgement": {
                "form_version": form.version,
                "statements": [statement["code"] for statement in form.statements],
                "full_name": zoe.full_name,
            },
        },
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "offering_not_open")
    again = api(owner).post(f"{OFFERINGS}/{offering.pk}/close")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")

    # At the last second of Marc's window nothing is settled yet (R14).
    advance_to(marc_sub.withdrawal_deadline)
    run_due_deadlines()
    assert reloaded(offering).state == OfferingState.CLOSING
    assert states(lea_sub, marc_sub) == ["funded", "funded"]
    assert escrow(offering) == view(held=250_000, paid_in=250_000)

    # One second later the closing settles: both accepted, $2,500 payable to the issuer.
    settled_at = advance_to(marc_sub.withdrawal_deadline + timedelta(seconds=1))
    assert run_due_deadlines() == {"closed": 0, "settled": 1}
    offering = reloaded(offering)
    assert (offering.state, offering.raised_cents, offering.closed_at) == (
        OfferingState.CLOSED,
        250_000,
        settled_at,
    )
    assert states(lea_sub, marc_sub) == ["accepted", "accepted"]
    payout = Disbursement.objects.get(offering=offering)
    assert (payout.kind, payout.amount_cents, payout.payee_id) == ("payout", 250_000, owner.pk)
    assert escrow(offering) == view(held=250_000, paid_in=250_000, payout_pending=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, payable=250_000)
    register = api(owner).get(f"{OFFERINGS}/{offering.pk}/register").json()
    assert [(row["holder"], row["quantity"]) for row in register] == [(lea.pk, 150), (marc.pk, 100)]

    assert confirm(officer, payout, "WIRE-1").status_code == 200
    assert escrow(offering) == view(paid_in=250_000, released=250_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES
    assert "The trust ledger reconciles." in reconcile_ledger()


def test_r11_early_close_before_the_minimum_is_refused_and_changes_nothing(
    api, subscribe, pay, escrow, money
):
    offering, lea, marc, _ = campaign(minimum_cents=300_000)
    pay(subscribe(lea, offering, 150_000))
    pay(subscribe(marc, offering, 100_000))
    clock.advance(timedelta(days=5))
    before = money()

    response = api(offering.issuer.owner).post(f"{OFFERINGS}/{offering.pk}/close")

    assert response.status_code == 422, response.json()
    assert (response.json()["code"], response.json()["rule"]) == (
        "minimum_not_reached_for_early_close",
        "R11",
    )
    assert money() == before
    assert reloaded(offering).state == OfferingState.OPEN
    assert escrow(offering) == view(held=250_000, paid_in=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, owed=250_000)


def test_r11_early_close_counts_only_funded_money_toward_the_minimum(
    api, subscribe, pay, escrow, money
):
    # $2,500 is subscribed, past the $2,000 minimum, but only Léa's $1,500 is paid.
    offering, lea, marc, _ = campaign(minimum_cents=200_000)
    pay(subscribe(lea, offering, 150_000))
    subscribe(marc, offering, 100_000)
    assert reloaded(offering).raised_cents == 250_000
    clock.advance(timedelta(days=5))
    before = money()

    response = api(offering.issuer.owner).post(f"{OFFERINGS}/{offering.pk}/close")

    assert response.status_code == 422, response.json()
    assert (response.json()["code"], response.json()["rule"]) == (
        "minimum_not_reached_for_early_close",
        "R11",
    )
    assert money() == before
    assert escrow(offering) == view(held=150_000, paid_in=150_000)


@pytest.mark.parametrize("minimum_cents", [100_000, 300_000], ids=["reached", "not-reached"])
def test_r11_the_issuer_cannot_close_a_suspended_offering_early(
    api, subscribe, pay, escrow, officer, money, minimum_cents
):
    offering, lea, marc, _ = campaign(minimum_cents=minimum_cents)
    pay(subscribe(lea, offering, 150_000))
    pay(subscribe(marc, offering, 100_000))
    clock.advance(timedelta(days=5))
    suspended = api(officer).post(
        f"{OFFERINGS}/{offering.pk}/suspend", {"reason": "Plainte à examiner."}, format="json"
    )
    assert suspended.status_code == 200, suspended.json()
    before = money()

    response = api(offering.issuer.owner).post(f"{OFFERINGS}/{offering.pk}/close")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert money() == before
    assert reloaded(offering).state == OfferingState.SUSPENDED
    assert escrow(offering) == view(held=250_000, paid_in=250_000)


def test_r11_only_the_issuer_closes_its_offering_early(api, subscribe, pay, officer, money):
    offering, lea, *_ = campaign(minimum_cents=100_000)
    pay(subscribe(lea, offering, 150_000))
    clock.advance(timedelta(days=5))
    before = money()

    for stranger in (officer, lea, IssuerFactory().owner):
        response = api(stranger).post(f"{OFFERINGS}/{offering.pk}/close")
        assert response.status_code == 403, response.json()
    assert api().post(f"{OFFERINGS}/{offering.pk}/close").status_code == 401

    assert money() == before


# --- (e) R08 at closing -----------------------------------------------------------------------


def sister_closed_offering(offering: Offering, *, raised_cents: int, closed_at: datetime) -> None:
    """Arrange a closed offering of an issuer sharing a founder with ``offering``'s issuer."""
    founder = offering.issuer.principals.get()
    sister = IssuerFactory(legal_name="Vélo-Cargo Montréal inc.")
    PrincipalFactory(issuer=sister, full_name=founder.full_name)
    closed = OfferingFactory(
        issuer=sister, minimum_amount_cents=100_000, maximum_amount_cents=150_000_000
    )
    Offering.objects.filter(pk=closed.pk).update(
        state=OfferingState.CLOSED, raised_cents=raised_cents, closed_at=closed_at
    )


def test_r08_sister_raised_too_much_in_the_12_months_so_the_closing_fails_and_refunds(
    api, subscribe, pay, escrow, confirm, officer
):
    offering, lea, marc, _ = campaign(minimum_cents=100_000)
    lea_sub = subscribe(lea, offering, 150_000)
    marc_sub = subscribe(marc, offering, 100_000)
    pay(lea_sub)
    pay(marc_sub)
    # While this offering was open, its sister (same founder) closed a $1,499,000
    # distribution: with this one's $2,500 the group would raise $1,501,500.
    sister_closed_offering(
        offering, raised_cents=149_900_000, closed_at=datetime(2026, 3, 20, 16, 0, tzinfo=UTC)
    )
    assert escrow(offering) == view(held=250_000, paid_in=250_000)

    advance_to(CLOSES_AT)
    run_due_deadlines()

    offering = reloaded(offering)
    assert (offering.state, offering.raised_cents) == (OfferingState.FAILED, 0)
    failure = AuditEvent.objects.get(action="offering.failed", subject=offering.subject)
    assert failure.data["rules"] == ["issuer_group_cap_exceeded_at_closing"]
    assert states(lea_sub, marc_sub) == ["refunded", "refunded"]
    refunds = Disbursement.objects.filter(offering=offering).order_by("subscription_id")
    assert [(r.kind, r.subscription_id, r.amount_cents) for r in refunds] == [
        ("refund", lea_sub.pk, 150_000),
        ("refund", marc_sub.pk, 100_000),
    ]
    assert not Disbursement.objects.filter(kind="payout").exists()
    assert api(officer).get(f"{OFFERINGS}/{offering.pk}/register").json() == []
    assert escrow(offering) == view(held=250_000, paid_in=250_000, refunds_pending=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, refunds=250_000)

    for refund in refunds:
        confirm(officer, refund, f"EFT-{refund.pk}")
    assert escrow(offering) == view(paid_in=250_000, refunded=250_000)
    assert ledger.balances(offering.pk) == ZERO_BALANCES


@pytest.mark.parametrize(
    ("sister_raised_cents", "sister_closed_at"),
    [
        # Exactly at the cap: $1,497,500 + $2,500 = $1,500,000.
        (149_750_000, datetime(2026, 3, 20, 16, 0, tzinfo=UTC)),
        # Over the cap, but closed before the 12 months ending on this closing date.
        (149_900_000, datetime(2025, 4, 20, 16, 0, tzinfo=UTC)),
    ],
    ids=["exactly-at-the-cap", "outside-the-12-months"],
)
def test_r08_closing_within_the_group_cap_releases(
    subscribe, pay, escrow, sister_raised_cents, sister_closed_at
):
    offering, lea, marc, _ = campaign(minimum_cents=100_000)
    lea_sub = subscribe(lea, offering, 150_000)
    marc_sub = subscribe(marc, offering, 100_000)
    pay(lea_sub)
    pay(marc_sub)
    sister_closed_offering(offering, raised_cents=sister_raised_cents, closed_at=sister_closed_at)

    advance_to(CLOSES_AT)
    run_due_deadlines()

    assert reloaded(offering).state == OfferingState.CLOSED
    assert states(lea_sub, marc_sub) == ["accepted", "accepted"]
    assert Disbursement.objects.get(offering=offering).amount_cents == 250_000
    assert escrow(offering) == view(held=250_000, paid_in=250_000, payout_pending=250_000)
    assert ledger.balances(offering.pk) == accounts(trust=250_000, payable=250_000)


def test_r18_the_register_and_the_documents_carry_one_legend_in_both_languages():
    template = get_template("documents/resale_legend.html")
    for language, legend in (("en", RESALE_LEGEND_EN), ("fr", RESALE_LEGEND_FR)):
        with translation.override(language):
            printed = " ".join(strip_tags(template.render({})).split())
        assert printed == legend
    assert f"{RESALE_LEGEND_EN} / {RESALE_LEGEND_FR}" == RESALE_LEGEND
