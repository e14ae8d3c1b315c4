"""Request and response shapes of CONTRACT sections 4 to 6 and 8 (calendars, invitees,
availabilities, the web client's extra lists).

Serializers parse and check the *form* of the input (types, formats, ranges, the calendar's
timezone for datetimes without an offset); the rules that depend on stored state live in
`calendars.services`. Output datetimes are always UTC, whole seconds, `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from accounts.serializers import StoredEmailField
from calendars import services
from calendars.models import Availability, Calendar, Invitee, Meet, Preference

User = get_user_model()

OUTPUT_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Calendars are kept to dates where every zone's offset is well defined and `window_end`
# (the day after `end_date`) cannot overflow; imports of past calendars still fit.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
MIN_DATETIME = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
MAX_DATETIME = dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


@cache
def _timezone_names() -> frozenset[str]:
    # Not zones a person lives in: "localtime" follows the server's /etc/localtime, and
    # "Factory" is tzdata's placeholder.
    return frozenset(available_timezones()) - {"localtime", "Factory"}


def validate_timezone_name(value: str) -> str:
    if value not in _timezone_names():
        raise serializers.ValidationError(
            f'"{value}" is not a known IANA timezone name (for example "UTC" or "America/Toronto").'
        )
    return value


def _format_offset(value: dt.datetime) -> str:
    offset = value.utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class CalendarDateTimeField(serializers.DateTimeField):
    """ISO 8601 in, `YYYY-MM-DDTHH:MM:SSZ` (UTC) out.

    Input with `Z` or an offset (`+05:30`, `+0530`) is that exact instant; fractional seconds
    are accepted and dropped (every stored time is a whole second, as every printed one is).
    Input without an offset is read in the calendar's timezone (`context["calendar"]`; the
    server's TIME_ZONE when there is none). A local time the clocks skip (DST gap) or repeat
    (DST fold) there is refused with a message asking for an offset, rather than guessed.
    """

    default_error_messages = {
        "invalid": (
            "Datetime has wrong format. Use ISO 8601, e.g. 2030-04-01T14:00:00Z or "
            "2030-04-01T10:00:00-04:00."
        ),
        "overflow": "Datetime out of range: it must be between 1900-01-01 and 9998-12-31 (UTC).",
        "nonexistent": (
            "{value} does not exist in {timezone}: the clocks skip it when daylight saving time "
            "starts. Send the time with a UTC offset, e.g. {example}."
        ),
        "ambiguous": (
            "{value} happens twice in {timezone}: the clocks repeat it when daylight saving time "
            "ends. Send the time with a UTC offset: {first} or {second}."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=OUTPUT_DATETIME_FORMAT, default_timezone=dt.UTC, **kwargs)

    def _zone(self) -> ZoneInfo:
        calendar = self.context.get("calendar")
        return calendar.tzinfo if calendar is not None else ZoneInfo(settings.TIME_ZONE)

    def _localize(self, naive: dt.datetime) -> dt.datetime:
        zone = self._zone()
        first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
        text = naive.isoformat(timespec="seconds")
        if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
            self.fail("nonexistent", value=text, timezone=zone.key, example=text + _format_offset(first))
        if first.utcoffset() != second.utcoffset():
            self.fail(
                "ambiguous",
                value=text,
                timezone=zone.key,
                first=text + _format_offset(first),
                second=text + _format_offset(second),
            )
        return first

    def to_internal_value(self, value: Any) -> dt.datetime:
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well-formed but impossible, e.g. 2030-02-30 or hour 25
            parsed = None
        if parsed is None:
            self.fail("invalid")
        try:
            if parsed.utcoffset() is None:
                parsed = self._localize(parsed)
            instant = parsed.astimezone(dt.UTC)
        except OverflowError:
            self.fail("overflow")
        if not MIN_DATETIME <= instant <= MAX_DATETIME:
            self.fail("overflow")
        return instant.replace(microsecond=0)

    def to_representation(self, value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC).strftime(OUTPUT_DATETIME_FORMAT)


class PreferenceField(serializers.ChoiceField):
    """`1`, `2`, `3` as a number or a string in; always the string out (`"2"`)."""

    def __init__(self, **kwargs: Any) -> None:
        choices = [(str(value), label) for value, label in Preference.choices]
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):  # True == 1 in Python; never a preference
            self.fail("invalid_choice", input=data)
        return int(super().to_internal_value(data))

    def to_representation(self, value: Any) -> str:
        return str(int(value))


# Calendars ---------------------------------------------------------------------------------


def _check_date_range(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise serializers.ValidationError(f"Must be between {MIN_DATE} and {MAX_DATE}.")
    return value


class CalendarSerializer(serializers.ModelSerializer):
    """A calendar; on input, `name`, `start_date`, `end_date` (+ optional zone and duration)."""

    owner_username = serializers.CharField(source="owner.username", read_only=True)
    timezone = serializers.CharField(
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_timezone_name],
        help_text="IANA timezone name the dates are read in (default: the server's, UTC).",
    )
    meeting_duration = serializers.IntegerField(
        min_value=5,
        max_value=480,
        default=30,
        help_text="Minutes per meeting: 5 to 480, a multiple of 5 (default 30).",
    )

    class Meta:
        model = Calendar
        fields = [
            "id",
            "name",
            "start_date",
            "end_date",
            "finalized",
            "owner",
            "owner_username",
            "timezone",
            "meeting_duration",
        ]
        read_only_fields = ["id", "finalized", "owner", "owner_username"]
        extra_kwargs = {
            "name": {"help_text": "A name for the calendar"},
            "start_date": {"help_text": "The starting date for the calendar"},
            "end_date": {"help_text": "The ending date for the calendar (inclusive)"},
        }

    def validate_meeting_duration(self, value: int) -> int:
        if value % 5:
            raise serializers.ValidationError("Must be a multiple of 5 minutes.")
        return value

    def validate_start_date(self, value: dt.date) -> dt.date:
        return _check_date_range(value)

    def validate_end_date(self, value: dt.date) -> dt.date:
        return _check_date_range(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": ["The end date must not be before the start date."]}
            )
        return attrs


class CalendarUpdateSerializer(serializers.ModelSerializer):
    """Input of `PUT /calendars/{id}`: a new `name`; the dates may be re-sent unchanged."""

    timezone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[validate_timezone_name],
        help_text="New IANA timezone; refused if stored windows would fall outside the calendar.",
    )
    meeting_duration = serializers.IntegerField(
        min_value=5,
        max_value=480,
        required=False,
        help_text="New meeting length in minutes; refused while a schedule exists.",
    )

    class Meta:
        model = Calendar
        fields = ["name", "start_date", "end_date", "timezone", "meeting_duration"]
        extra_kwargs = {
            "name": {"help_text": "A name for the calendar"},
            "start_date": {"required": False, "help_text": "Must equal the stored start date"},
            "end_date": {"required": False, "help_text": "Must equal the stored end date"},
        }

    def validate_meeting_duration(self, value: int) -> int:
        if value % 5:
            raise serializers.ValidationError("Must be a multiple of 5 minutes.")
        return value

    def validate_start_date(self, value: dt.date) -> dt.date:
        if value != self.instance.start_date:
            raise serializers.ValidationError(services.CANNOT_CHANGE_AFTER_CREATE)
        return value

    def validate_end_date(self, value: dt.date) -> dt.date:
        if value != self.instance.end_date:
            raise serializers.ValidationError(services.CANNOT_CHANGE_AFTER_CREATE)
        return value


class FinalizeSerializer(serializers.Serializer):
    """The body the coreapi client sends to finalize; every field is optional and ignored."""

    name = serializers.CharField(required=False, help_text="Ignored")
    start_date = serializers.CharField(required=False, help_text="Ignored")
    end_date = serializers.CharField(required=False, help_text="Ignored")


class DetailSerializer(serializers.Serializer):
    """`{"detail": "..."}`: a message."""

    detail = serializers.CharField()


class EmptySerializer(serializers.Serializer):
    """`{}`: the answer of a successful DELETE."""


class EmailSentSerializer(DetailSerializer):
    """`{"detail": "...", "sent": <messages sent>}`: the answer of the email endpoints."""

    sent = serializers.IntegerField(min_value=0)


# Invitees ----------------------------------------------------------------------------------


class InviteeSerializer(serializers.ModelSerializer):
    """An invitation; on input `invitee` (a user id) and an optional `deadline`."""

    invitee = serializers.IntegerField(
        source="invitee_id",
        min_value=1,
        max_value=2**63 - 1,
        help_text="The user id of the invited user (an accepted contact of the owner)",
    )
    invitee_username = serializers.CharField(source="invitee.username", read_only=True)
    deadline = CalendarDateTimeField(
        required=False,
        help_text="The last time the invitee can add availability (default: the calendar's end)",
    )
    has_availability = serializers.BooleanField(read_only=True)

    class Meta:
        model = Invitee
        fields = ["id", "calendar", "invitee", "invitee_username", "deadline", "has_availability"]
        read_only_fields = ["id", "calendar"]


class InviteeUpdateSerializer(serializers.Serializer):
    """Input of `PUT .../invitee/{id}`: a new `deadline`; `invitee`, if sent, must not change."""

    invitee = serializers.IntegerField(
        required=False, help_text="The invited user's id; must equal the current one"
    )
    deadline = CalendarDateTimeField(help_text="The new deadline (a future instant)")

    def validate_invitee(self, value: int) -> int:
        if value != self.instance.invitee_id:
            raise serializers.ValidationError(
                "The invitee of an invitation cannot be changed; invite the other user instead."
            )
        return value


class UserSummarySerializer(serializers.ModelSerializer):
    """A user as the web client lists contacts to invite."""

    email = StoredEmailField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email"]
        read_only_fields = fields


# Availabilities ----------------------------------------------------------------------------


class AvailabilitySerializer(serializers.ModelSerializer):
    """A window of availability; `calendar` and `user` are set by the server, never the body."""

    start_period = CalendarDateTimeField(help_text="The start time for the availability")
    end_period = CalendarDateTimeField(help_text="The ending time for the availability (exclusive)")
    preference = PreferenceField(
        help_text='The preference level: "1" not preferred, "2" preferred, "3" highly preferred'
    )

    class Meta:
        model = Availability
        fields = ["id", "start_period", "end_period", "preference", "calendar", "user"]
        read_only_fields = ["id", "calendar", "user"]


class AvailabilityFilterSerializer(serializers.Serializer):
    """Query parameters of the availability list."""

    user = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this user's windows"
    )


# Schedule ----------------------------------------------------------------------------------


class MeetSerializer(serializers.ModelSerializer):
    """A scheduled meeting of the owner with one invitee (`meeter`, a user id)."""

    meeter_username = serializers.CharField(source="meeter.username", read_only=True)
    start_period = CalendarDateTimeField(read_only=True, help_text="When the meeting starts (UTC)")
    end_period = CalendarDateTimeField(
        read_only=True, help_text="When the meeting ends (UTC): start + the calendar's meeting_duration"
    )

    class Meta:
        model = Meet
        fields = ["id", "calendar", "meeter", "meeter_username", "start_period", "end_period"]
        read_only_fields = fields
        extra_kwargs = {"meeter": {"help_text": "The invitee's user id"}}


UNSCHEDULED_REASONS = [
    ("no_availability", "the invitee submitted no availability"),
    ("no_common_time", "no meeting_duration-long time is free for both the invitee and the owner"),
    ("taken", "common time exists, but every such slot is needed by others in the best schedule"),
]


class UnscheduledSerializer(serializers.Serializer):
    """An invitee the generated schedule leaves out, and why."""

    invitee = serializers.IntegerField(help_text="The invitee's user id")
    invitee_username = serializers.CharField()
    reason = serializers.ChoiceField(
        choices=UNSCHEDULED_REASONS,
        help_text="; ".join(f"`{value}`: {meaning}" for value, meaning in UNSCHEDULED_REASONS),
    )


class ScheduleGeneratedSerializer(serializers.Serializer):
    """The answer of `POST .../schedule/`: the stored schedule and who is left out."""

    detail = serializers.CharField(help_text='"Schedule created successfully."')
    meets = MeetSerializer(many=True, help_text="The new schedule, ordered by id (which follows time)")
    unscheduled = UnscheduledSerializer(many=True, help_text="Invitees without a meeting, by user id")
    optimal = serializers.BooleanField(
        help_text="True when the schedule is proven optimal; false when the solver's time limit "
        "stopped the search (the best schedule found is stored)"
    )


class MeetInputSerializer(serializers.Serializer):
    """One meeting of an owner's schedule edit."""

    meeter = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The user id of a current invitee (at most once)"
    )
    start_period = CalendarDateTimeField(
        help_text="The start; without an offset it is read in the calendar's timezone"
    )
    end_period = CalendarDateTimeField(
        required=False, help_text="Optional; if given it must be start_period + meeting_duration"
    )


class ScheduleEditSerializer(serializers.Serializer):
    """Input of `PUT .../schedule/`: the whole new schedule.

    `meets` is a JSON array of `{"meeter", "start_period"[, "end_period"]}`. Form and
    multipart bodies send it as one field holding that JSON array as text. Errors of a meeting
    come back under its index: `{"meets": {"1": {"start_period": ["..."]}}}`.
    """

    meets = MeetInputSerializer(
        many=True,
        help_text='The new schedule, e.g. [{"meeter": 3, "start_period": "2030-06-03T10:30:00Z"}]; '
        "[] empties it",
    )

    def to_internal_value(self, data: Any) -> Any:
        meets = data.get("meets") if hasattr(data, "get") else None
        if isinstance(meets, str):  # a form field: the array as JSON text
            try:
                data = {"meets": json.loads(meets)}
            except (ValueError, RecursionError):
                raise serializers.ValidationError(
                    {"meets": ["Not valid JSON: send a JSON array of meetings."]}
                ) from None
        return super().to_internal_value(data)
