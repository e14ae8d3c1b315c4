"""Event notifications (an invitation created or removed, a calendar finalized) and the rules
every email of `calendars.notifications` follows: one message per recipient, text + HTML,
the calendar, its owner, times in the calendar's timezone, a link to the web client, the
opt-out, and nothing sent before the write commits or at all when it rolls back.

alice (Alice Smith) owns `calendar` "Office hours" (2030-04-01 to 2030-04-05) and carol (Carol
Jones) is invited (`calendars/tests/conftest.py`); dave is alice's contact, not invited.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from icalendar import Calendar as ICalendar

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from calendars import notifications, services
from calendars.models import Calendar, Invitee
from calendars.tests.factories import CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LINK = "http://localhost:3000/calendars/{id}"


class FailingBackend(BaseEmailBackend):
    """An SMTP server that hangs up: every send fails."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class Rollback(Exception):
    pass


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 4, day, hour, minute, tzinfo=dt.UTC)


def html(message) -> str:
    (alternative,) = message.alternatives
    content, mimetype = alternative
    assert mimetype == "text/html"
    return content


def ics_events(message) -> list:
    (attachment,) = message.attachments
    name, content, mimetype = attachment
    assert (name, mimetype) == (f"oneonone-calendar-{message.calendar_id}.ics", "text/calendar")
    return list(ICalendar.from_ical(content).walk("VEVENT"))


def opt_out(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"email_notifications": False})


@pytest.fixture(autouse=True)
def names(owner, invitee_user):
    owner.first_name, owner.last_name = "Alice", "Smith"
    owner.save()
    invitee_user.first_name, invitee_user.last_name = "Carol", "Jones"
    invitee_user.save()


@pytest.fixture
def dave(owner):
    user = UserFactory(username="dave", first_name="Dave", last_name="Brown")
    ContactFactory(requester=owner, requested=user)
    return user


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the block as if its transaction committed: on_commit callbacks run at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


class TestInvitationCreated:
    def test_the_invitee_is_told_once_the_invitation_commits(self, owner_client, calendar, dave, commit):
        Calendar.objects.filter(pk=calendar.pk).update(timezone="America/New_York")
        with commit() as callbacks:
            response = owner_client.post(
                f"/calendars/{calendar.id}/invitee/", {"invitee": dave.id, "deadline": "2030-04-04T21:00:00Z"}
            )
            assert mail.outbox == []  # nothing before the commit
        assert response.status_code == 200 and len(callbacks) == 1
        (message,) = mail.outbox
        assert message.to == ["Dave Brown <dave@example.org>"]
        assert (message.cc, message.bcc) == ([], [])
        assert message.subject == 'Alice Smith invited you to "Office hours"'
        for body in (message.body, html(message)):
            assert "Office hours" in body and "Alice Smith" in body and "Hello Dave Brown" in body
            # the deadline in the calendar's timezone (21:00 UTC is 17:00 in New York in April)
            assert "Thursday 4 April 2030, 17:00 (America/New_York)" in body
            assert LINK.format(id=calendar.id) in body
        assert f'href="{LINK.format(id=calendar.id)}"' in html(message)
        assert "meetings of 30 minutes" in message.body

    def test_an_opted_out_invitee_gets_nothing(self, owner_client, calendar, dave, commit):
        opt_out(dave)
        with commit() as callbacks:
            assert (
                owner_client.post(f"/calendars/{calendar.id}/invitee/", {"invitee": dave.id}).status_code
                == 200
            )
        assert len(callbacks) == 1 and mail.outbox == []

    def test_a_user_without_a_profile_row_is_opted_in(self, owner_client, calendar, dave, commit):
        assert not Profile.objects.filter(user=dave).exists()
        with commit():
            owner_client.post(f"/calendars/{calendar.id}/invitee/", {"invitee": dave.id})
        assert [m.to for m in mail.outbox] == [["Dave Brown <dave@example.org>"]]

    def test_a_refused_invitation_sends_nothing(self, owner_client, calendar, dave, invitation, commit):
        with commit() as callbacks:
            response = owner_client.post(
                f"/calendars/{calendar.id}/invitee/", {"invitee": invitation.invitee_id}
            )
        assert response.status_code == 400
        assert callbacks == [] and mail.outbox == []


