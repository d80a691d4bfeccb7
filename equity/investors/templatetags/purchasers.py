"""Template helpers of the purchaser pages: time left until a deadline, province names."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from equity.accounts.forms import CANADIAN_PROVINCES

register = template.Library()
_PROVINCE_NAMES = dict(CANADIAN_PROVINCES)


@register.filter
def province_name(code: str) -> str:
    """Return the name of a Canadian province or territory in the active language."""
    return str(_PROVINCE_NAMES.get(code, code))


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _hours(count: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}


def _minutes(count: int) -> str:
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}


def _both(first: str, second: str) -> str:
    return _("%(first)s and %(second)s") % {"first": first, "second": second}


@register.filter
def time_left(deadline: datetime | None, now: datetime) -> str:
    """Return the time from ``now`` until ``deadline`` in words; "" once it has passed.

    Days alone from two days on; a day and hours below that; hours and minutes
    within the last day. ``now`` comes from the module's clock, so the sandbox
    clock moves it too.
    """
    if deadline is None or deadline <= now:
        return ""
    left = deadline - now
    minutes = left // timedelta(minutes=1)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days >= 2:
        return _days(days)
    if days == 1:
        return _both(_days(1), _hours(hours)) if hours else _days(1)
    if hours and minutes:
        return _both(_hours(hours), _minutes(minutes))
    if hours:
        return _hours(hours)
    if minutes:
        return _minutes(minutes)
    return _("less than a minute")
