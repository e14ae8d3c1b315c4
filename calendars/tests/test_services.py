"""`calendars.services` and `calendars.selectors` called directly, without HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from calendars import selectors, services
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory
from oneonone.errors import DeadlinePassed, NotOwnerOrInvitee

pytestmark = pytest.mark.django_db


def at(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def friend(owner):
    dave = UserFactory(username="dave")
    ContactFactory(requester=owner, requested=dave)
    return dave


# Calendars ---------------------------------------------------------------------------------


def test_calendar_create_stores_a_valid_calendar(owner):
    calendar = services.calendar_create(
        owner=owner,
        name="Interviews",
        start_date=dt.date(2030, 4, 1),
        end_date=dt.date(2030, 4, 1),
        timezone="Asia/Kolkata",
        meeting_duration=45,
    )
    calendar.refresh_from_db()
    assert (calendar.owner, calendar.timezone, calendar.meeting_duration, calendar.finalized) == (
        owner,
        "Asia/Kolkata",
        45,
        False,
    )


def test_calendar_create_validates_before_saving(owner):
    with pytest.raises(ValidationError):
        services.calendar_create(
            owner=owner,
            name="x",
            start_date=dt.date(2030, 4, 2),
            end_date=dt.date(2030, 4, 1),
            timezone="UTC",
            meeting_duration=30,
        )
    assert not Calendar.objects.exists()


def test_calendar_update_renames(calendar):
    assert services.calendar_update(calendar=calendar, name="New").name == "New"
    calendar.refresh_from_db()
    assert calendar.name == "New"


def test_calendar_update_moves_the_timezone_only_if_meetings_stay_inside(calendar):
    """A meeting at 02:00Z on April 1st is March 31st evening in Toronto."""
    MeetFactory(calendar=calendar, start_period=at(2030, 4, 1, 2))
    with pytest.raises(ValidationError) as raised:
        services.calendar_update(calendar=calendar, timezone="America/Toronto")
    assert list(raised.value.message_dict) == ["timezone"]
    # Eastward the window starts earlier in UTC: the same meeting is still inside.
    assert services.calendar_update(calendar=calendar, timezone="Asia/Tokyo").timezone == "Asia/Tokyo"


def test_calendar_update_checks_the_end_of_the_window_too(calendar):
    """22:00Z on April 5th is April 6th in Tokyo: after the calendar there."""
    AvailabilityFactory(calendar=calendar, start_period=at(2030, 4, 5, 22))
    with pytest.raises(ValidationError):
        services.calendar_update(calendar=calendar, timezone="Asia/Tokyo")
    calendar.refresh_from_db()
    assert calendar.timezone == "UTC"


def test_calendar_update_changes_the_duration_only_without_a_schedule(calendar):
    assert services.calendar_update(calendar=calendar, meeting_duration=60).meeting_duration == 60
    MeetFactory(calendar=calendar)
    with pytest.raises(ValidationError) as raised:
        services.calendar_update(calendar=calendar, meeting_duration=15)
    assert raised.value.message_dict == {"meeting_duration": [services.DURATION_WITH_SCHEDULE]}


def test_calendar_update_reports_every_refusal_and_changes_nothing(calendar):
    MeetFactory(calendar=calendar, start_period=at(2030, 4, 1, 2))
    with pytest.raises(ValidationError) as raised:
        services.calendar_update(
            calendar=calendar, name="New", timezone="America/Toronto", meeting_duration=15
        )
    assert set(raised.value.message_dict) == {"timezone", "meeting_duration"}
    calendar.refresh_from_db()
    assert (calendar.name, calendar.timezone, calendar.meeting_duration) == ("Office hours", "UTC", 30)


def test_calendar_finalize_once(calendar):
    assert services.calendar_finalize(calendar=calendar).finalized
    with pytest.raises(services.CalendarAlreadyFinalized) as raised:
        services.calendar_finalize(calendar=calendar)
    assert raised.value.message == "This calendar is already finalized."


def test_calendar_delete_cascades(calendar, invitation):
    AvailabilityFactory(calendar=calendar)
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    services.calendar_delete(calendar=calendar)
    assert not (Calendar.objects.exists() or Invitee.objects.exists())
    assert not (Availability.objects.exists() or Meet.objects.exists())


# Invitations -------------------------------------------------------------------------------


def test_invitee_create_defaults_the_deadline_to_the_end_of_the_window(calendar, friend):
    invitation = services.invitee_create(calendar=calendar, invitee_id=friend.id, deadline=None)
    assert invitation.deadline == calendar.window_end
    assert Invitee.objects.get().invitee == friend


def test_invitee_create_keeps_the_default_deadline_of_a_past_calendar(owner, friend):
    """A calendar kept as a record: the invitation is stored, with its window already closed."""
    past = CalendarFactory(owner=owner, start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 1, 2))
    invitation = services.invitee_create(calendar=past, invitee_id=friend.id, deadline=None)
    assert invitation.deadline == at(2020, 1, 3)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nobody", services.USER_DOES_NOT_EXIST),
        ("owner", services.CANNOT_INVITE_YOURSELF),
        ("stranger", services.NOT_A_CONTACT),
        ("invited", services.ALREADY_INVITED),
    ],
)
def test_invitee_create_refuses(calendar, invitation, stranger, who, message):
    user_id = {
        "nobody": 999999,
        "owner": calendar.owner_id,
        "stranger": stranger.id,
        "invited": invitation.invitee_id,
    }[who]
    with pytest.raises(ValidationError) as raised:
        services.invitee_create(calendar=calendar, invitee_id=user_id, deadline=None)
    assert raised.value.message_dict == {"invitee": [message]}
    assert Invitee.objects.count() == 1


@time_machine.travel(at(2030, 3, 1), tick=False)
def test_invitee_create_reports_the_user_and_the_deadline_together(calendar):
    with pytest.raises(ValidationError) as raised:
        services.invitee_create(calendar=calendar, invitee_id=999999, deadline=at(2030, 2, 1))
    assert raised.value.message_dict == {
        "invitee": [services.USER_DOES_NOT_EXIST],
        "deadline": [services.DEADLINE_NOT_IN_FUTURE],
    }


def test_invitee_create_turns_a_lost_race_into_a_validation_error(calendar, friend, monkeypatch):
    """The unique constraint settles two concurrent invitations; the loser gets a 400."""

    def contacts_while_another_request_wins(*, user):
        InviteeFactory(calendar=calendar, invitee=friend)
        return {friend.id}

    monkeypatch.setattr(services, "contact_user_ids", contacts_while_another_request_wins)
    with pytest.raises(ValidationError) as raised:
        services.invitee_create(calendar=calendar, invitee_id=friend.id, deadline=None)
    assert raised.value.message_dict == {"invitee": [services.ALREADY_INVITED]}
    assert Invitee.objects.count() == 1


@time_machine.travel(at(2030, 3, 1), tick=False)
def test_invitee_update_moves_the_deadline_into_the_future_only(invitation):
    assert services.invitee_update(invitation=invitation, deadline=at(2030, 3, 2)).deadline == at(2030, 3, 2)
    with pytest.raises(ValidationError):
        services.invitee_update(invitation=invitation, deadline=at(2030, 3, 1))
    invitation.refresh_from_db()
    assert invitation.deadline == at(2030, 3, 2)


def test_invitee_delete_is_all_or_nothing(calendar, invitation, monkeypatch):
    carol = invitation.invitee
    AvailabilityFactory(calendar=calendar, user=carol)
    MeetFactory(calendar=calendar, meeter=carol)

    def fail(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Invitee, "delete", fail)
    with pytest.raises(RuntimeError):
        services.invitee_delete(invitation=invitation)
    assert Availability.objects.filter(user=carol).count() == 1
    assert Meet.objects.filter(meeter=carol).count() == 1


# Availabilities ----------------------------------------------------------------------------


def test_availability_create_checks_order_and_window(calendar):
    with pytest.raises(ValidationError) as raised:
        services.availability_create(
            calendar=calendar,
            user=calendar.owner,
            start_period=at(2030, 4, 7, 10),
            end_period=at(2030, 4, 7, 9),
            preference=2,
        )
    errors = raised.value.message_dict
    assert errors["end_period"][0] == services.END_NOT_AFTER_START
    assert "start_period" in errors
    assert not Availability.objects.exists()


def test_availability_update_checks_the_merged_result(calendar):
    window = AvailabilityFactory(calendar=calendar)  # 14:00-15:00 on April 1st
    with pytest.raises(ValidationError):
        services.availability_update(availability=window, start_period=at(2030, 4, 1, 15))
    updated = services.availability_update(availability=window, end_period=at(2030, 4, 1, 18), preference=3)
    updated.refresh_from_db()
    assert (updated.start_period, updated.end_period, updated.preference) == (
        at(2030, 4, 1, 14),
        at(2030, 4, 1, 18),
        3,
    )


def test_availability_delete_all_deletes_one_users_windows_in_one_calendar(calendar, invitation):
    for _ in range(3):
        AvailabilityFactory(calendar=calendar)
    kept = [AvailabilityFactory(calendar=calendar, user=invitation.invitee), AvailabilityFactory()]
    assert services.availability_delete_all(calendar=calendar, user=calendar.owner) == 3
    assert set(Availability.objects.all()) == set(kept)


def test_availability_writes_re_read_the_role_under_the_calendar_lock(calendar, invitation):
    """The view checked the role before the write's transaction; an invitation removed in
    between (found by racing threads against `invitee_delete`) must not let a window in."""
    guest = invitation.invitee
    window = AvailabilityFactory(calendar=calendar, user=guest)
    Invitee.objects.filter(pk=invitation.pk).delete()  # as if committed by a concurrent request
    writes = [
        lambda: services.availability_create(
            calendar=calendar,
            user=guest,
            start_period=at(2030, 4, 2, 9),
            end_period=at(2030, 4, 2, 10),
            preference=2,
        ),
        lambda: services.availability_update(availability=window, preference=3),
        lambda: services.availability_delete(availability=window),
        lambda: services.availability_delete_all(calendar=calendar, user=guest),
    ]
    for write in writes:
        with pytest.raises(NotOwnerOrInvitee):
            write()
    window.refresh_from_db()
    assert list(Availability.objects.all()) == [window] and window.preference == 2


def test_availability_writes_re_read_the_deadline_under_the_calendar_lock(calendar, invitation):
    Invitee.objects.filter(pk=invitation.pk).update(deadline=at(2030, 3, 1))  # moved meanwhile
    with time_machine.travel(at(2030, 3, 2), tick=False), pytest.raises(DeadlinePassed):
        services.availability_create(
            calendar=calendar,
            user=invitation.invitee,
            start_period=at(2030, 4, 2, 9),
            end_period=at(2030, 4, 2, 10),
            preference=2,
        )
    assert not Availability.objects.exists()


# Selectors ---------------------------------------------------------------------------------


def test_invitation_for_the_anonymous_is_none(calendar):
    assert selectors.invitation_for(calendar=calendar, user=AnonymousUser()) is None


def test_invitees_with_status_marks_who_has_answered(calendar, invitation):
    silent = InviteeFactory(calendar=calendar)
    AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    AvailabilityFactory(user=silent.invitee)  # elsewhere
    status = {
        row.invitee_id: row.has_availability for row in selectors.invitees_with_status(calendar=calendar)
    }
    assert status == {invitation.invitee_id: True, silent.invitee_id: False}


def test_calendars_awaiting_availability(invitee_user, invitation):
    answered = InviteeFactory(invitee=invitee_user).calendar
    AvailabilityFactory(calendar=answered, user=invitee_user)
    assert list(selectors.calendars_awaiting_availability(user=invitee_user)) == [invitation.calendar]


def test_uninvited_contacts(calendar, invitation, friend, stranger):
    assert list(selectors.uninvited_contacts(calendar=calendar)) == [friend]
