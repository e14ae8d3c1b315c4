"""The web client's extra calendar endpoints (CONTRACT section 8, without the email ones)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200
    return [row["id"] for row in response.json()]


# owned, owned/unfinalized, invited, status -------------------------------------------------


@pytest.fixture
def calendars(owner, calendar, invitation):
    """alice owns `calendar` and a finalized one; carol owns one to which alice is invited
    (with a window), and frank owns one to which alice is invited (no window yet)."""
    finalized = CalendarFactory(owner=owner, finalized=True)
    carols = CalendarFactory(owner=invitation.invitee)
    InviteeFactory(calendar=carols, invitee=owner)
    AvailabilityFactory(calendar=carols, user=owner)
    franks = CalendarFactory(owner=UserFactory(username="frank"))
    InviteeFactory(calendar=franks, invitee=owner)
    CalendarFactory()  # unrelated
    return {"mine": calendar, "finalized": finalized, "carols": carols, "franks": franks}


def test_owned_lists_the_callers_calendars(owner_client, calendars):
    expected = [calendars["mine"].id, calendars["finalized"].id]
    assert ids(owner_client.get("/calendars/owned")) == expected
    assert ids(owner_client.get("/calendars/owned/")) == expected


def test_owned_unfinalized_leaves_out_finalized_calendars(owner_client, calendars):
    assert ids(owner_client.get("/calendars/owned/unfinalized")) == [calendars["mine"].id]
    assert ids(owner_client.get("/calendars/owned/unfinalized/")) == [calendars["mine"].id]


def test_invited_lists_the_calendars_the_caller_is_invited_to(owner_client, calendars):
    response = owner_client.get("/calendars/invited/")
    assert ids(response) == [calendars["carols"].id, calendars["franks"].id]
    assert response.json()[0]["owner_username"] == "carol"


def test_status_lists_invitations_still_waiting_for_availability(owner_client, calendars):
    assert ids(owner_client.get("/calendars/status")) == [calendars["franks"].id]


def test_status_and_invited_are_per_user(invitee_client, calendars):
    """carol is invited to alice's calendar and has no window there yet."""
    assert ids(invitee_client.get("/calendars/invited")) == [calendars["mine"].id]
    assert ids(invitee_client.get("/calendars/status")) == [calendars["mine"].id]
    assert ids(invitee_client.get("/calendars/owned")) == [calendars["carols"].id]


@pytest.mark.parametrize(
    "path", ["/calendars/owned", "/calendars/owned/unfinalized", "/calendars/invited", "/calendars/status"]
)
def test_the_calendar_lists_take_one_query(owner_client, owner, path, django_assert_num_queries):
    for _ in range(3):
        CalendarFactory(owner=owner)
        invited = CalendarFactory()
        InviteeFactory(calendar=invited, invitee=owner)
    # 1. the calendars (joined with their owner; `status` adds a NOT EXISTS subquery)
    with django_assert_num_queries(1):
        response = owner_client.get(path)
    assert len(response.json()) == 3


def test_the_calendar_lists_page_when_asked(owner_client, owner):
    for _ in range(3):
        CalendarFactory(owner=owner)
    page = owner_client.get("/calendars/owned?limit=1&offset=1").json()
    assert (page["count"], len(page["results"])) == (3, 1)


@pytest.mark.parametrize("path", ["/calendars/owned", "/calendars/invited", "/calendars/status"])
def test_the_calendar_lists_need_authentication(api_client, path):
    assert api_client.get(path).status_code == 401


# invitee/uninvited -------------------------------------------------------------------------


def test_uninvited_lists_the_owners_contacts_not_yet_invited(owner_client, owner, calendar, invitation):
    dave = UserFactory(username="dave", first_name="Dave", last_name="D", email="dave@example.org")
    ContactFactory(requester=dave, requested=owner)  # a contact the other way round
    erin = UserFactory(username="erin")
    ContactFactory(requester=owner, requested=erin)
    ContactFactory(requester=owner, requested=UserFactory(username="pending"), accepted=False)
    ContactFactory(requester=invitation.invitee, requested=UserFactory(username="carols_friend"))
    InviteeFactory(calendar=CalendarFactory(owner=owner), invitee=erin)  # invited elsewhere only

    response = owner_client.get(f"/calendars/{calendar.id}/invitee/uninvited")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": dave.id,
            "username": "dave",
            "first_name": "Dave",
            "last_name": "D",
            "email": "dave@example.org",
        },
        {
            "id": erin.id,
            "username": "erin",
            "first_name": erin.first_name,
            "last_name": erin.last_name,
            "email": "erin@example.org",
        },
    ]


def test_uninvited_is_for_the_owner_only(invitee_client, stranger_client, calendar):
    for client in (invitee_client, stranger_client):
        assert client.get(f"/calendars/{calendar.id}/invitee/uninvited/").status_code == 403
    assert invitee_client.get("/calendars/999999/invitee/uninvited/").status_code == 404


