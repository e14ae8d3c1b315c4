"""`POST /calendars/{id}/email/`, `/calendars/{id}/email/{username}/` and
`/calendars/{id}/email/finalize` (CONTRACT section 8): reminders and the final schedule, sent
by the calendar's owner, one message per recipient, rate limited per calendar.

alice (Alice Smith) owns `calendar` "Office hours" (2030-04-01 to 2030-04-05, UTC) and carol is
invited with the default deadline, 2030-04-06 00:00 UTC (`calendars/tests/conftest.py`); bob
is a stranger.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import resolve, reverse
from icalendar import Calendar as ICalendar

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from calendars import views
from calendars.models import Calendar
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "calendars.tests.test_notifications.FailingBackend"
BEFORE_DEADLINES = dt.datetime(2030, 4, 2, 12, 0, tzinfo=dt.UTC)


def email_url(calendar, rest: str = "", slash: bool = True) -> str:
    return f"/calendars/{calendar.id}/email/{rest}".rstrip("/") + ("/" if slash else "")


def invite(calendar, username: str, **fields):
    user = UserFactory(username=username, **fields)
    ContactFactory(requester=calendar.owner, requested=user)
    InviteeFactory(calendar=calendar, invitee=user)
    return user


def addresses() -> list[str]:
    """The address of every message sent (each has exactly one recipient), sorted."""
    assert all(len(message.to) == 1 for message in mail.outbox)
    return sorted(message.to[0].split("<")[1].rstrip(">") for message in mail.outbox)


@pytest.fixture(autouse=True)
def frozen():
    """Before every deadline of these tests."""
    with time_machine.travel(BEFORE_DEADLINES, tick=False):
        yield


@pytest.fixture(autouse=True)
def named_owner(owner):
    owner.first_name, owner.last_name = "Alice", "Smith"
    owner.save()


@pytest.fixture
def pending(calendar, invitation):
    """carol and dave have not answered; erin has (one window)."""
    invite(calendar, "dave")
    erin = invite(calendar, "erin")
    AvailabilityFactory(calendar=calendar, user=erin)
    return calendar


class TestRemindEveryone:
    def test_it_reminds_each_invitee_without_availability_once(self, owner_client, pending):
        response = owner_client.post(email_url(pending))
        assert response.status_code == 200
        assert response.json() == {"detail": "Sent 2 reminders.", "sent": 2}
        assert addresses() == ["carol@example.org", "dave@example.org"]
        for message in mail.outbox:
            assert len(message.to) == 1 and message.cc == [] and message.bcc == []
            assert message.subject == 'Reminder: add your availability to "Office hours"'
            assert "Alice Smith is still waiting for your availability" in message.body
            assert "Saturday 6 April 2030, 00:00 (UTC)" in message.body
            assert f"http://localhost:3000/calendars/{pending.id}" in message.body
            ((content, mimetype),) = message.alternatives
            assert mimetype == "text/html" and "Office hours" in content and "Alice Smith" in content

    def test_the_deadline_is_written_in_the_calendars_timezone(self, owner_client, calendar, invitation):
        Calendar.objects.filter(pk=calendar.pk).update(timezone="Asia/Tokyo")
        assert owner_client.post(email_url(calendar)).status_code == 200
        (message,) = mail.outbox
        assert "Saturday 6 April 2030, 09:00 (Asia/Tokyo)" in message.body  # 00:00 UTC

    def test_opted_out_and_past_deadline_invitees_are_skipped_and_counted(self, owner_client, pending):
        Profile.objects.create(user=UserFactory(username="dave"), email_notifications=False)
        late = invite(pending, "frank")
        pending.invitees.filter(invitee=late).update(deadline=BEFORE_DEADLINES - dt.timedelta(hours=1))
        response = owner_client.post(email_url(pending))
        assert response.json() == {
            "detail": "Sent 1 reminder; skipped 1 opted out of email, 1 past their deadline.",
            "sent": 1,
        }
        assert addresses() == ["carol@example.org"]

    def test_nobody_pending_sends_nothing(self, owner_client, calendar):
        assert owner_client.post(email_url(calendar)).json() == {"detail": "Sent 0 reminders.", "sent": 0}
        assert mail.outbox == []

    def test_it_answers_without_the_trailing_slash(self, owner_client, pending):
        assert owner_client.post(email_url(pending, slash=False)).json()["sent"] == 2

    def test_query_count_does_not_grow_with_the_invitees(
        self, owner_client, pending, django_assert_num_queries
    ):
        for name in ("g1", "g2", "g3"):
            invite(pending, name)
        # 1. the calendar with its owner; 2. the invitations with users, profiles and status.
        with django_assert_num_queries(2):
            assert owner_client.post(email_url(pending)).json()["sent"] == 5


class TestRemindOne:
    def test_it_reminds_that_invitee(self, owner_client, calendar, invitation):
        response = owner_client.post(email_url(calendar, "carol"))
        assert response.status_code == 200
        assert response.json() == {"detail": "Sent 1 reminder.", "sent": 1}
        (message,) = mail.outbox
        assert message.to == [f"{invitation.invitee.get_full_name()} <carol@example.org>"]
        assert message.subject == 'Reminder: add your availability to "Office hours"'

    def test_it_reminds_them_even_with_some_availability_given(self, owner_client, calendar, invitation):
        AvailabilityFactory(calendar=calendar, user=invitation.invitee)
        assert owner_client.post(email_url(calendar, "carol", slash=False)).json()["sent"] == 1

    @pytest.mark.parametrize("username", ["nobody", "bob", "alice"])
    def test_an_unknown_or_uninvited_username_is_404(
        self, owner_client, calendar, invitation, stranger, username
    ):
        response = owner_client.post(email_url(calendar, username))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
        assert mail.outbox == []

    def test_an_opted_out_invitee_gets_nothing(self, owner_client, calendar, invitation):
        Profile.objects.create(user=invitation.invitee, email_notifications=False)
        response = owner_client.post(email_url(calendar, "carol"))
        assert response.json() == {"detail": "Sent 0 reminders; skipped 1 opted out of email.", "sent": 0}
        assert mail.outbox == []

    def test_after_their_deadline_it_is_410(self, owner_client, calendar, invitation):
        with time_machine.travel(invitation.deadline + dt.timedelta(seconds=1), tick=False):
            response = owner_client.post(email_url(calendar, "carol"))
        assert (response.status_code, response.json()) == (410, {"detail": "Deadline has passed"})
        assert mail.outbox == []

    def test_usernames_with_dots_at_signs_and_plus_signs_resolve(self, owner_client, calendar):
        invite(calendar, "c.d+e@f-g_h")
        assert owner_client.post(email_url(calendar, "c.d+e@f-g_h")).json()["sent"] == 1

    def test_query_count(self, owner_client, calendar, invitation, django_assert_num_queries):
        # 1. the calendar with its owner; 2. the invitation with its user, profile and status.
        with django_assert_num_queries(2):
            assert owner_client.post(email_url(calendar, "carol")).status_code == 200


class TestSendTheSchedule:
    @pytest.fixture
    def finalized(self, calendar, invitation):
        dave = invite(calendar, "dave")
        MeetFactory(
            calendar=calendar,
            meeter=invitation.invitee,
            start_period=dt.datetime(2030, 4, 1, 14, tzinfo=dt.UTC),
        )
        MeetFactory(calendar=calendar, meeter=dave, start_period=dt.datetime(2030, 4, 1, 15, tzinfo=dt.UTC))
        invite(calendar, "erin")  # no meeting: no email
        Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
        return calendar

    def test_a_calendar_not_finalized_is_400(self, owner_client, calendar, invitation):
        response = owner_client.post(email_url(calendar, "finalize"))
        assert (response.status_code, response.json()) == (400, {"detail": "Calendar is not finalized"})
        assert mail.outbox == []

    def test_each_meeter_and_the_owner_get_their_meetings_with_an_ics_file(self, owner_client, finalized):
        response = owner_client.post(email_url(finalized, "finalize", slash=False))
        assert response.status_code == 200
        assert response.json() == {"detail": "Sent 3 schedule emails.", "sent": 3}
        assert addresses() == ["alice@example.org", "carol@example.org", "dave@example.org"]
        by_address = {message.to[0].split("<")[1].rstrip(">"): message for message in mail.outbox}
        expected_events = {"alice@example.org": 2, "carol@example.org": 1, "dave@example.org": 1}
        for address, message in by_address.items():
            ((name, content, mimetype),) = message.attachments
            assert (name, mimetype) == (f"oneonone-calendar-{finalized.id}.ics", "text/calendar")
            events = ICalendar.from_ical(content).walk("VEVENT")
            assert len(events) == expected_events[address], address
            assert all(event.decoded("DTSTART").utcoffset() == dt.timedelta(0) for event in events)
        assert "Monday 1 April 2030, 14:00\u201314:30" in by_address["carol@example.org"].body

    def test_opted_out_meeters_are_skipped_and_counted(self, owner_client, finalized):
        Profile.objects.create(user=UserFactory(username="dave"), email_notifications=False)
        response = owner_client.post(email_url(finalized, "finalize"))
        assert response.json() == {
            "detail": "Sent 2 schedule emails; skipped 1 opted out of email.",
            "sent": 2,
        }

    def test_query_count_does_not_grow_with_the_meetings(
        self, owner_client, finalized, django_assert_num_queries
    ):
        for hour, name in ((16, "g1"), (17, "g2")):
            MeetFactory(
                calendar=finalized,
                meeter=invite(finalized, name),
                start_period=dt.datetime(2030, 4, 2, hour, tzinfo=dt.UTC),
            )
        # 1. the calendar with its owner; 2. the meetings with meeters and profiles; 3. the
        # owner's profile.
        with django_assert_num_queries(3):
            assert owner_client.post(email_url(finalized, "finalize")).json()["sent"] == 5


ROUTES = ["", "carol", "finalize"]


class TestWhoMaySend:
    @pytest.mark.parametrize("rest", ROUTES)
    def test_an_invitee_or_a_stranger_gets_403_and_nothing_is_sent(
        self, invitee_client, stranger_client, calendar, invitation, rest
    ):
        Calendar.objects.filter(pk=calendar.pk).update(finalized=rest == "finalize")
        for client in (invitee_client, stranger_client):
            response = client.post(email_url(calendar, rest))
            assert (response.status_code, response.json()) == (403, {"detail": "Not owner"})
        assert mail.outbox == []

    @pytest.mark.parametrize("rest", ROUTES)
    def test_anonymous_is_401_and_a_missing_calendar_404(
        self, api_client, owner_client, calendar, invitation, rest
    ):
        assert api_client.post(email_url(calendar, rest)).status_code == 401
        missing = owner_client.post(f"/calendars/999999/email/{rest}")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
        assert mail.outbox == []

    @pytest.mark.parametrize("rest", ["", "carol"])
    def test_reminders_on_a_finalized_calendar_are_410(self, owner_client, calendar, invitation, rest):
        Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
        response = owner_client.post(email_url(calendar, rest))
        assert (response.status_code, response.json()) == (410, {"detail": "Calendar is finalized"})
        assert mail.outbox == []

    @pytest.mark.parametrize("rest", ROUTES)
    @pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
    def test_other_methods_are_405(self, owner_client, calendar, invitation, rest, method):
        assert getattr(owner_client, method)(email_url(calendar, rest)).status_code == 405

    def test_a_body_that_does_not_parse_is_400(self, owner_client, calendar, invitation):
        response = owner_client.post(email_url(calendar), data="{", content_type="application/json")
        assert response.status_code == 400 and mail.outbox == []

    def test_a_mail_server_that_fails_is_503(self, owner_client, calendar, invitation, settings):
        settings.EMAIL_BACKEND = FAILING_BACKEND
        response = owner_client.post(email_url(calendar))
        assert (response.status_code, response.json()) == (
            503,
            {"detail": "Email could not be sent; try again later."},
        )


class TestRateLimit:
    @pytest.fixture(autouse=True)
    def two_per_hour(self, settings):
        settings.CALENDAR_EMAIL_RATE = "2/hour"

    def test_a_calendars_email_requests_are_limited_across_its_routes(
        self, owner_client, calendar, invitation
    ):
        assert owner_client.post(email_url(calendar)).status_code == 200
        assert owner_client.post(email_url(calendar, "carol")).status_code == 200
        sent = len(mail.outbox)
        response = owner_client.post(email_url(calendar, "carol"))
        assert response.status_code == 429
        assert set(response.json()) == {"detail"}
        assert 3590 <= int(response["Retry-After"]) <= 3600
        assert len(mail.outbox) == sent

    def test_the_limit_is_per_calendar(self, owner_client, calendar, invitation):
        other = CalendarFactory(owner=calendar.owner)
        for _ in range(2):
            owner_client.post(email_url(calendar))
        assert owner_client.post(email_url(calendar)).status_code == 429
        assert owner_client.post(email_url(other)).status_code == 200

    def test_the_window_passes(self, owner_client, calendar, invitation):
        for _ in range(2):
            owner_client.post(email_url(calendar))
        with time_machine.travel(BEFORE_DEADLINES + dt.timedelta(hours=1, seconds=1), tick=False):
            assert owner_client.post(email_url(calendar)).status_code == 200

    def test_refused_requests_do_not_spend_the_budget(
        self, owner_client, stranger_client, invitee_client, calendar, invitation
    ):
        for _ in range(3):
            assert stranger_client.post(email_url(calendar)).status_code == 403
            assert invitee_client.post(email_url(calendar)).status_code == 403
            assert owner_client.get(email_url(calendar)).status_code == 405
        assert owner_client.post(email_url(calendar)).status_code == 200

    def test_an_empty_rate_turns_the_limit_off(self, owner_client, calendar, invitation, settings):
        settings.CALENDAR_EMAIL_RATE = ""
        assert all(owner_client.post(email_url(calendar)).status_code == 200 for _ in range(4))


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "action"),
    [
        ("calendar-email", {"id": 7}, "/calendars/7/email", "remind_all"),
        ("calendar-email-finalize", {"id": 7}, "/calendars/7/email/finalize", "send_schedule"),
        ("calendar-email-user", {"id": 7, "username": "carol"}, "/calendars/7/email/carol", "remind_one"),
    ],
)
def test_the_routes_reverse_and_resolve_with_the_contracts_id(name, kwargs, path, action):
    assert reverse(name, kwargs=kwargs) == path
    for candidate in (path, path + "/"):
        match = resolve(candidate)
        assert (match.url_name, match.func.cls, match.func.actions) == (
            name,
            views.CalendarEmailViewSet,
            {"post": action},
        )
        assert match.kwargs == {key: str(value) for key, value in kwargs.items()}
