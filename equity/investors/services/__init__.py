"""Subscriptions: create (R09, R11, R15), withdraw (R14), and suitability records (R09).

Every write locks the offering row first, so two purchasers racing for the
last securities, or one purchaser racing with themself, are decided one after
the other against the same totals (``select_for_update`` on PostgreSQL; an
IMMEDIATE transaction on SQLite).
"""

from equity.investors.services.subscriptions import SignedAcknowledgement, subscription_create
from equity.investors.services.suitability import suitability_record
from equity.investors.services.withdrawal import subscription_withdraw

__all__ = [
    "SignedAcknowledgement",
    "subscription_create",
    "subscription_withdraw",
    "suitability_record",
]