class TestInvitationRemoved:
    def test_the_owner_removing_an_invitee_tells_the_invitee(
        self, owner_client, calendar, invitation, commit
    ):
        with commit():
            response = owner_client.delete(f"/calendars/{calendar.id}/invitee/{invitation.id}/")
        assert response.status_code == 200
        (message,) = mail.outbox
        assert message.to == ["Carol Jones <carol@example.org>"]
        assert message.subject == 'Your invitation to "Office hours" was withdrawn'
        assert "Alice Smith removed you from" in message.body and "Alice Smith removed you from" in html(
            message
        )

    def test_an_invitee_declining_tells_the_owner(self, invitee_client, calendar, invitation, commit):
        with commit():
            response = invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation")
        assert response.status_code == 200
        (message,) = mail.outbox
        assert message.to == [f"Alice Smith <{calendar.owner.email}>"]
        assert message.subject == 'Carol Jones declined your invitation to "Office hours"'
        assert LINK.format(id=calendar.id) in message.body

    def test_an_opted_out_owner_is_not_told(self, invitee_client, calendar, invitation, commit):
        opt_out(calendar.owner)
        with commit():
            assert (
                invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation").status_code
                == 200
            )
        assert mail.outbox == []


class TestCalendarFinalized:
    @pytest.fixture
    def schedule(self, calendar, invitation, dave):
        InviteeFactory(calendar=calendar, invitee=dave)
        InviteeFactory(calendar=calendar, invitee=UserFactory(username="erin"))  # no meeting
        return [
            MeetFactory(calendar=calendar, meeter=dave, start_period=at(2, 9)),
            MeetFactory(calendar=calendar, meeter=invitation.invitee, start_period=at(1, 14)),
        ]

    def finalize(self, client, calendar, commit):
        with commit():
            response = client.put(f"/calendars/{calendar.id}/finalize/")
        assert response.status_code == 200
        for message in mail.outbox:
            message.calendar_id = calendar.id
        return {message.to[0].split("<")[1].rstrip(">"): message for message in mail.outbox}

    def test_each_meeter_and_the_owner_get_their_meetings_with_an_ics_file(
        self, owner_client, calendar, schedule, commit
    ):
        Calendar.objects.filter(pk=calendar.pk).update(timezone="Europe/Berlin")
        by_address = self.finalize(owner_client, calendar, commit)
        owner_address = calendar.owner.email
        assert set(by_address) == {owner_address, "carol@example.org", "dave@example.org"}  # not erin

        carol = by_address["carol@example.org"]
        assert carol.subject == 'Your meeting with Alice Smith for "Office hours"'
        # 14:00 UTC is 16:00 in Berlin (CEST) on 1 April 2030
        for body in (carol.body, html(carol)):
            assert "Monday 1 April 2030, 16:00\u201316:30" in body and "Europe/Berlin" in body
            assert LINK.format(id=calendar.id) in body
        (event,) = ics_events(carol)
        assert str(event["UID"]) == f"meet-{calendar.id}-{schedule[1].meeter_id}@localhost"
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (at(1, 14), at(1, 14, 30))
        assert str(event["STATUS"]) == "CONFIRMED"

        owner = by_address[owner_address]
        assert owner.subject == 'Your schedule for "Office hours": 2 meetings'
        assert "with Carol Jones" in owner.body and "with Dave Brown" in owner.body
        assert owner.body.index("Carol Jones") < owner.body.index("Dave Brown")  # in time order
        events = ics_events(owner)
        assert [e.decoded("DTSTART") for e in events] == [at(1, 14), at(2, 9)]
        assert [str(e["SUMMARY"]) for e in events] == [
            "Office hours with Carol Jones",
            "Office hours with Dave Brown",
        ]

    def test_an_opted_out_meeter_gets_nothing_and_the_owner_still_gets_everything(
        self, owner_client, calendar, schedule, dave, commit
    ):
        opt_out(dave)
        by_address = self.finalize(owner_client, calendar, commit)
        assert set(by_address) == {calendar.owner.email, "carol@example.org"}
        assert len(ics_events(by_address[calendar.owner.email])) == 2

    def test_with_no_meetings_the_owner_is_told_so_without_an_attachment(
        self, owner_client, calendar, commit
    ):
        by_address = self.finalize(owner_client, calendar, commit)
        (message,) = by_address.values()
        assert message.subject == 'Your schedule for "Office hours": 0 meetings'
        assert "No meetings were scheduled." in message.body
        assert message.attachments == []

    def test_a_mail_server_that_fails_does_not_undo_or_fail_the_finalize(
        self, owner_client, calendar, schedule, commit, settings, caplog
    ):
        settings.EMAIL_BACKEND = "calendars.tests.test_notifications.FailingBackend"
        with caplog.at_level(logging.ERROR):
            self.finalize(owner_client, calendar, commit)
        calendar.refresh_from_db()
        assert calendar.finalized
        assert "notifications.schedule_finalized" in caplog.text


