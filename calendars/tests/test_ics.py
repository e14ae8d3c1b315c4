"""`GET /calendars/{calendar_id}/schedule/ics` and `calendars.ics`: the meetings the caller may
see as an iCalendar file that round-trips through the `icalendar` parser (CONTRACT section 8).

alice owns `calendar` (2030-04-01 to 2030-04-05, UTC) and carol is invited
(`calendars/tests/conftest.py`); bob is a stranger.
"""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar as ICalendar

from accounts.tests.factories import UserFactory
from calendars import ics, services
from calendars.models import Calendar, Meet
from calendars.tests.factories import CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    return dt.datetime(2030, 4, day, hour, minute, tzinfo=tz)


def url(calendar, slash: bool = True) -> str:
    return f"/calendars/{calendar.id}/schedule/ics" + ("/" if slash else "")


def invite(calendar, username: str, **fields):
    user = UserFactory(username=username, **fields)
    ContactFactory(requester=calendar.owner, requested=user)
    InviteeFactory(calendar=calendar, invitee=user)
    return user


def events(content: bytes) -> list:
    return list(ICalendar.from_ical(content).walk("VEVENT"))


def by_uid(content: bytes) -> dict[str, object]:
    return {str(event["UID"]): event for event in events(content)}


def mailto(addresses) -> set[str]:
    if not isinstance(addresses, list):
        addresses = [addresses]
    return {str(address) for address in addresses}


@pytest.fixture
def schedule(calendar, invitation):
    """carol meets alice on the 1st at 14:00, dave on the 2nd at 09:30 (UTC)."""
    dave = invite(calendar, "dave")
    return [
        MeetFactory(calendar=calendar, meeter=invitation.invitee, start_period=at(1, 14)),
        MeetFactory(calendar=calendar, meeter=dave, start_period=at(2, 9, 30)),
    ]


class TestTheEndpoint:
    def test_the_owner_gets_every_meeting_as_a_calendar_file(self, owner_client, calendar, schedule):
        response = owner_client.get(url(calendar))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert (
            response["Content-Disposition"] == f'attachment; filename="oneonone-calendar-{calendar.id}.ics"'
        )
        found = events(response.content)
        assert len(found) == 2
        assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in found] == [
            (at(1, 14), at(1, 14, 30)),
            (at(2, 9, 30), at(2, 10)),
        ]

    def test_an_invitee_gets_only_their_own_meeting(self, invitee_client, calendar, schedule, invitation):
        response = invitee_client.get(url(calendar))
        assert response.status_code == 200
        (event,) = events(response.content)
        assert str(event["UID"]) == f"meet-{calendar.id}-{invitation.invitee_id}@localhost"
        assert str(event["SUMMARY"]) == f"Office hours with {calendar.owner.get_full_name()}"

    def test_no_meetings_is_a_valid_file_without_events(self, owner_client, invitee_client, calendar):
        for client in (owner_client, invitee_client):
            response = client.get(url(calendar))
            assert response.status_code == 200
            parsed = ICalendar.from_ical(response.content)
            assert parsed.name == "VCALENDAR"
            assert str(parsed["VERSION"]) == "2.0"
            assert list(parsed.walk("VEVENT")) == []

    def test_it_answers_with_and_without_the_trailing_slash(self, owner_client, calendar, schedule):
        with_slash, without = owner_client.get(url(calendar)), owner_client.get(url(calendar, slash=False))
        assert with_slash.status_code == without.status_code == 200
        assert len(events(with_slash.content)) == len(events(without.content)) == 2

    def test_a_calendar_application_may_ask_for_text_calendar(self, owner_client, calendar, schedule):
        response = owner_client.get(url(calendar), HTTP_ACCEPT="text/calendar")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")

    def test_a_stranger_gets_403_as_json_even_when_asking_for_text_calendar(
        self, stranger_client, calendar, schedule
    ):
        for accept in ("*/*", "text/calendar"):
            response = stranger_client.get(url(calendar), HTTP_ACCEPT=accept)
            assert response.status_code == 403
            assert response["Content-Type"] == "application/json"
            assert response.json() == {"detail": "Not owner or invitee"}

    def test_a_missing_calendar_is_404_and_anonymous_is_401(self, owner_client, api_client, calendar):
        missing = owner_client.get("/calendars/999999/schedule/ics")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
        anonymous = api_client.get(url(calendar))
        assert anonymous.status_code == 401
        assert "WWW-Authenticate" in anonymous

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_other_methods_are_405(self, owner_client, calendar, method):
        assert getattr(owner_client, method)(url(calendar)).status_code == 405

    def test_a_finalized_calendar_confirms_its_meetings(self, owner_client, calendar, schedule):
        tentative = by_uid(owner_client.get(url(calendar)).content)
        Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
        confirmed = by_uid(owner_client.get(url(calendar)).content)
        assert set(tentative) == set(confirmed)
        for uid, event in confirmed.items():
            assert (str(tentative[uid]["STATUS"]), str(event["STATUS"])) == ("TENTATIVE", "CONFIRMED")
            assert event.decoded("SEQUENCE") > tentative[uid].decoded("SEQUENCE")

    def test_its_query_count_does_not_grow_with_the_meetings(
        self, owner_client, invitee_client, calendar, schedule, django_assert_num_queries
    ):
        for name in ("erin", "frank", "grace"):
            MeetFactory(calendar=calendar, meeter=invite(calendar, name), start_period=at(3, 8 + len(name)))
        # owner: 1. the calendar with its owner; 2. the meetings with their meeters.
        with django_assert_num_queries(2):
            assert len(events(owner_client.get(url(calendar)).content)) == 5
        # invitee: 1. the calendar; 2. their invitation (the role); 3. their meeting.
        with django_assert_num_queries(3):
            assert len(events(invitee_client.get(url(calendar)).content)) == 1


