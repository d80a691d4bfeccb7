"""Writes of the offerings app: issuers and the offering lifecycle."""

from equity.offerings.services.issuers import (
    IssuerEligibility,
    issuer_affiliate_add,
    issuer_create,
    issuer_eligibility,
    principal_override_record,
)
from equity.offerings.services.offerings import (
    offering_amend,
    offering_approve,
    offering_cancel,
    offering_create,
    offering_open,
    offering_reject,
    offering_resume,
    offering_submit,
    offering_suspend,
)

__all__ = [
    "IssuerEligibility",
    "issuer_affiliate_add",
    "issuer_create",
    "issuer_eligibility",
    "offering_amend",
    "offering_approve",
    "offering_cancel",
    "offering_create",
    "offering_open",
    "offering_reject",
    "offering_resume",
    "offering_submit",
    "offering_suspend",
    "principal_override_record",
]
