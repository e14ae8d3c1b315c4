"""`manage.py load_demo_data` builds the same usable demo every time."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee
from contacts.models import Contact

User = get_user_model()


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(
        (a.user.username, a.calendar.name, a.start_period, a.end_period, a.preference)
        for a in Availability.objects.select_related("user", "calendar")
    )


@pytest.mark.django_db
class TestDemoData:
    def test_it_prints_the_password_and_the_demo_logs_in(self, api_client):
        output = load()
        assert "oneonone-demo" in output
        response = api_client.post(
            "/accounts/login/", {"username": "professor", "password": "oneonone-demo"}, format="json"
        )
        assert response.status_code == 200

    def test_it_builds_a_calendar_worth_scheduling(self):
        load()
        office = Calendar.objects.get(name="Office hours")
        assert office.invitees.count() == 36
        answered = Availability.objects.filter(calendar=office).exclude(user=office.owner)
        assert answered.values("user").distinct().count() == 33
        assert Contact.objects.filter(requester=office.owner, accepted=True).count() == 39
        assert Contact.objects.filter(requested=office.owner, accepted=False).count() == 1

    def test_every_window_lies_inside_its_calendar_and_deadlines_are_ahead(self):
        with time_machine.travel(dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC)):  # a Sunday evening
            load()
            now = dt.datetime.now(dt.UTC)
            for availability in Availability.objects.select_related("calendar"):
                calendar = availability.calendar
                assert calendar.window_start <= availability.start_period < availability.end_period
                assert availability.end_period <= calendar.window_end
            assert all(deadline > now for deadline in Invitee.objects.values_list("deadline", flat=True))

    def test_it_is_deterministic_and_rerunnable_without_touching_other_users(self):
        outsider = UserFactory(username="zoe")
        with time_machine.travel(dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)):
            load()
            first = snapshot()
            load("--reset")
            assert snapshot() == first
        assert User.objects.filter(username="professor").count() == 1
        assert User.objects.filter(pk=outsider.pk).exists()


@pytest.mark.django_db
def test_a_second_run_without_reset_keeps_what_users_did():
    """`make run` loads the demo every time: it must not wipe the calendars made since."""
    load()
    professor = User.objects.get(username="professor")
    mine = Calendar.objects.create(
        owner=professor, name="Mine", start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 2)
    )
    office_id = Calendar.objects.get(name="Office hours").id
    output = load()
    assert "already loaded" in output and "oneonone-demo" in output
    assert Calendar.objects.filter(pk=mine.pk).exists()
    assert Calendar.objects.get(name="Office hours").id == office_id
