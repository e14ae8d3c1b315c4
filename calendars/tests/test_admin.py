"""Staff can find calendars, invitations, availabilities and meetings in the Django admin."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def rows(calendar, invitation):
    return {
        "calendar": calendar,
        "invitee": invitation,
        "availability": AvailabilityFactory(calendar=calendar, user=invitation.invitee),
        "meet": MeetFactory(calendar=calendar, meeter=invitation.invitee),
    }


@pytest.mark.parametrize("model", ["calendar", "invitee", "availability", "meet"])
def test_staff_list_search_filter_and_open_every_model(staff_client, rows, model):
    base = f"/admin/calendars/{model}/"
    listing = staff_client.get(base)
    assert listing.status_code == 200
    assert staff_client.get(base, {"q": "carol" if model != "calendar" else "Office"}).status_code == 200
    assert (
        staff_client.get(
            base, {"calendar__finalized__exact": "1"} if model != "calendar" else {"finalized__exact": "1"}
        ).status_code
        == 200
    )
    assert staff_client.get(f"{base}{rows[model].pk}/change/").status_code == 200
    assert staff_client.get(f"{base}add/").status_code == 200


def test_a_search_by_owner_finds_the_calendar(staff_client, calendar):
    CalendarFactory(name="Someone else's")
    response = staff_client.get("/admin/calendars/calendar/", {"q": "alice"})
    assert b"Office hours" in response.content
    assert b"Someone else" not in response.content


def test_the_calendar_page_shows_its_invitations_inline(staff_client, calendar, invitation):
    InviteeFactory(calendar=calendar)
    response = staff_client.get(f"/admin/calendars/calendar/{calendar.pk}/change/")
    assert response.status_code == 200
    assert b"invitees-TOTAL_FORMS" in response.content
    assert b'name="invitees-TOTAL_FORMS" value="2"' in response.content


def test_the_availability_list_joins_what_it_prints(staff_client, calendar, django_assert_max_num_queries):
    for _ in range(5):
        AvailabilityFactory(calendar=calendar, user=InviteeFactory(calendar=calendar).invitee)
    with django_assert_max_num_queries(12):  # session, user, counts, one page of joined rows, filters
        assert staff_client.get("/admin/calendars/availability/").status_code == 200


def test_non_staff_cannot_open_the_admin(client_for, calendar):
    client = Client()
    client.force_login(calendar.owner)
    response = client.get("/admin/calendars/calendar/")
    assert response.status_code == 302
