"""The calendar models' invariants: held by the database (IntegrityError) and reported by
`full_clean()` (ValidationError) before any save; plus the calendar window in its timezone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory

pytestmark = pytest.mark.django_db

T14 = dt.datetime(2030, 4, 1, 14, tzinfo=dt.UTC)


def assert_db_refuses(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def assert_clean_refuses(instance, constraint):
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    assert constraint in str(raised.value)


# Calendar ----------------------------------------------------------------------------------


def test_a_calendar_cannot_end_before_it_starts(owner):
    values = {"owner": owner, "name": "x", "start_date": dt.date(2030, 4, 2), "end_date": dt.date(2030, 4, 1)}
    assert_db_refuses(lambda: Calendar.objects.create(**values))
    assert_clean_refuses(Calendar(**values), "calendar_start_not_after_end")
    assert not Calendar.objects.exists()


def test_a_one_day_calendar_is_valid(owner):
    calendar = Calendar(owner=owner, name="x", start_date=dt.date(2030, 4, 1), end_date=dt.date(2030, 4, 1))
    calendar.full_clean()
    calendar.save()


@pytest.mark.parametrize("minutes", [0, 4, 7, 485, 1000])
def test_a_meeting_duration_outside_5_to_480_or_not_a_multiple_of_5_is_refused(owner, minutes):
    values = {
        "owner": owner,
        "name": "x",
        "start_date": dt.date(2030, 4, 1),
        "end_date": dt.date(2030, 4, 1),
        "meeting_duration": minutes,
    }
    assert_db_refuses(lambda: Calendar.objects.create(**values))
    assert_clean_refuses(Calendar(**values), "calendar_meeting_duration_valid")


@pytest.mark.parametrize("minutes", [5, 30, 45, 480])
def test_valid_meeting_durations(owner, minutes):
    CalendarFactory(owner=owner, meeting_duration=minutes).full_clean()


def test_the_window_runs_from_the_first_midnight_to_the_midnight_after_the_last_day():
    calendar = CalendarFactory.build(
        timezone="UTC", start_date=dt.date(2030, 4, 1), end_date=dt.date(2030, 4, 5)
    )
    assert calendar.window_start == dt.datetime(2030, 4, 1, tzinfo=dt.UTC)
    assert calendar.window_end == dt.datetime(2030, 4, 6, tzinfo=dt.UTC)


def test_the_window_is_in_the_calendars_timezone_across_dst():
    """Toronto springs forward on 2030-03-10: that day has 23 hours."""
    calendar = CalendarFactory.build(
        timezone="America/Toronto", start_date=dt.date(2030, 3, 10), end_date=dt.date(2030, 3, 10)
    )
    assert calendar.window_start.astimezone(dt.UTC) == dt.datetime(2030, 3, 10, 5, tzinfo=dt.UTC)
    assert calendar.window_end.astimezone(dt.UTC) == dt.datetime(2030, 3, 11, 4, tzinfo=dt.UTC)
    # (Subtract in UTC: two datetimes in the same zone subtract as wall-clock times.)
    length = calendar.window_end.astimezone(dt.UTC) - calendar.window_start.astimezone(dt.UTC)
    assert length == dt.timedelta(hours=23)


# Invitee -----------------------------------------------------------------------------------


def test_a_user_is_invited_once_per_calendar(calendar, invitee_user):
    InviteeFactory(calendar=calendar, invitee=invitee_user)
    assert_db_refuses(
        lambda: Invitee.objects.create(calendar=calendar, invitee=invitee_user, deadline=calendar.window_end)
    )
    duplicate = Invitee(calendar=calendar, invitee=invitee_user, deadline=calendar.window_end)
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    assert Invitee.objects.count() == 1


def test_one_user_may_be_invited_to_several_calendars(invitee_user):
    for _ in range(2):
        InviteeFactory(invitee=invitee_user).full_clean()


# Availability ------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [dt.timedelta(0), dt.timedelta(hours=-1)])
def test_an_availability_must_end_after_it_starts(calendar, length):
    values = {
        "calendar": calendar,
        "user": calendar.owner,
        "start_period": T14,
        "end_period": T14 + length,
        "preference": 2,
    }
    assert_db_refuses(lambda: Availability.objects.create(**values))
    assert_clean_refuses(Availability(**values), "availability_start_before_end")
    assert not Availability.objects.exists()


@pytest.mark.parametrize("preference", [0, 4])
def test_an_availability_preference_is_1_to_3(calendar, preference):
    values = {
        "calendar": calendar,
        "user": calendar.owner,
        "start_period": T14,
        "end_period": T14 + dt.timedelta(hours=1),
        "preference": preference,
    }
    assert_db_refuses(lambda: Availability.objects.create(**values))
    with pytest.raises(ValidationError) as raised:
        Availability(**values).full_clean()
    assert "preference" in raised.value.message_dict  # the field's choices, checked first
    with pytest.raises(ValidationError) as raised:
        Availability(**values).validate_constraints()
    assert "availability_preference_1_to_3" in str(raised.value)


def test_a_valid_availability_passes_full_clean(calendar):
    AvailabilityFactory(calendar=calendar, preference=3).full_clean()


# Meet --------------------------------------------------------------------------------------


def test_a_meeting_must_end_after_it_starts(calendar):
    meeter = UserFactory()
    values = {"calendar": calendar, "meeter": meeter, "start_period": T14, "end_period": T14}
    assert_db_refuses(lambda: Meet.objects.create(**values))
    assert_clean_refuses(Meet(**values), "meet_start_before_end")


def test_an_invitee_meets_the_owner_once_per_calendar(calendar):
    first = MeetFactory(calendar=calendar)
    later = {
        "calendar": calendar,
        "meeter": first.meeter,
        "start_period": T14 + dt.timedelta(hours=2),
        "end_period": T14 + dt.timedelta(hours=3),
    }
    assert_db_refuses(lambda: Meet.objects.create(**later))
    with pytest.raises(ValidationError):
        Meet(**later).full_clean()
    assert Meet.objects.count() == 1


def test_rows_print_readably(calendar, invitation):
    window = AvailabilityFactory(calendar=calendar)
    meeting = MeetFactory(calendar=calendar, meeter=invitation.invitee)
    assert str(calendar) == "Office hours"
    assert str(invitation) == "carol in Office hours"
    assert str(window) == "alice 2030-04-01 14:00–15:00"
    assert str(meeting) == "carol at 2030-04-01 14:00 (Office hours)"
