"""Writes of the calendars app: calendars, invitations and availabilities.

Every function is keyword-only and typed, validates with `full_clean()` before saving, and
reports refusals as `django.core.exceptions.ValidationError` keyed by the request field (HTTP
400 through `oneonone.exceptions`) or as a domain error. Role, finalized and deadline rules are
checked before these run (`calendars.permissions`); what is checked here is what holds whoever
calls: window bounds, uniqueness, and the invariants the stored rows must keep.

Times are aware datetimes; they are compared as instants, so the zone they carry is irrelevant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone as django_timezone

from calendars.models import Availability, Calendar, Invitee, Meet
from contacts.services import contact_user_ids
from oneonone.errors import DomainError

User = get_user_model()

CANNOT_CHANGE_AFTER_CREATE = "This field cannot be changed after the calendar is created."
USER_DOES_NOT_EXIST = "User does not exist"
CANNOT_INVITE_YOURSELF = "You cannot invite yourself to your own calendar"
NOT_A_CONTACT = "You can only invite your contacts; this user is not one of them"
ALREADY_INVITED = "This user is already invited to this calendar"
DEADLINE_NOT_IN_FUTURE = "The deadline must be in the future"
END_NOT_AFTER_START = "The end must be after the start"
TIMEZONE_WOULD_EXCLUDE = (
    "The timezone cannot be changed to {timezone}: some availabilities or meetings would fall "
    "outside the calendar's window there"
)
DURATION_WITH_SCHEDULE = (
    "The meeting duration cannot be changed while a schedule exists; delete the schedule first"
)


class CalendarAlreadyFinalized(DomainError):
    """Finalizing a calendar twice (HTTP 400 `{"detail"}`, as the seed documents)."""

    default_message = "This calendar is already finalized."


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Calendars ---------------------------------------------------------------------------------


def calendar_create(
    *,
    owner: Any,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    timezone: str,
    meeting_duration: int,
) -> Calendar:
    """Create a calendar owned by `owner`; dates inclusive, `timezone` an IANA name."""
    calendar = Calendar(
        owner=owner,
        name=name,
        start_date=start_date,
        end_date=end_date,
        timezone=timezone,
        meeting_duration=meeting_duration,
    )
    calendar.full_clean()
    calendar.save()
    return calendar


@transaction.atomic
def calendar_update(
    *,
    calendar: Calendar,
    name: str | None = None,
    timezone: str | None = None,
    meeting_duration: int | None = None,
) -> Calendar:
    """Rename the calendar, and change its timezone or meeting duration where that is safe.

    - `timezone` may change as long as every stored availability and meeting still lies inside
      the window (start_date 00:00 to the end of end_date) in the new zone: moving a calendar
      never silently leaves windows outside it.
    - `meeting_duration` may change while the calendar has no schedule: existing meetings
      have the old length, so the schedule has to be deleted (or regenerated) first.

    The calendar row is locked for the check-then-write, so a schedule generated concurrently
    (which locks it too) cannot slip in between. Raises `ValidationError` keyed by field.
    """
    locked = Calendar.objects.select_for_update().get(pk=calendar.pk)
    errors: dict[str, list[str]] = {}
    if timezone is not None and timezone != locked.timezone:
        moved = Calendar(start_date=locked.start_date, end_date=locked.end_date, timezone=timezone)
        bounds = [
            rows.aggregate(first=Min("start_period"), last=Max("end_period"))
            for rows in (locked.availabilities.all(), locked.meets.all())
        ]
        if any(
            b["first"] is not None and (b["first"] < moved.window_start or b["last"] > moved.window_end)
            for b in bounds
        ):
            errors["timezone"] = [TIMEZONE_WOULD_EXCLUDE.format(timezone=timezone)]
    if (
        meeting_duration is not None
        and meeting_duration != locked.meeting_duration
        and locked.meets.exists()
    ):
        errors["meeting_duration"] = [DURATION_WITH_SCHEDULE]
    if errors:
        raise ValidationError(errors)
    for field, value in (("name", name), ("timezone", timezone), ("meeting_duration", meeting_duration)):
        if value is not None:
            setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    return locked


def calendar_delete(*, calendar: Calendar) -> None:
    """Delete the calendar with its invitations, availabilities and meetings (cascade)."""
    calendar.delete()


@transaction.atomic
def calendar_finalize(*, calendar: Calendar) -> Calendar:
    """Mark the calendar finalized; after this every write under it answers 410.

    Locks the row so two concurrent calls give one success and one `CalendarAlreadyFinalized`.
    """
    locked = Calendar.objects.select_for_update().get(pk=calendar.pk)
    if locked.finalized:
        raise CalendarAlreadyFinalized()
    locked.finalized = True
    locked.full_clean()
    locked.save(update_fields=["finalized"])
    return locked


# Invitations -------------------------------------------------------------------------------


def invitee_create(*, calendar: Calendar, invitee_id: int, deadline: dt.datetime | None) -> Invitee:
    """Invite user `invitee_id` to `calendar` until `deadline` (default: the window's end).

    The user must exist, not be the owner, not be invited already, and be an accepted contact
    of the owner; an explicit deadline must be in the future (any future instant, also after
    the calendar ends). The default deadline is the end of the calendar's window even when that
    is already past (a calendar kept as a record), which simply closes availability at once.
    Two concurrent invitations of the same user: the unique constraint lets one through, the
    other gets the same 400 as a repeated invitation.
    """
    errors: dict[str, list[str]] = {}
    user = User.objects.filter(pk=invitee_id).first()
    if user is None:
        errors["invitee"] = [USER_DOES_NOT_EXIST]
    elif user.pk == calendar.owner_id:
        errors["invitee"] = [CANNOT_INVITE_YOURSELF]
    elif Invitee.objects.filter(calendar=calendar, invitee=user).exists():
        errors["invitee"] = [ALREADY_INVITED]
    elif user.pk not in contact_user_ids(user=calendar.owner):
        errors["invitee"] = [NOT_A_CONTACT]
    if deadline is not None and deadline <= django_timezone.now():
        errors["deadline"] = [DEADLINE_NOT_IN_FUTURE]
    if errors:
        raise ValidationError(errors)
    invitation = Invitee(
        calendar=calendar, invitee=user, deadline=deadline if deadline is not None else calendar.window_end
    )
    # Uniqueness is left to the INSERT: a check here could race with a concurrent invitation.
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise ValidationError({"invitee": [ALREADY_INVITED]}) from exc
    return invitation


def invitee_update(*, invitation: Invitee, deadline: dt.datetime | None = None) -> Invitee:
    """Move the invitation's deadline (to a future instant); nothing else of it can change."""
    if deadline is not None:
        if deadline <= django_timezone.now():
            raise ValidationError({"deadline": [DEADLINE_NOT_IN_FUTURE]})
        invitation.deadline = deadline
        invitation.full_clean(validate_constraints=False)
        invitation.save(update_fields=["deadline"])
    return invitation


@transaction.atomic
def invitee_delete(*, invitation: Invitee) -> None:
    """Remove the invitation with the invitee's availabilities and meeting in that calendar.

    Used both by the owner (uninvite) and by the invitee (decline, `remove-invitation`).
    """
    Availability.objects.filter(calendar_id=invitation.calendar_id, user_id=invitation.invitee_id).delete()
    Meet.objects.filter(calendar_id=invitation.calendar_id, meeter_id=invitation.invitee_id).delete()
    invitation.delete()


# Availabilities ----------------------------------------------------------------------------


def _availability_check(*, calendar: Calendar, start: dt.datetime, end: dt.datetime) -> None:
    """End after start, and the whole window inside the calendar's (end-exclusive)."""
    errors: dict[str, list[str]] = {}
    window = f"{_utc(calendar.window_start)} to {_utc(calendar.window_end)}"
    if start < calendar.window_start or start >= calendar.window_end:
        errors["start_period"] = [f"Must be inside the calendar's window, {window}"]
    if end > calendar.window_end or end <= calendar.window_start:
        errors["end_period"] = [f"Must be inside the calendar's window, {window}"]
    if end <= start:
        errors.setdefault("end_period", []).insert(0, END_NOT_AFTER_START)
    if errors:
        raise ValidationError(errors)


def availability_create(
    *,
    calendar: Calendar,
    user: Any,
    start_period: dt.datetime,
    end_period: dt.datetime,
    preference: int,
) -> Availability:
    """Store a window `[start_period, end_period)` of `user` in `calendar`.

    Windows of one user may touch or overlap (the scheduler takes the highest preference at
    each instant), so no overlap check is made.
    """
    _availability_check(calendar=calendar, start=start_period, end=end_period)
    availability = Availability(
        calendar=calendar,
        user=user,
        start_period=start_period,
        end_period=end_period,
        preference=preference,
    )
    availability.full_clean()
    availability.save()
    return availability


def availability_update(
    *,
    availability: Availability,
    start_period: dt.datetime | None = None,
    end_period: dt.datetime | None = None,
    preference: int | None = None,
) -> Availability:
    """Change the given fields of one availability; the result is checked as on creation."""
    start = start_period if start_period is not None else availability.start_period
    end = end_period if end_period is not None else availability.end_period
    _availability_check(calendar=availability.calendar, start=start, end=end)
    availability.start_period = start
    availability.end_period = end
    if preference is not None:
        availability.preference = preference
    availability.full_clean()
    availability.save(update_fields=["start_period", "end_period", "preference"])
    return availability


def availability_delete(*, availability: Availability) -> None:
    """Delete one availability."""
    availability.delete()


def availability_delete_all(*, calendar: Calendar, user: Any) -> int:
    """Delete every availability of `user` in `calendar`; returns how many went."""
    deleted, _ = Availability.objects.filter(calendar=calendar, user=user).delete()
    return deleted
