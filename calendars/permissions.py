"""Permission rules for a calendar and everything under it (CONTRACT section 1, "Roles").

Each class reads the calendar that `calendars.views.CalendarNestedMixin` resolved once for the
request (`view.calendar`, `view.is_calendar_owner`, `view.invitation`), so a request costs one
calendar query and at most one invitation query whatever the number of rules combined.

The order in `permission_classes` is the order of the checks, and it is the contract's:
missing calendar 404 → stranger 403 → finalized 410 → invitee deadline 410 → (in the view)
nested object 404 → object-level 403.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from oneonone import errors


class Gone(APIException):
    """HTTP 410: the resource still exists but no longer accepts this write.

    An `APIException` (not a domain error) because it is raised from permission checks: DRF's
    OPTIONS metadata probes permissions per method and only swallows `APIException`s.
    """

    status_code = status.HTTP_410_GONE
    default_detail = "Gone"
    default_code = "gone"


class IsCalendarOwner(BasePermission):
    """The caller owns the calendar named in the URL."""

    message = "Not owner"

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(view.is_calendar_owner)


class IsCalendarOwnerOrInvitee(BasePermission):
    """The caller owns the calendar named in the URL or is invited to it (not a stranger)."""

    message = errors.NotOwnerOrInvitee.default_message

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(view.is_calendar_owner or view.invitation is not None)


class IsCalendarInvitee(BasePermission):
    """The caller is invited to the calendar named in the URL (its owner is not)."""

    message = "Only an invitee of this calendar can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return view.invitation is not None


class CalendarNotFinalized(BasePermission):
    """Writes under a finalized calendar are refused with 410; reads pass."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in SAFE_METHODS and view.calendar.finalized:
            raise Gone(errors.CalendarFinalized.default_message)
        return True


class InviteeDeadlineNotPassed(BasePermission):
    """An invitee's writes after their deadline are refused with 410; the owner has no deadline."""

    def has_permission(self, request: Request, view: Any) -> bool:
        invitation = view.invitation
        if (
            request.method not in SAFE_METHODS
            and invitation is not None
            and timezone.now() > invitation.deadline
        ):
            raise Gone(errors.DeadlinePassed.default_message)
        return True


class IsAvailabilityUser(BasePermission):
    """Only the availability's own user may change it; whoever can see it may read it."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or obj.user_id == request.user.pk
