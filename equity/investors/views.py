"""Pages for purchasers: subscribing, the payment instructions, withdrawing, the dashboard.

Every page is for investors who acknowledged the portal's status (R19), and
shows only the purchaser's own subscriptions: anyone else's id is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.response import Response

from equity import clock
from equity.accounts.models import Role
from equity.accounts.templatetags.pages import dollars
from equity.accounts.views import client_ip, portal_status_required
from equity.exceptions import EquityError, NotFound, PermissionDenied
from equity.idempotency import IdempotencyKeyReused, idempotent
from equity.investors import services
from equity.investors.forms import SubscriptionForm
from equity.investors.models import WITHDRAWABLE_STATES, SubscriptionState
from equity.investors.selectors import (
    SubscriptionTerms,
    payment_reference,
    public_offering,
    purchaser_documents,
    purchaser_subscription,
    purchaser_subscriptions,
    subscription_terms,
)
from equity.offerings.models import OfferingState
from equity.pages import page_language, role_required, show_refusal

TRUST_ACCOUNT_SETTING = "EQUITY_TRUST_ACCOUNT"
"""Optional setting: the trust account's ``holder``, ``bank``, ``institution``, ``transit``
and ``account``, shown on the payment instructions."""


def _subscription_page(
    request: HttpRequest, terms: SubscriptionTerms, form: SubscriptionForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "investors/subscribe.html",
        {"offering": terms.offering, "terms": terms, "form": form},
        status=status,
    )


def _subscribe_once(request: HttpRequest, offering_id: int, data: dict[str, Any]) -> int:
    """Subscribe as the form says, once per idempotency key (P03); return the subscription id.

    A double click or a refresh sends the same key and the same form again:
    the first answer is returned and nothing is written twice.
    """
    acknowledgement = services.SignedAcknowledgement(
        form_version=data["form_version"],
        statements=data["statements"],
        full_name=data["full_name"],
        language=page_language(),
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )

    def write() -> Response:
        subscription = services.subscription_create(
            offering_id=offering_id,
            investor=request.user,
            amount_cents=data["amount_cents"],
            acknowledgement=acknowledgement,
        )
        return Response({"id": subscription.pk}, status=201)

    # The API's idempotency records serve the page too; the scope keeps their keys apart.
    response = idempotent(
        user=request.user,
        scope=f"web/offerings/{offering_id}/subscriptions",
        key=str(data["idempotency_key"]),
        body={
            "amount_cents": data["amount_cents"],
            "form_version": data["form_version"],
            "statements": sorted(data["statements"]),
            "full_name": data["full_name"],
        },
        write=write,
    )
    return response.data["id"]


def _subscriptions_allowed(request: HttpRequest) -> bool:
    """Consume one of the purchaser's web subscriptions for the period (EQUITY_RATE_SUBSCRIBE)."""
    usage = ratelimit.consume(
        request,
        app="equity.investors",
        action="subscribe",
        config={"subscribe": settings.EQUITY_RATE_SUBSCRIBE},
        user=request.user,
    )
    return usage is not None


@role_required(Role.INVESTOR)
@portal_status_required
def subscribe(request: HttpRequest, offering_id: int) -> HttpResponse:
    """Take the amount (R09), the signed risk acknowledgement (R15), then subscribe once (P03)."""
    offering = public_offering(offering_id)
    if offering is None:
        raise Http404
    if offering.state != OfferingState.OPEN or offering.closes_at <= clock.now():
        messages.error(request, _("This offering is not taking subscriptions."))
        return redirect("offerings:detail", offering_id=offering.pk)
    terms = subscription_terms(offering=offering, investor=request.user, language=page_language())
    form_options = {
        "statements": terms.risk_form.statements,
        "amount_help": _(
            "Whole securities only: a multiple of %(price)s. You may still invest %(remaining)s."
        )
        % {
            "price": dollars(offering.price_per_security_cents),
            "remaining": dollars(terms.headroom.remaining_cents),
        },
    }
    if request.method != "POST":
        form = SubscriptionForm(
            initial={
                "form_version": terms.risk_form.form.version,
                "idempotency_key": uuid.uuid4(),
            },
            **form_options,
        )
        return _subscription_page(request, terms, form)
    form = SubscriptionForm(request.POST, **form_options)
    if not form.is_valid():
        return _subscription_page(request, terms, form, status=400)
    if not _subscriptions_allowed(request):
        form.add_error(None, _("Too many subscriptions in a short time. Try again later."))
        return _subscription_page(request, terms, form, status=429)
    data = {
        "amount_cents": form.cleaned_data["amount"],
        "form_version": form.cleaned_data["form_version"],
        "idempotency_key": form.cleaned_data["idempotency_key"],
        "statements": form.acknowledged_statements(),
        "full_name": form.cleaned_data["full_name"],
    }
    try:
        subscription_id = _subscribe_once(request, offering.pk, data)
    except IdempotencyKeyReused:
        # The page came back from the browser's history after a subscription, then changed.
        messages.error(
            request,
            _("This form was already sent for another subscription. Check it and send it again."),
        )
        renewed = request.POST.copy()
        renewed["idempotency_key"] = str(uuid.uuid4())
        return _subscription_page(
            request, terms, SubscriptionForm(renewed, **form_options), status=409
        )
    except EquityError as error:
        show_refusal(request, error)
        return _subscription_page(request, terms, form, status=error.status)
    messages.success(
        request,
        _("Your subscription is recorded. Transfer the amount as shown below to complete it."),
    )
    return redirect("investors:payment", subscription_id=subscription_id)


def _trust_account() -> dict[str, str] | None:
    account = getattr(settings, TRUST_ACCOUNT_SETTING, None)
    return dict(account) if account and account.get("holder") else None


@require_GET
@role_required(Role.INVESTOR)
@portal_status_required
def payment_instructions(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Show how to pay a subscription into trust: amount, account, reference, deadline."""
    subscription = purchaser_subscription(investor=request.user, subscription_id=subscription_id)
    if subscription is None:
        raise Http404
    now = clock.now()
    return render(
        request,
        "investors/payment.html",
        {
            "subscription": subscription,
            "offering": subscription.offering,
            "reference": payment_reference(subscription),
            "trust_account": _trust_account(),
            "awaiting_payment": subscription.state == SubscriptionState.PENDING_PAYMENT,
            "window_open": (
                subscription.state in WITHDRAWABLE_STATES
                and now <= subscription.withdrawal_deadline
            ),
            "now": now,
        },
    )


@require_GET
@role_required(Role.INVESTOR)
@portal_status_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """List the purchaser's subscriptions, their withdrawal windows and their documents."""
    now = clock.now()
    return render(
        request,
        "investors/dashboard.html",
        {
            "subscriptions": purchaser_subscriptions(investor=request.user, as_of=now),
            "documents": purchaser_documents(request.user),
            "now": now,
        },
    )


@require_POST
@role_required(Role.INVESTOR)
@portal_status_required
def withdraw(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Withdraw one of the purchaser's subscriptions within its window (R14)."""
    try:
        subscription = services.subscription_withdraw(
            investor=request.user, subscription_id=subscription_id
        )
    except (NotFound, PermissionDenied):
        raise Http404 from None
    except EquityError as error:
        show_refusal(request, error)
        return redirect("investors:dashboard")
    messages.success(
        request,
        _(
            "Your subscription to “%(offering)s” is withdrawn; "
            "any money you paid is refunded in full."
        )
        % {"offering": subscription.offering.title},
    )
    return redirect("investors:dashboard")
