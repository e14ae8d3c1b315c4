"""Domain errors raised by services, free of any HTTP framework.

`oneonone.exceptions.exception_handler` maps each one to its HTTP status in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a request that is well-formed but not allowed in the current state."""

    default_message = "This action is not allowed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class CalendarFinalized(DomainError):
    """A write under a finalized calendar (HTTP 410)."""

    default_message = "Calendar is finalized"


class NotOwnerOrInvitee(DomainError):
    """A write by someone who is no longer the owner or an invitee of the calendar (HTTP 403)."""

    default_message = "Not owner or invitee"


class DeadlinePassed(DomainError):
    """An invitee writing availability after their deadline (HTTP 410)."""

    default_message = "Deadline has passed"


class Conflict(DomainError):
    """The state changed under the request, e.g. a concurrent write won (HTTP 409)."""

    default_message = "The request conflicts with the current state; try again."