def test_uninvited_takes_three_queries(owner_client, owner, calendar, django_assert_num_queries):
    for _ in range(4):
        ContactFactory(requester=owner)
    # 1. the calendar (with its owner)  2. the owner's contact ids  3. those users not invited
    with django_assert_num_queries(3):
        response = owner_client.get(f"/calendars/{calendar.id}/invitee/uninvited")
    assert len(response.json()) == 4


# invitee/remove-invitation -----------------------------------------------------------------


def test_an_invitee_declines_their_invitation(invitee_client, calendar, invitation):
    carol = invitation.invitee
    AvailabilityFactory(calendar=calendar, user=carol)
    MeetFactory(calendar=calendar, meeter=carol)
    owners = AvailabilityFactory(calendar=calendar)
    elsewhere = CalendarFactory(owner=calendar.owner)
    InviteeFactory(calendar=elsewhere, invitee=carol)
    kept = AvailabilityFactory(calendar=elsewhere, user=carol)

    response = invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation")
    assert (response.status_code, response.json()) == (200, {})
    assert not Invitee.objects.filter(calendar=calendar).exists()
    assert set(Availability.objects.all()) == {owners, kept}
    assert not Meet.objects.exists()
    assert invitee_client.get(f"/calendars/{calendar.id}").status_code == 403
    # Declining again: no longer an invitee.
    assert invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation/").status_code == 403


def test_the_owner_and_strangers_cannot_decline(owner_client, stranger_client, calendar, invitation):
    path = f"/calendars/{calendar.id}/invitee/remove-invitation/"
    assert owner_client.delete(path).status_code == 403
    response = stranger_client.delete(path)
    assert (response.status_code, response.json()) == (403, {"detail": "Not owner or invitee"})
    assert Invitee.objects.count() == 1


def test_declining_after_the_deadline_is_allowed(invitee_client, calendar, invitation):
    with time_machine.travel(invitation.deadline + dt.timedelta(days=1), tick=False):
        response = invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation")
    assert response.status_code == 200
    assert not Invitee.objects.exists()


def test_declining_a_finalized_calendar_is_410(invitee_client, calendar, invitation):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    response = invitee_client.delete(f"/calendars/{calendar.id}/invitee/remove-invitation")
    assert (response.status_code, response.json()) == (410, {"detail": "Calendar is finalized"})
    assert Invitee.objects.count() == 1


# availabilities/bulk-delete ----------------------------------------------------------------


@pytest.fixture
def windows(calendar, invitation):
    """Two windows each for the owner, carol and dave (both invited)."""
    dave = InviteeFactory(calendar=calendar).invitee
    return [
        AvailabilityFactory(
            calendar=calendar, user=user, start_period=dt.datetime(2030, 4, 2, hour, tzinfo=dt.UTC)
        )
        for hour in (9, 12)
        for user in (calendar.owner, invitation.invitee, dave)
    ]


def test_bulk_delete_removes_only_the_callers_windows_in_this_calendar(
    invitee_client, calendar, invitation, windows
):
    AvailabilityFactory(user=invitation.invitee)  # carol's window in another calendar
    expected = set(Availability.objects.exclude(calendar=calendar, user=invitation.invitee))
    response = invitee_client.delete(f"/calendars/{calendar.id}/availabilities/bulk-delete")
    assert (response.status_code, response.json()) == (200, {})
    assert set(Availability.objects.all()) == expected
    assert Availability.objects.filter(calendar=calendar).count() == 4


def test_bulk_delete_by_the_owner_keeps_the_invitees_windows(owner_client, calendar, windows):
    assert owner_client.delete(f"/calendars/{calendar.id}/availabilities/bulk-delete/").status_code == 200
    assert not Availability.objects.filter(calendar=calendar, user=calendar.owner).exists()
    assert Availability.objects.filter(calendar=calendar).count() == 4


def test_bulk_delete_with_nothing_to_delete_is_fine(owner_client, calendar):
    response = owner_client.delete(f"/calendars/{calendar.id}/availabilities/bulk-delete")
    assert (response.status_code, response.json()) == (200, {})


def test_bulk_delete_is_not_a_window_id(owner_client, calendar):
    """`bulk-delete` only answers DELETE; a GET is not read as an availability id."""
    assert owner_client.get(f"/calendars/{calendar.id}/availabilities/bulk-delete").status_code == 405


def test_status_includes_finalized_and_past_deadline_invitations(invitee_client, invitee_user):
    """`status` says what is missing; the calendar's own fields say if it can still be given."""
    finalized = CalendarFactory(finalized=True)
    InviteeFactory(calendar=finalized, invitee=invitee_user)
    closed = CalendarFactory(start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 1, 2))
    InviteeFactory(calendar=closed, invitee=invitee_user)
    assert set(ids(invitee_client.get("/calendars/status"))) >= {finalized.id, closed.id}


@pytest.mark.parametrize("suffix", ["invitee/remove-invitation", "availabilities/bulk-delete"])
def test_deletes_that_ignore_their_body_still_reject_one_that_does_not_parse(
    invitee_client, calendar, invitation, suffix
):
    AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    response = invitee_client.generic(
        "DELETE", f"/calendars/{calendar.id}/{suffix}", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert Invitee.objects.count() == 1 and Availability.objects.count() == 1