class TestStableUIDs:
    def test_uids_survive_a_regenerated_schedule_and_times_follow_it(self, owner_client, calendar, schedule):
        carol, dave = schedule[0].meeter, schedule[1].meeter
        before = by_uid(owner_client.get(url(calendar)).content)
        services.schedule_replace(
            calendar=calendar,
            meets=[services.MeetDraft(dave.pk, at(3, 10)), services.MeetDraft(carol.pk, at(4, 16))],
        )
        assert not Meet.objects.filter(pk__in=[m.pk for m in schedule]).exists()  # new rows, new ids
        after = by_uid(owner_client.get(url(calendar)).content)
        assert (
            set(after)
            == set(before)
            == {
                f"meet-{calendar.id}-{carol.pk}@localhost",
                f"meet-{calendar.id}-{dave.pk}@localhost",
            }
        )
        carol_uid = f"meet-{calendar.id}-{carol.pk}@localhost"
        assert after[carol_uid].decoded("DTSTART") == at(4, 16)
        for uid in after:
            assert after[uid].decoded("SEQUENCE") > before[uid].decoded("SEQUENCE")

    def test_the_uid_host_is_the_web_clients(self, owner_client, calendar, schedule, settings):
        settings.FRONTEND_URL = "https://meet.example.com/app/"
        uids = set(by_uid(owner_client.get(url(calendar)).content))
        assert all(uid.endswith("@meet.example.com") for uid in uids)


class TestTheDocument:
    def test_times_are_utc_whatever_the_calendars_timezone(self, invitation):
        calendar = invitation.calendar
        calendar.timezone = "Asia/Kolkata"
        meet = MeetFactory(
            calendar=calendar,
            meeter=invitation.invitee,
            start_period=at(2, 15, tz=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        )
        content = ics.calendar_document(calendar=calendar, meets=[meet], viewer=calendar.owner)
        assert b"DTSTART:20300402T093000Z" in content
        assert b"DTEND:20300402T100000Z" in content
        (event,) = events(content)
        assert event.decoded("DTSTART") == at(2, 9, 30)
        assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)

    def test_owner_and_meeter_are_organizer_and_attendees(self, calendar, invitation):
        carol = invitation.invitee
        meet = MeetFactory(calendar=calendar, meeter=carol)
        (event,) = events(ics.calendar_document(calendar=calendar, meets=[meet], viewer=calendar.owner))
        assert str(event["ORGANIZER"]) == f"mailto:{calendar.owner.email}"
        assert event["ORGANIZER"].params["CN"] == calendar.owner.get_full_name()
        assert mailto(event["ATTENDEE"]) == {f"mailto:{calendar.owner.email}", f"mailto:{carol.email}"}
        assert str(event["SUMMARY"]) == f"Office hours with {carol.get_full_name()}"
        assert str(event["URL"]) == f"http://localhost:3000/calendars/{calendar.id}"
        assert event.decoded("DTSTAMP").tzinfo is not None

    def test_the_summary_names_the_other_person_and_falls_back_to_the_username(self, calendar):
        nameless = invite(calendar, "zed", first_name="", last_name="")
        meet = MeetFactory(calendar=calendar, meeter=nameless)
        (for_owner,) = events(ics.calendar_document(calendar=calendar, meets=[meet], viewer=calendar.owner))
        (for_zed,) = events(ics.calendar_document(calendar=calendar, meets=[meet], viewer=nameless))
        assert str(for_owner["SUMMARY"]) == "Office hours with zed"
        assert str(for_zed["SUMMARY"]) == f"Office hours with {calendar.owner.get_full_name()}"

    def test_a_user_without_an_email_address_is_not_given_a_made_up_one(self, calendar):
        silent = invite(calendar, "silent", email="")
        meet = MeetFactory(calendar=calendar, meeter=silent)
        (event,) = events(ics.calendar_document(calendar=calendar, meets=[meet], viewer=calendar.owner))
        assert mailto(event["ATTENDEE"]) == {f"mailto:{calendar.owner.email}"}

    def test_names_with_commas_semicolons_and_newlines_round_trip(self, invitation):
        calendar = CalendarFactory(owner=invitation.calendar.owner, name="Q&A; office, hours\nweek 2")
        meet = MeetFactory(calendar=calendar, meeter=invitation.invitee)
        content = ics.calendar_document(calendar=calendar, meets=[meet], viewer=calendar.owner)
        parsed = ICalendar.from_ical(content)
        (event,) = parsed.walk("VEVENT")
        assert str(event["SUMMARY"]).startswith("Q&A; office, hours\nweek 2 with ")
        # The parser leaves calendar-level names raw: they are escaped as RFC 5545 text.
        unfolded = content.replace(b"\r\n ", b"")
        for name in (b"NAME", b"X-WR-CALNAME"):
            assert name + b":Q&A\\; office\\, hours\\nweek 2\r\n" in unfolded
        assert all(len(line) <= 75 for line in content.split(b"\r\n"))  # folded as RFC 5545 says

    def test_one_vevent_per_meeting_with_a_fixed_stamp(self, calendar, schedule):
        stamp = dt.datetime(2030, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
        content = ics.calendar_document(
            calendar=calendar,
            meets=calendar.meets.select_related("meeter"),
            viewer=calendar.owner,
            stamp=stamp,
        )
        parsed = ICalendar.from_ical(content)
        assert str(parsed["PRODID"]) == ics.PRODID and str(parsed["METHOD"]) == "PUBLISH"
        found = parsed.walk("VEVENT")
        assert len(found) == 2
        assert {event.decoded("DTSTAMP") for event in found} == {stamp.replace(microsecond=0)}
