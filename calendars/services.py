"""Writes of the calendars app: calendars, invitations, availabilities and the schedule.

Every function is keyword-only and typed, validates with `full_clean()` before saving, and
reports refusals as `django.core.exceptions.ValidationError` keyed by the request field (HTTP
400 through `oneonone.exceptions`) or as a domain error. Role, finalized and deadline rules are
checked before these run (`calendars.permissions`); what is checked here is what holds whoever
calls: window bounds, uniqueness, and the invariants the stored rows must keep.

Times are aware datetimes; they are compared as instants, so the zone they carry is irrelevant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.http import Http404
from django.utils import timezone as django_timezone

from calendars import notifications, scheduling
from calendars.models import Availability, Calendar, Invitee, Meet
from contacts.services import contact_user_ids
from oneonone.errors import CalendarFinalized, DeadlinePassed, DomainError, NotOwnerOrInvitee

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
    # Each meeter and the owner get their meeting(s) with an .ics file, once this commits.
    notifications.send_after_commit(notifications.schedule_finalized, calendar_id=locked.pk)
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
            _lock_open_calendar(calendar.pk)
            invitation.save()
    except IntegrityError as exc:
        raise ValidationError({"invitee": [ALREADY_INVITED]}) from exc
    notifications.send_after_commit(notifications.invitation_created, invitation_id=invitation.pk)
    return invitation


@transaction.atomic
def invitee_update(*, invitation: Invitee, deadline: dt.datetime | None = None) -> Invitee:
    """Move the invitation's deadline (to a future instant); nothing else of it can change."""
    _lock_open_calendar(invitation.calendar_id)
    if deadline is not None:
        if deadline <= django_timezone.now():
            raise ValidationError({"deadline": [DEADLINE_NOT_IN_FUTURE]})
        invitation.deadline = deadline
        invitation.full_clean(validate_constraints=False)
        invitation.save(update_fields=["deadline"])
    return invitation


@transaction.atomic
def invitee_delete(*, invitation: Invitee, declined: bool = False) -> None:
    """Remove the invitation with the invitee's availabilities and meeting in that calendar.

    Used both by the owner (uninvite) and by the invitee (decline, `remove-invitation`:
    `declined=True`). Once committed, the other side is told by email: the invitee when the
    owner removed them, the owner when the invitee declined.
    The calendar row is locked first, as schedule writes do: a schedule generated concurrently
    either commits before (and its meeting for this invitee is deleted here) or starts after.
    """
    _lock_open_calendar(invitation.calendar_id)
    Availability.objects.filter(calendar_id=invitation.calendar_id, user_id=invitation.invitee_id).delete()
    Meet.objects.filter(calendar_id=invitation.calendar_id, meeter_id=invitation.invitee_id).delete()
    invitation.delete()
    notifications.send_after_commit(
        notifications.invitation_removed,
        calendar_id=invitation.calendar_id,
        invitee_id=invitation.invitee_id,
        declined=declined,
    )


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


@transaction.atomic
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
    _lock_for_participant(calendar.pk, user.pk)
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


@transaction.atomic
def availability_update(
    *,
    availability: Availability,
    start_period: dt.datetime | None = None,
    end_period: dt.datetime | None = None,
    preference: int | None = None,
) -> Availability:
    """Change the given fields of one availability; the result is checked as on creation."""
    _lock_for_participant(availability.calendar_id, availability.user_id)
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


@transaction.atomic
def availability_delete(*, availability: Availability) -> None:
    """Delete one availability."""
    _lock_for_participant(availability.calendar_id, availability.user_id)
    availability.delete()


@transaction.atomic
def availability_delete_all(*, calendar: Calendar, user: Any) -> int:
    """Delete every availability of `user` in `calendar`; returns how many went."""
    _lock_for_participant(calendar.pk, user.pk)
    deleted, _ = Availability.objects.filter(calendar=calendar, user=user).delete()
    return deleted


