"""Account registration, API tokens and compliance officers."""

from __future__ import annotations

from datetime import date

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from equity import clock
from equity.accounts.models import PortalStatusAcknowledgement, Role, User
from equity.accounts.portal import portal_statement
from equity.compliance.audit import actor_of, audit_append
from equity.exceptions import Conflict, EquityError, InvalidInput
from equity.geography import is_country, is_province
from equity.investors.models import InvestorProfile

SELF_SERVICE_ROLES = (Role.INVESTOR, Role.ISSUER)

OFFICER_PERMISSIONS = Q(
    content_type__app_label="compliance",
    codename__in=[
        "view_rulebook",
        "add_rulebook",
        "change_rulebook",
        "view_auditevent",
    ],
) | Q(content_type__app_label__in=["offerings", "investors"], codename__startswith="view_")
"""What a compliance officer may do in the back office; every other change goes through services."""


class InvalidCredentials(EquityError):
    """Raised when an e-mail and password do not match an active account."""

    status = 401
    code = "invalid_credentials"
    default_detail = _("The e-mail or the password is incorrect.")


def _check_person(
    *, email: str, password: str, full_name: str, province: str, country: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not full_name.strip():
        errors["full_name"] = [_("A full name is required.")]
    if not is_country(country):
        errors["country"] = [_("Unknown country code (ISO 3166-1 alpha-2).")]
    elif not is_province(country, province):
        errors["province"] = [_("Unknown province or state for this country.")]
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def account_register(
    *,
    email: str,
    password: str,
    role: str,
    full_name: str,
    province: str,
    country: str,
    birth_date: date | None,
    language: str,
) -> User:
    """Open an investor or issuer account (compliance officers are made by an operator)."""
    if role not in SELF_SERVICE_ROLES:
        raise InvalidInput({"role": [_("Choose investor or issuer.")]})
    _check_person(
        email=email, password=password, full_name=full_name, province=province, country=country
    )
    if role == Role.INVESTOR and birth_date is None:
        raise InvalidInput({"birth_date": [_("An investor's birth date is required.")]})
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(code="email_taken", detail=_("An account with this e-mail already exists."))
    user = User.objects.create_user(
        email,
        password,
        role=role,
        full_name=full_name.strip(),
        province=province,
        country=country,
        language=language,
    )
    if role == Role.INVESTOR:
        InvestorProfile.objects.create(user=user, birth_date=birth_date, created_at=clock.now())
    audit_append(
        actor=actor_of(user),
        action="account.registered",
        subject=f"user:{user.pk}",
        data={"role": role, "language": language},
    )
    return user


def token_issue(*, email: str, password: str) -> str:
    """Return the API token of the account with these credentials, creating it once."""
    user = authenticate(username=email.strip().lower(), password=password)
    if user is None:
        raise InvalidCredentials()
    token, _created = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def compliance_officer_create(*, email: str, password: str, full_name: str = "") -> User:
    """Create a compliance officer (the only way to get one: an operator's command)."""
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(code="email_taken", detail=_("An account with this e-mail already exists."))
    user = User.objects.create_user(
        email, password, role=Role.COMPLIANCE_OFFICER, full_name=full_name or email, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(OFFICER_PERMISSIONS))
    audit_append(
        actor="operator",
        action="account.compliance_officer_created",
        subject=f"user:{user.pk}",
        data={"role": Role.COMPLIANCE_OFFICER},
    )
    return user


def portal_status_acknowledged(*, user: User, language: str) -> bool:
    """Return whether ``user`` acknowledged the portal's current status statement (R19)."""
    statement = portal_statement(language)
    return PortalStatusAcknowledgement.objects.filter(
        user=user, text_sha256=statement.sha256
    ).exists()


@transaction.atomic
def portal_status_acknowledge(
    *, user: User, language: str, ip_address: str | None, user_agent: str
) -> PortalStatusAcknowledgement:
    """Record that ``user`` acknowledged the portal's status as shown in ``language`` (R19)."""
    statement = portal_statement(language)
    acknowledgement = PortalStatusAcknowledgement.objects.create(
        user=user,
        registered_dealer=statement.registered_dealer,
        language=language,
        text=statement.text,
        text_sha256=statement.sha256,
        acknowledged_at=clock.now(),
        ip_address=ip_address,
        user_agent=user_agent[:500],
    )
    audit_append(
        actor=actor_of(user),
        action="portal.status_acknowledged",
        subject=f"user:{user.pk}",
        data={
            "rule": "R19",
            "registered_dealer": statement.registered_dealer,
            "language": language,
            "text_sha256": statement.sha256,
        },
    )
    return acknowledgement


@transaction.atomic
def officer_totp_activate(*, officer: User) -> str:
    """Give ``officer`` a TOTP authenticator and return its secret (for the demo scene).

    Officers normally set up their authenticator themselves on first sign-in;
    the demo does it for them so that a newcomer can sign in at once.
    """
    secret = generate_totp_secret()
    TOTP.activate(officer, secret)
    audit_append(
        actor="operator",
        action="account.second_factor_activated",
        subject=f"user:{officer.pk}",
        data={"type": "totp"},
    )
    return secret


def sandbox_totp_code(*, email: str, at: float) -> str:
    """Return the TOTP code of ``email``'s authenticator at Unix time ``at`` (sandbox only).

    This exists so that a newcomer can rehearse the officers' sign-in without a
    phone; production settings never enable the sandbox, so it refuses there.
    """
    if not settings.EQUITY_SANDBOX:
        raise Conflict(code="sandbox_only", detail=_("Only available in sandbox mode."))
    authenticator = Authenticator.objects.filter(
        user__email__iexact=email, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None:
        raise Conflict(code="no_authenticator", detail=_("This account has no authenticator."))
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(at) // mfa_settings.TOTP_PERIOD))
