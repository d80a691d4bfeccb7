"""The one exception tree of the module.

Every error a caller can act on is an :class:`EquityError` carrying a stable
``code``, the ``rule`` of RULES.md that refused the action (or ``None``) and
the HTTP status it maps to. ``equity.rest.exception_handler`` turns them into
the contract's error shape in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from equity.compliance.rules import Violation


class EquityError(Exception):
    """Raised when an action of the module is refused; the base of every error here."""

    status = 400
    code = "error"
    default_detail = _("The request was refused.")

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, rule: str | None = None
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        if code is not None:
            self.code = code
        self.rule = rule
        super().__init__(str(self.detail))

    def extra(self) -> dict[str, object]:
        """Return fields added to the error body beyond code, detail and rule."""
        return {}


class InvalidInput(EquityError):
    """Raised when input is malformed: wrong type, out of range, unknown choice."""

    status = 400
    code = "invalid"
    default_detail = _("The request is invalid.")

    def __init__(
        self, errors: Mapping[str, object], *, rule: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(detail, rule=rule)
        self.errors = dict(errors)

    def extra(self) -> dict[str, object]:
        return {"errors": self.errors}


class PermissionDenied(EquityError):
    """Raised when the caller may not perform the action on this object."""

    status = 403
    code = "forbidden"
    default_detail = _("You are not allowed to do this.")


class NotFound(EquityError):
    """Raised when the object asked for does not exist (or is not visible to the caller)."""

    status = 404
    code = "not_found"
    default_detail = _("Not found.")


class Conflict(EquityError):
    """Raised when the action conflicts with the current state (duplicate, wrong state)."""

    status = 409
    code = "conflict"
    default_detail = _("The action conflicts with the current state.")


class InvalidTransition(Conflict):
    """Raised when a state-machine transition is not allowed from the current state."""

    code = "invalid_transition"

    def __init__(self, *, state: str, state_label: str) -> None:
        super().__init__(
            _("This action is not possible in the current state (%(state)s).")
            % {"state": state_label}
        )
        self.state = state

    def extra(self) -> dict[str, object]:
        return {"state": self.state}


class RulebookInUse(Conflict):
    """Raised when someone tries to change a rulebook version an offering was judged by."""

    code = "rulebook_in_use"
    default_detail = _(
        "This rulebook version is in use and cannot change; add a corrected version instead."
    )


class ComplianceViolation(EquityError):
    """Raised when one or more rules of the rulebook refuse the action (P04)."""

    status = 422

    def __init__(self, violations: Sequence[Violation]) -> None:
        if not violations:
            raise ValueError("ComplianceViolation needs at least one violation")
        self.violations = list(violations)
        first = self.violations[0]
        super().__init__(first.detail, code=first.code, rule=first.rule)

    def extra(self) -> dict[str, object]:
        return {"violations": [violation.as_dict() for violation in self.violations]}


class LedgerImbalance(EquityError):
    """Raised when a ledger transaction would not balance or carries a non-positive amount.

    This is a programming error, never a user's: the ledger refuses to write it.
    """

    status = 500
    code = "ledger_imbalance"