# Schedule ----------------------------------------------------------------------------------
#
# Every write of a calendar's schedule (generate, replace, delete) first locks the calendar row
# (`SELECT ... FOR UPDATE`; a no-op on SQLite, whose writers are serialised by its database
# lock). Writers of one calendar therefore run one after the other: each deletes the meetings
# it found and inserts its own inside one transaction, so concurrent calls never leave a mixed
# or duplicated schedule. `finalized` is re-read under the lock: a schedule write that queued
# behind a finalize answers 410. Removing an invitation locks the same row first
# (`invitee_delete`), so a generation that already read the invitee list cannot schedule
# someone whose invitation is being removed.

NOT_AN_INVITEE = "Not an invitee of this calendar"
MEETER_TWICE = "This invitee already has a meeting in this schedule (at index {index})"
MEETING_OUTSIDE_WINDOW = "The meeting must lie inside the calendar's window, {window}"
WRONG_END = "Must be start_period + the meeting duration ({minutes} minutes): {expected}"
MEETINGS_OVERLAP = "Overlaps the meeting at index {index} ({start} to {end})"


@dataclass(frozen=True)
class ScheduleInputs:
    """A calendar's scheduling problem in the pure module's types (`calendars.scheduling`).

    `invitees` are the *current* invitees (sorted by user id), each with their windows (empty:
    none submitted); windows of anyone else (a removed invitee's leftovers) are not included.
    `users` maps each invitee's user id to the user. Times are aware UTC datetimes.
    """

    owner_windows: tuple[scheduling.Window, ...]
    invitees: tuple[scheduling.InviteeAvailability, ...]
    duration: dt.timedelta
    users: dict[int, Any]


@dataclass(frozen=True)
class UnscheduledInvitee:
    """An invitee the generated schedule leaves out, and why (`scheduling.Unscheduled`)."""

    invitee: int
    invitee_username: str
    reason: scheduling.Reason


@dataclass(frozen=True)
class ScheduleOutcome:
    """What `schedule_generate` stored: the meetings (by id, which follows start time), the
    invitees left out (by user id), and whether the schedule is proven optimal."""

    meets: list[Meet]
    unscheduled: list[UnscheduledInvitee]
    optimal: bool


@dataclass(frozen=True)
class MeetDraft:
    """One meeting of an owner's schedule edit: `end_period` None means start + duration."""

    meeter_id: int
    start_period: dt.datetime
    end_period: dt.datetime | None = None


class ScheduleEditInvalid(ValidationError):
    """A refused schedule edit. `item_errors` maps the index of each faulty meeting to its
    field errors, as DRF's list serializers report them (`{"meets": {"1": {"meeter": [...]}}}`);
    as a plain `ValidationError` it reads `{"meets": ["meets[1].meeter: <message>", ...]}`."""

    def __init__(self, item_errors: dict[int, dict[str, list[str]]]) -> None:
        self.item_errors = item_errors
        super().__init__(
            {
                "meets": [
                    f"meets[{index}].{field}: {message}"
                    for index, fields in sorted(item_errors.items())
                    for field, messages in fields.items()
                    for message in messages
                ]
            }
        )


def _lock_open_calendar(calendar_id: int) -> Calendar:
    """The calendar row, locked until the transaction ends; 410 if it is finalized by now.

    Every write under a calendar starts with this (finalize takes the same lock): the view's
    `finalized` check runs before the write's transaction, so without it a write could commit
    just after a concurrent finalize had answered (issue 6, tests/test_concurrency.py).
    """
    locked = Calendar.objects.select_for_update().filter(pk=calendar_id).first()
    if locked is None:  # deleted since the request resolved it
        raise Http404("Not found.")
    if locked.finalized:
        raise CalendarFinalized()
    return locked


def _lock_for_participant(calendar_id: int, user_id: int) -> Calendar:
    """`_lock_open_calendar`, then `user_id`'s role re-read under the lock.

    The view checked the role before the transaction; an invitation removed (or a deadline
    moved) in between would otherwise let a window be stored for someone no longer invited,
    after `invitee_delete` had removed their windows. Raises `NotOwnerOrInvitee` (403) or
    `DeadlinePassed` (410). The owner has no deadline; an invitee costs one more query.
    """
    calendar = _lock_open_calendar(calendar_id)
    if calendar.owner_id == user_id:
        return calendar
    deadline = (
        Invitee.objects.filter(calendar_id=calendar_id, invitee_id=user_id)
        .values_list("deadline", flat=True)
        .first()
    )
    if deadline is None:
        raise NotOwnerOrInvitee()
    if django_timezone.now() > deadline:
        raise DeadlinePassed()
    return calendar


