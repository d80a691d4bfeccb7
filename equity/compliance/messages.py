"""Plain-language reasons for every violation code, in French and English (P04, P05).

The source strings are English; French translations live in ``locale/fr``.
Amounts in a violation's figures (keys ending in ``_cents``) are written the
way a reader of the active language writes money.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from equity.money import Money

MESSAGES = {
    "head_office_outside_canada": _(
        "The head office of %(issuer)s is not in Canada (%(country)s); "
        "the exemption is open only to issuers with a head office in Canada."
    ),
    "reporting_issuer": _("%(issuer)s is a reporting issuer; no issuer of the group may be one."),
    "investment_fund": _("%(issuer)s is an investment fund, which the exemption excludes."),
    "blind_pool": _(
        "%(issuer)s does not describe a business of its own beyond finding one to acquire "
        "(a blind pool), which the exemption excludes."
    ),
    "principal_disqualified": ngettext_lazy(
        "%(principal)s declared %(declarations)s within the last %(years)s year; approval is "
        "blocked until a compliance officer records a reasoned override.",
        "%(principal)s declared %(declarations)s within the last %(years)s years; approval is "
        "blocked until a compliance officer records a reasoned override.",
        "years",
    ),
    "group_distribution_active": ngettext_lazy(
        "Another offering of the issuer group is already approved or open; a group may have "
        "at most %(limit)s distribution under the exemption at a time.",
        "Another offering of the issuer group is already approved or open; a group may have "
        "at most %(limit)s distributions under the exemption at a time.",
        "limit",
    ),
    "issuer_group_cap_exceeded": _(
        "The maximum of %(maximum_cents)s does not fit the issuer group's remaining capacity "
        "of %(headroom_cents)s under the cap of %(limit_cents)s."
    ),
    "distributions_per_year_exceeded": ngettext_lazy(
        "The issuer group already has %(limit)s distribution this calendar year, the most allowed.",
        "The issuer group already has %(limit)s distributions this calendar year, the most "
        "allowed.",
        "limit",
    ),
    "security_type_not_eligible": _(
        "“%(security_type)s” is not a security eligible under %(rulebook)s."
    ),
    "bond_terms_required": _(
        "A debt security must state its annual rate, term in months and interest frequency."
    ),
    "bond_terms_invalid": _(
        "The bond terms need a rate of zero or more, a term of at least one month and a valid "
        "interest frequency."
    ),
    "bond_terms_not_applicable": _("Bond terms apply only to debt, not to “%(security_type)s”."),
    "amount_not_positive": _("The price, the minimum and the maximum must be positive."),
    "minimum_above_maximum": _(
        "The minimum of %(minimum_cents)s is above the maximum of %(maximum_cents)s."
    ),
    "amount_not_multiple_of_price": _(
        "The amount of %(amount_cents)s (%(amount)s) is not a whole number of securities at "
        "%(price_cents)s each."
    ),
    "distribution_period_too_long": ngettext_lazy(
        "A distribution period of %(days)s day is not allowed; it must be between 1 and "
        "%(max_days)s days.",
        "A distribution period of %(days)s days is not allowed; it must be between 1 and "
        "%(max_days)s days.",
        "days",
    ),
    "purchaser_profile_required": _(
        "Complete your investor profile (birth date and province) before subscribing."
    ),
    "offering_not_open": _("This offering is not open for subscriptions."),
    "purchaser_minor": _(
        "You must have reached the age of majority in your province (%(age)s) to invest."
    ),
    "purchaser_limit_exceeded": _(
        "This subscription would take you past your limit of %(limit_cents)s in this offering; "
        "you may still subscribe up to %(remaining_cents)s."
    ),
    "offering_maximum_reached": _(
        "This subscription would take the offering past its maximum; %(remaining_cents)s "
        "remains available."
    ),
    "risk_acknowledgement_required": _(
        "Before subscribing, acknowledge every statement of the current risk acknowledgement "
        "form (%(version)s) and type your full name as on your account."
    ),
    "withdrawal_period_expired": _("The period to withdraw this subscription has ended."),
    "minimum_not_reached": _(
        "The funded subscriptions total %(accepted_cents)s, short of the minimum of "
        "%(minimum_cents)s; the offering cannot close and every purchaser is refunded."
    ),
    "issuer_group_cap_exceeded_at_closing": _(
        "Closing %(accepted_cents)s would take the issuer group past its cap of %(limit_cents)s "
        "(already raised in the 12 months ending today: %(raised_cents)s)."
    ),
    "minimum_not_reached_for_early_close": _(
        "The offering can close early only once its minimum of %(minimum_cents)s is reached."
    ),
    "rulebook_not_in_force": _("No version of the rulebook “%(rulebook)s” is in force today."),
    "override_not_needed": _("This principal has no positive declaration to override."),
}


LABELS = {
    "cease_trade_order": _("a cease-trade order"),
    "securities_sanction": _("a securities sanction"),
    "fraud_conviction": _("a fraud conviction"),
    "bankruptcy": _("a bankruptcy"),
    "common_share": _("common shares"),
    "preferred_share": _("preferred shares"),
    "convertible": _("convertible securities"),
    "debt": _("debt securities (community bonds)"),
    "lp_unit": _("limited partnership units"),
    "minimum": _("the minimum"),
    "maximum": _("the maximum"),
    "amount": _("the subscription"),
}
"""Words for the codes a violation's figures may carry."""


def _figure(key: str, value: object, language: str) -> object:
    if key.endswith("_cents") and type(value) is int:
        return Money(value).format(language)
    if isinstance(value, tuple):
        return ", ".join(str(LABELS.get(item, item)) for item in value)
    if isinstance(value, str) and value in LABELS:
        return str(LABELS[value])
    return value


def render_violation(code: str, params: Mapping[str, object]) -> str:
    """Return the message of ``code`` with its figures, in the active language."""
    language = get_language() or "fr"
    figures = {key: _figure(key, value, language) for key, value in params.items()}
    return str(MESSAGES[code] % figures)