@pytest.mark.parametrize("event", ["invite", "uninvite", "decline", "finalize"])
def test_nothing_is_sent_when_the_transaction_rolls_back(event, calendar, invitation, dave, commit):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    write = {
        "invite": lambda: services.invitee_create(calendar=calendar, invitee_id=dave.id, deadline=None),
        "uninvite": lambda: services.invitee_delete(invitation=invitation),
        "decline": lambda: services.invitee_delete(invitation=invitation, declined=True),
        "finalize": lambda: services.calendar_finalize(calendar=calendar),
    }[event]
    with commit() as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            write()
            raise Rollback
    assert callbacks == [] and mail.outbox == []
    assert Invitee.objects.filter(calendar=calendar).count() == 1
    assert not Calendar.objects.get(pk=calendar.pk).finalized


@pytest.mark.parametrize("event", ["invite", "uninvite", "decline", "finalize"])
def test_the_same_writes_committed_send_one_message(event, calendar, invitation, dave, commit):
    """The control for the rollback test: each write does notify when it commits."""
    with commit(), transaction.atomic():
        {
            "invite": lambda: services.invitee_create(calendar=calendar, invitee_id=dave.id, deadline=None),
            "uninvite": lambda: services.invitee_delete(invitation=invitation),
            "decline": lambda: services.invitee_delete(invitation=invitation, declined=True),
            "finalize": lambda: services.calendar_finalize(calendar=calendar),
        }[event]()
    assert len(mail.outbox) == 1


class TestRendering:
    def test_the_subject_is_one_line_and_html_is_escaped(self, calendar, invitation):
        Calendar.objects.filter(pk=calendar.pk).update(name="<b>Q&A</b>\r\nBcc: x@evil.example")
        invitation = Invitee.objects.select_related("calendar__owner", "invitee__profile").get(
            pk=invitation.pk
        )
        notifications.remind_invitee(invitation=invitation)
        (message,) = mail.outbox
        assert message.subject == 'Reminder: add your availability to "<b>Q&A</b> Bcc: x@evil.example"'
        assert message.bcc == [] and "\n" not in message.message()["Subject"]
        assert "<b>Q&A</b>" in message.body  # plain text: as typed
        assert "&lt;b&gt;Q&amp;A&lt;/b&gt;" in html(message) and "<b>Q&A</b>" not in html(message)

    def test_a_user_without_an_email_address_is_skipped(self, calendar, invitation):
        invitation.invitee.email = ""
        invitation.invitee.save()
        invitation = Invitee.objects.select_related("calendar__owner", "invitee__profile").get(
            pk=invitation.pk
        )
        delivery = notifications.remind_invitee(invitation=invitation)
        assert (delivery.sent, dict(delivery.skipped), mail.outbox) == (
            0,
            {"without an email address": 1},
            [],
        )

    @pytest.mark.parametrize(
        ("moment", "zone", "text"),
        [
            (
                dt.datetime(2030, 3, 31, 0, 30, tzinfo=dt.UTC),
                "Europe/Berlin",
                "Sunday 31 March 2030, 01:30 (Europe/Berlin)",
            ),  # before the spring change (CET)
            (
                dt.datetime(2030, 3, 31, 1, 30, tzinfo=dt.UTC),
                "Europe/Berlin",
                "Sunday 31 March 2030, 03:30 (Europe/Berlin)",
            ),  # after it (CEST)
            (dt.datetime(2030, 4, 6, 0, 0, tzinfo=dt.UTC), "UTC", "Saturday 6 April 2030, 00:00 (UTC)"),
        ],
    )
    def test_times_are_written_in_the_calendars_timezone(self, moment, zone, text):
        assert notifications.local_time(moment, CalendarFactory.build(timezone=zone)) == text

    def test_the_delivery_summary_counts_sent_and_skipped(self):
        assert notifications.Delivery(sent=1).summary("reminder") == "Sent 1 reminder."
        delivery = notifications.Delivery(sent=0)
        delivery.skipped[notifications.OPTED_OUT] += 2
        delivery.skipped[notifications.PAST_DEADLINE] += 1
        assert delivery.summary("reminder") == (
            "Sent 0 reminders; skipped 2 opted out of email, 1 past their deadline."
        )
