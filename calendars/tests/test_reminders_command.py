"""`manage.py send_deadline_reminders`: reminds invitees without availability whose deadline is
near, once per deadline, safely from cron.

alice owns `calendar` "Office hours" (2030-04-01 to 2030-04-05, UTC) and carol is invited with
the default deadline, 2030-04-06 00:00 UTC (`calendars/tests/conftest.py`). The default window
is 24 hours, so carol's reminder is due from 2030-04-05 00:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from calendars import notifications
from calendars.models import Calendar, Invitee
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

DEADLINE = dt.datetime(2030, 4, 6, tzinfo=dt.UTC)
INSIDE_WINDOW = DEADLINE - dt.timedelta(hours=6)
BEFORE_WINDOW = DEADLINE - dt.timedelta(hours=30)
FAILING_BACKEND = "calendars.tests.test_notifications.FailingBackend"


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_deadline_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def invite(calendar, username: str, **fields) -> Invitee:
    user = UserFactory(username=username, **fields)
    ContactFactory(requester=calendar.owner, requested=user)
    return InviteeFactory(calendar=calendar, invitee=user)


def reminded() -> list[str]:
    assert all(len(message.to) == 1 for message in mail.outbox)
    return sorted(message.to[0].split("<")[1].rstrip(">") for message in mail.outbox)


@pytest.fixture
def now():
    """Travel to a moment (frozen) for the rest of the test; the default is inside the window."""
    traveller = None

    def travel(moment: dt.datetime = INSIDE_WINDOW) -> None:
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()

    yield travel
    if traveller is not None:
        traveller.stop()


class TestOncePerDeadline:
    def test_run_twice_it_sends_once(self, invitation, now):
        now()
        first = run()
        assert reminded() == ["carol@example.org"]
        calendar_id = invitation.calendar_id
        line = f"Reminded carol <carol@example.org> about \u201cOffice hours\u201d (calendar {calendar_id}"
        assert f"{line}, deadline 2030-04-06T00:00:00Z)" in first
        assert "Sent 1 reminder(s)" in first
        second = run()
        assert len(mail.outbox) == 1
        assert "No reminders due within 24 hours." in second
        invitation.refresh_from_db()
        assert invitation.reminder_sent_at == INSIDE_WINDOW

    def test_with_nothing_due_it_sends_nothing(self, invitation, now):
        now(BEFORE_WINDOW)
        assert run().strip() == "No reminders due within 24 hours."
        assert mail.outbox == []
        invitation.refresh_from_db()
        assert invitation.reminder_sent_at is None

    def test_a_later_run_in_the_window_still_sends_only_once(self, invitation, now):
        now()
        run()
        now(DEADLINE - dt.timedelta(minutes=5))
        run()
        assert len(mail.outbox) == 1

    def test_two_runs_that_read_the_same_rows_send_once(self, invitation, now):
        """Two cron runs at once: both find the reminder due, only one claim succeeds."""
        now()
        window = dt.timedelta(hours=24)
        first = list(notifications.deadline_reminders_due(now=INSIDE_WINDOW, window=window))
        second = list(notifications.deadline_reminders_due(now=INSIDE_WINDOW, window=window))
        assert len(first) == len(second) == 1
        assert notifications.deadline_reminder_send(invitation=first[0], now=INSIDE_WINDOW) is True
        assert notifications.deadline_reminder_send(invitation=second[0], now=INSIDE_WINDOW) is False
        assert len(mail.outbox) == 1

    def test_a_deadline_moved_later_is_reminded_again_when_its_window_opens(self, invitation, now):
        now()
        run()
        Invitee.objects.filter(pk=invitation.pk).update(deadline=DEADLINE + dt.timedelta(days=2))
        assert "No reminders due" in run()  # the new deadline is 50 hours away
        now(DEADLINE + dt.timedelta(days=1, hours=1))
        run()
        assert len(mail.outbox) == 2
        assert "Monday 8 April 2030, 00:00 (UTC)" in mail.outbox[1].body

    def test_a_deadline_moved_a_little_is_not_reminded_again(self, invitation, now):
        """The reminder already went out within 24 hours of the new deadline."""
        now()
        run()
        Invitee.objects.filter(pk=invitation.pk).update(deadline=DEADLINE + dt.timedelta(hours=12))
        now(DEADLINE + dt.timedelta(hours=6))
        run()
        assert len(mail.outbox) == 1


class TestWhoIsDue:
    def test_only_invitees_without_availability_in_that_calendar(self, calendar, invitation, now):
        answered = invite(calendar, "dave")
        AvailabilityFactory(calendar=calendar, user=answered.invitee)
        elsewhere = invite(calendar, "erin")
        AvailabilityFactory(calendar=CalendarFactory(owner=elsewhere.invitee), user=elsewhere.invitee)
        now()
        run()
        assert reminded() == ["carol@example.org", "erin@example.org"]

    def test_not_on_a_finalized_calendar_nor_after_the_deadline(self, calendar, invitation, now):
        finalized = CalendarFactory(owner=calendar.owner, finalized=True)
        invite(finalized, "dave")
        late = invite(calendar, "erin")
        Invitee.objects.filter(pk=late.pk).update(deadline=INSIDE_WINDOW - dt.timedelta(minutes=1))
        now()
        run()
        assert reminded() == ["carol@example.org"]

    def test_opted_out_users_and_users_without_an_address_are_left_out(self, calendar, invitation, now):
        Profile.objects.create(user=invitation.invitee, email_notifications=False)
        invite(calendar, "dave", email="")
        Profile.objects.create(user=invite(calendar, "erin").invitee, email_notifications=True)
        invite(calendar, "frank")  # no profile row: opted in
        now()
        output = run()
        assert reminded() == ["erin@example.org", "frank@example.org"]
        assert "carol" not in output and "dave" not in output

    def test_within_widens_or_narrows_the_window(self, invitation, now):
        now(BEFORE_WINDOW)
        assert "No reminders due within 2 hours." in run("--within", "2")
        assert "Reminded carol" in run("--within", "48")
        assert reminded() == ["carol@example.org"]

    def test_the_default_window_is_the_setting(self, invitation, now, settings):
        settings.REMINDER_WINDOW_HOURS = 48
        now(BEFORE_WINDOW)
        assert "within 48 hours" in run()
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize("hours", ["0", "-3"])
    def test_a_window_that_is_not_positive_is_refused(self, hours):
        with pytest.raises(CommandError, match="positive"):
            run("--within", hours)


class TestTheReminder:
    def test_it_names_the_calendar_the_owner_the_local_deadline_and_links_to_it(
        self, calendar, invitation, now
    ):
        owner = calendar.owner
        Calendar.objects.filter(pk=calendar.pk).update(timezone="Europe/Berlin")
        now()
        run()
        (message,) = mail.outbox
        assert message.subject == 'Reminder: add your availability to "Office hours"'
        ((content, mimetype),) = message.alternatives
        assert mimetype == "text/html"
        for body in (message.body, content):
            assert f"{owner.first_name}" in body and "Office hours" in body
            assert "Saturday 6 April 2030, 02:00 (Europe/Berlin)" in body  # 00:00 UTC in CEST
            assert f"http://localhost:3000/calendars/{calendar.id}" in body

    def test_a_dry_run_lists_what_is_due_and_sends_and_records_nothing(self, invitation, now):
        now()
        output = run("--dry-run")
        assert "Would remind carol <carol@example.org>" in output
        assert "Dry run: 1 reminder(s) due within 24 hours; nothing sent." in output
        assert mail.outbox == []
        invitation.refresh_from_db()
        assert invitation.reminder_sent_at is None
        run()
        assert len(mail.outbox) == 1

    def test_a_failed_send_is_given_back_and_retried_by_the_next_run(self, invitation, now, settings):
        now()
        settings.EMAIL_BACKEND = FAILING_BACKEND
        with pytest.raises(CommandError, match="1 reminder"):
            run()
        invitation.refresh_from_db()
        assert invitation.reminder_sent_at is None
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert "Reminded carol" in run()
        assert len(mail.outbox) == 1

    def test_one_reminder_per_invitee_in_deadline_order(self, calendar, invitation, now):
        soon = invite(calendar, "dave")
        Invitee.objects.filter(pk=soon.pk).update(deadline=DEADLINE - dt.timedelta(hours=3))
        now()
        lines = [line for line in run().splitlines() if line.startswith("Reminded")]
        assert [line.split()[1] for line in lines] == ["dave", "carol"]
        assert reminded() == ["carol@example.org", "dave@example.org"]