def _lock_for_schedule(calendar: Calendar) -> Calendar:
    """The calendar row, locked until the transaction ends; 410 if it is finalized by now."""
    return _lock_open_calendar(calendar.pk)


def _current_invitees(calendar: Calendar) -> dict[int, Any]:
    """User id → user of everyone invited to `calendar` now (one query)."""
    invitations = (
        Invitee.objects.filter(calendar=calendar)
        .exclude(invitee_id=calendar.owner_id)
        .select_related("invitee")
        .order_by("invitee_id")
    )
    return {invitation.invitee_id: invitation.invitee for invitation in invitations}


def schedule_inputs(*, calendar: Calendar) -> ScheduleInputs:
    """Load what the scheduler needs for `calendar`, in two queries whatever its size.

    1. the current invitations with their users; 2. the availabilities of the owner and of
    those invitees (a subquery keeps windows of removed invitees out), only the four columns
    the scheduler reads.
    """
    users = _current_invitees(calendar)
    invited = Invitee.objects.filter(calendar_id=calendar.pk).values("invitee_id")
    rows = (
        Availability.objects.filter(calendar_id=calendar.pk)
        .filter(Q(user_id=calendar.owner_id) | Q(user_id__in=invited))
        .order_by()
        .values_list("user_id", "start_period", "end_period", "preference")
    )
    owner_windows: list[scheduling.Window] = []
    windows: dict[int, list[scheduling.Window]] = {user_id: [] for user_id in users}
    for user_id, start, end, preference in rows:
        window = scheduling.Window(start.astimezone(dt.UTC), end.astimezone(dt.UTC), preference)
        if user_id == calendar.owner_id:
            owner_windows.append(window)
        elif user_id in windows:
            windows[user_id].append(window)
    return ScheduleInputs(
        owner_windows=tuple(owner_windows),
        invitees=tuple(scheduling.InviteeAvailability(user_id, ws) for user_id, ws in windows.items()),
        duration=dt.timedelta(minutes=calendar.meeting_duration),
        users=users,
    )


def _store_schedule(calendar: Calendar, meets: list[Meet]) -> list[Meet]:
    """Replace the calendar's meetings with `meets` (one DELETE, one INSERT per batch).

    Rows are not `full_clean()`ed one by one (that is a query per meeting for the foreign
    keys): the callers have checked them, and the database constraints (start before end, one
    meeting per meeter) are the backstop. SQLite inserts about 249 rows per statement.
    """
    Meet.objects.filter(calendar_id=calendar.pk).delete()
    return Meet.objects.bulk_create(meets)


@transaction.atomic
def schedule_generate(*, calendar: Calendar) -> ScheduleOutcome:
    """Generate the optimal schedule of `calendar` and store it in place of the old one.

    The problem and objective are CONTRACT section 7 (`calendars.scheduling.schedule`): the
    owner's and the current invitees' availabilities, `meeting_duration`-long meetings, the
    solver's budget `settings.SCHEDULER_TIME_LIMIT_SECONDS` (past it, the best schedule found
    is stored with `optimal=False`). Invitees without any window are `no_availability`; with
    an owner who has no window everyone else is `no_common_time`.

    Queries do not grow with the number of invitees: the lock, two reads (`schedule_inputs`),
    one DELETE and the INSERT batches. Raises `CalendarFinalized` (410).
    """
    locked = _lock_for_schedule(calendar)
    inputs = schedule_inputs(calendar=locked)
    result = scheduling.schedule(
        owner_windows=inputs.owner_windows,
        invitees=inputs.invitees,
        duration=inputs.duration,
        time_limit=settings.SCHEDULER_TIME_LIMIT_SECONDS,
    )
    meets = _store_schedule(
        locked,
        [
            Meet(calendar=locked, meeter=inputs.users[m.invitee_id], start_period=m.start, end_period=m.end)
            for m in result.meetings  # sorted by start, so ids follow time
        ],
    )
    unscheduled = [
        UnscheduledInvitee(u.invitee_id, inputs.users[u.invitee_id].username, u.reason)
        for u in result.unscheduled
    ]
    return ScheduleOutcome(meets=meets, unscheduled=unscheduled, optimal=result.optimal)


def _item_errors(
    calendar: Calendar, drafts: Sequence[MeetDraft], invitee_ids: set[int]
) -> list[dict[str, list[str]]]:
    """The field errors of each meeting of an edit on its own (see `schedule_replace`)."""
    duration = dt.timedelta(minutes=calendar.meeting_duration)
    window = f"{_utc(calendar.window_start)} to {_utc(calendar.window_end)}"
    first_index: dict[int, int] = {}
    errors: list[dict[str, list[str]]] = []
    for index, draft in enumerate(drafts):
        item: dict[str, list[str]] = {}
        if draft.meeter_id not in invitee_ids:
            item["meeter"] = [NOT_AN_INVITEE]
        elif draft.meeter_id in first_index:
            item["meeter"] = [MEETER_TWICE.format(index=first_index[draft.meeter_id])]
        else:
            first_index[draft.meeter_id] = index
        end = draft.start_period + duration
        if draft.start_period < calendar.window_start or end > calendar.window_end:
            item["start_period"] = [MEETING_OUTSIDE_WINDOW.format(window=window)]
        if draft.end_period is not None and draft.end_period != end:
            minutes = calendar.meeting_duration
            item["end_period"] = [WRONG_END.format(minutes=minutes, expected=_utc(end))]
        errors.append(item)
    return errors


def _overlap_errors(
    drafts: Sequence[MeetDraft], duration: dt.timedelta, errors: list[dict[str, list[str]]]
) -> None:
    """Mark each meeting that starts before the one before it (in time) ends.

    All meetings have the same length, so a meeting overlapping any earlier one overlaps the
    one just before it: comparing neighbours in start order finds every overlap.
    """
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].start_period, i))
    for before, after in zip(order, order[1:], strict=False):
        start = drafts[before].start_period
        if drafts[after].start_period < start + duration:
            message = MEETINGS_OVERLAP.format(index=before, start=_utc(start), end=_utc(start + duration))
            errors[after].setdefault("start_period", []).append(message)


@transaction.atomic
def schedule_replace(*, calendar: Calendar, meets: Sequence[MeetDraft]) -> list[Meet]:
    """Replace the schedule of `calendar` with the owner's own `meets`; returns the new rows.

    Each meeting is checked: its meeter is a current invitee (a user id) who appears once;
    `[start_period, start_period + meeting_duration)` lies inside the calendar's window;
    `end_period`, if given, is exactly that end; and no two meetings overlap (the owner
    attends them all). Meetings outside someone's availability are allowed: the owner decides.
    An empty list empties the schedule. On any error nothing changes and
    `ScheduleEditInvalid` lists every error by meeting index. Raises `CalendarFinalized` (410).
    Rows are stored in start order, so their ids follow time.
    """
    locked = _lock_for_schedule(calendar)
    users = _current_invitees(locked)
    errors = _item_errors(locked, meets, set(users))
    duration = dt.timedelta(minutes=locked.meeting_duration)
    _overlap_errors(meets, duration, errors)
    if any(errors):
        raise ScheduleEditInvalid({index: fields for index, fields in enumerate(errors) if fields})
    ordered = sorted(meets, key=lambda draft: draft.start_period)
    return _store_schedule(
        locked,
        [
            Meet(
                calendar=locked,
                meeter=users[draft.meeter_id],
                start_period=draft.start_period,
                end_period=draft.start_period + duration,
            )
            for draft in ordered
        ],
    )


@transaction.atomic
def schedule_delete(*, calendar: Calendar) -> int:
    """Delete every meeting of `calendar`; returns how many went. Raises `CalendarFinalized`."""
    locked = _lock_for_schedule(calendar)
    deleted, _ = Meet.objects.filter(calendar_id=locked.pk).delete()
    return deleted
