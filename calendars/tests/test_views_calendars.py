"""`/calendars/` and `/calendars/{id}`: list, create, read, rename, delete, finalize (CONTRACT 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory

pytestmark = pytest.mark.django_db

VALID = {"name": "Review session", "start_date": "2030-04-01", "end_date": "2030-04-05"}
FIELDS = {
    "id",
    "name",
    "start_date",
    "end_date",
    "finalized",
    "owner",
    "owner_username",
    "timezone",
    "meeting_duration",
}


# List --------------------------------------------------------------------------------------


def test_it_lists_only_the_callers_own_calendars_by_id(owner_client, owner, invitation):
    mine = [CalendarFactory(owner=owner) for _ in range(2)]
    CalendarFactory()  # someone else's
    CalendarFactory(owner=UserFactory()).invitees.create(invitee=owner, deadline=invitation.deadline)
    response = owner_client.get("/calendars/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [invitation.calendar_id] + [c.id for c in mine]


def test_it_lists_calendars_in_one_query(owner_client, owner, django_assert_num_queries):
    for _ in range(3):
        CalendarFactory(owner=owner)
    # 1. the calendars joined with their owner (owner_username)
    with django_assert_num_queries(1):
        response = owner_client.get("/calendars/")
    assert len(response.json()) == 3


def test_it_pages_the_list_only_when_asked(owner_client, owner):
    for _ in range(3):
        CalendarFactory(owner=owner)
    assert isinstance(owner_client.get("/calendars/").json(), list)
    page = owner_client.get("/calendars/?limit=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None and page["previous"] is None
    assert len(owner_client.get("/calendars/?offset=2").json()["results"]) == 1


def test_it_answers_with_and_without_the_trailing_slash(owner_client, calendar):
    for path in ("/calendars", "/calendars/", f"/calendars/{calendar.id}", f"/calendars/{calendar.id}/"):
        response = owner_client.get(path)
        assert response.status_code == 200, path


# Create ------------------------------------------------------------------------------------


def test_it_creates_a_calendar_with_200_and_defaults(owner_client, owner):
    response = owner_client.post("/calendars/", VALID)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body | {"id": 0} == {
        "id": 0,
        "name": "Review session",
        "start_date": "2030-04-01",
        "end_date": "2030-04-05",
        "finalized": False,
        "owner": owner.id,
        "owner_username": "alice",
        "timezone": "UTC",
        "meeting_duration": 30,
    }
    assert Calendar.objects.get(pk=body["id"]).owner == owner


def test_it_creates_a_calendar_with_timezone_and_duration(owner_client):
    response = owner_client.post(
        "/calendars/", {**VALID, "timezone": "America/Toronto", "meeting_duration": 45}
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/Toronto"
    assert response.json()["meeting_duration"] == 45


def test_it_accepts_a_form_encoded_body(owner_client):
    """The coreapi client may send form data."""
    response = owner_client.post("/calendars/", VALID, format="multipart")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "dates",
    [
        {"start_date": "2030-04-01", "end_date": "2030-04-01"},  # a one-day calendar
        {"start_date": "2020-01-01", "end_date": "2020-01-31"},  # in the past: imports, records
        {"start_date": "2028-02-29", "end_date": "2028-02-29"},  # a leap day
    ],
)
def test_it_accepts_valid_date_ranges(owner_client, dates):
    assert owner_client.post("/calendars/", {**VALID, **dates}).status_code == 200


def test_it_ignores_owner_and_finalized_in_the_body(owner_client, owner, stranger):
    response = owner_client.post("/calendars/", {**VALID, "owner": stranger.id, "finalized": True})
    assert response.status_code == 200
    calendar = Calendar.objects.get(pk=response.json()["id"])
    assert (calendar.owner, calendar.finalized) == (owner, False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"start_date": None}, "start_date"),
        ({"end_date": None}, "end_date"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": ["a"]}, "name"),
        ({"start_date": "2030-13-01"}, "start_date"),
        ({"start_date": "2030-02-30"}, "start_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": 20300401}, "start_date"),
        ({"end_date": "2030-04-01T10:00:00Z"}, "end_date"),
        ({"end_date": "2030-03-31"}, "end_date"),  # before the start
        ({"start_date": "1800-01-01"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"meeting_duration": 7}, "meeting_duration"),
        ({"meeting_duration": 0}, "meeting_duration"),
        ({"meeting_duration": 485}, "meeting_duration"),
        ({"meeting_duration": "half an hour"}, "meeting_duration"),
        ({"meeting_duration": 10**30}, "meeting_duration"),
    ],
)
def test_it_rejects_bad_calendar_input_naming_the_field(owner_client, change, field):
    body = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    response = owner_client.post("/calendars/", body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Calendar.objects.exists()


def test_it_says_which_fields_are_required(owner_client):
    response = owner_client.post("/calendars/", {})
    assert response.status_code == 400
    assert response.json() == {
        field: ["This field is required."] for field in ("name", "start_date", "end_date")
    }


def test_it_rejects_malformed_json(owner_client):
    response = owner_client.generic("POST", "/calendars/", '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_rejects_a_non_object_json_body(owner_client):
    response = owner_client.post("/calendars/", [1, 2], format="json")
    assert response.status_code == 400


# Read --------------------------------------------------------------------------------------


def test_the_owner_and_an_invitee_read_the_calendar(owner_client, invitee_client, calendar):
    for client in (owner_client, invitee_client):
        response = client.get(f"/calendars/{calendar.id}")
        assert response.status_code == 200
        assert response.json()["name"] == "Office hours"
        assert set(response.json()) == FIELDS


def test_a_stranger_gets_403_and_nothing_of_the_calendar(stranger_client, calendar):
    response = stranger_client.get(f"/calendars/{calendar.id}/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Not owner or invitee"}


@pytest.mark.parametrize(
    "path", ["/calendars/999999/", "/calendars/abc/", "/calendars/99999999999999999999999/"]
)
def test_a_missing_calendar_is_404(owner_client, path):
    assert owner_client.get(path).status_code == 404


# Update ------------------------------------------------------------------------------------


def test_the_owner_renames_the_calendar(owner_client, calendar):
    response = owner_client.put(f"/calendars/{calendar.id}", {"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert set(response.json()) == FIELDS
    calendar.refresh_from_db()
    assert calendar.name == "Renamed"


def test_the_owner_may_resend_the_unchanged_dates(owner_client, calendar):
    """The coreapi client sends name, start_date and end_date on update."""
    body = {"name": "Renamed", "start_date": "2030-04-01", "end_date": "2030-04-05"}
    assert owner_client.put(f"/calendars/{calendar.id}", body).status_code == 200


@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_the_dates_cannot_be_changed(owner_client, calendar, field):
    response = owner_client.put(f"/calendars/{calendar.id}", {"name": "Renamed", field: "2030-04-03"})
    assert response.status_code == 400
    assert "cannot be changed after the calendar is created" in response.json()[field][0]
    calendar.refresh_from_db()
    assert (calendar.name, calendar.start_date, calendar.end_date) == (
        "Office hours",
        dt.date(2030, 4, 1),
        dt.date(2030, 4, 5),
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "start_date": "garbage"}, "start_date"),
        ({"name": "ok", "timezone": "Nowhere/Town"}, "timezone"),
        ({"name": "ok", "meeting_duration": 12}, "meeting_duration"),
    ],
)
def test_it_rejects_a_bad_update(owner_client, calendar, body, field):
    response = owner_client.put(f"/calendars/{calendar.id}", body)
    assert response.status_code == 400
    assert field in response.json()


def test_patch_changes_only_what_is_sent(owner_client, calendar):
    response = owner_client.patch(f"/calendars/{calendar.id}", {"meeting_duration": 60})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["meeting_duration"]) == ("Office hours", 60)


def test_the_owner_cannot_change_the_owner_or_finalized_through_update(owner_client, calendar, stranger):
    response = owner_client.put(
        f"/calendars/{calendar.id}", {"name": "x", "owner": stranger.id, "finalized": True}
    )
    assert response.status_code == 200
    calendar.refresh_from_db()
    assert (calendar.owner_id, calendar.finalized) == (calendar.owner.id, False)


def test_an_invitee_cannot_write_the_calendar(invitee_client, calendar):
    path = f"/calendars/{calendar.id}"
    assert invitee_client.put(path, {"name": "Mine now"}).status_code == 403
    assert invitee_client.patch(path, {"name": "Mine now"}).status_code == 403
    assert invitee_client.delete(path).status_code == 403
    assert invitee_client.put(f"{path}/finalize/").status_code == 403
    calendar.refresh_from_db()
    assert (calendar.name, calendar.finalized) == ("Office hours", False)


def test_the_timezone_can_change_while_no_window_falls_outside(owner_client, calendar):
    AvailabilityFactory(calendar=calendar, start_period=dt.datetime(2030, 4, 2, 14, tzinfo=dt.UTC))
    response = owner_client.patch(f"/calendars/{calendar.id}", {"timezone": "America/Toronto"})
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/Toronto"


def test_the_timezone_cannot_change_when_a_window_would_fall_outside(owner_client, calendar):
    """01:00 UTC on April 1st is March 31st in Toronto: outside the calendar there."""
    AvailabilityFactory(calendar=calendar, start_period=dt.datetime(2030, 4, 1, 1, tzinfo=dt.UTC))
    response = owner_client.patch(f"/calendars/{calendar.id}", {"timezone": "America/Toronto"})
    assert response.status_code == 400
    assert "timezone" in response.json()
    calendar.refresh_from_db()
    assert calendar.timezone == "UTC"


def test_the_meeting_duration_cannot_change_while_a_schedule_exists(owner_client, calendar):
    MeetFactory(calendar=calendar)
    response = owner_client.patch(f"/calendars/{calendar.id}", {"meeting_duration": 60})
    assert response.status_code == 400
    assert "meeting_duration" in response.json()
    # Sending the current value is not a change.
    response = owner_client.put(f"/calendars/{calendar.id}", {"name": "x", "meeting_duration": 30})
    assert response.status_code == 200


# Delete ------------------------------------------------------------------------------------


def test_the_owner_deletes_the_calendar_and_everything_in_it(owner_client, calendar, invitation):
    AvailabilityFactory(calendar=calendar)
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    other = AvailabilityFactory()
    response = owner_client.delete(f"/calendars/{calendar.id}/")
    assert response.status_code == 200
    assert response.json() == {}
    assert not Calendar.objects.filter(pk=calendar.id).exists()
    assert not Invitee.objects.exists() and not Meet.objects.exists()
    assert list(Availability.objects.all()) == [other]
    assert owner_client.get(f"/calendars/{calendar.id}/").status_code == 404


# Finalize ----------------------------------------------------------------------------------


def test_the_owner_finalizes_once(owner_client, calendar):
    response = owner_client.put(f"/calendars/{calendar.id}/finalize/")
    assert response.status_code == 200
    assert response.json() == {"detail": "Calendar has been successfully finalized."}
    calendar.refresh_from_db()
    assert calendar.finalized
    again = owner_client.put(f"/calendars/{calendar.id}/finalize")
    assert again.status_code == 400
    assert again.json() == {"detail": "This calendar is already finalized."}


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_finalize_ignores_the_fields_the_coreapi_client_sends(owner_client, calendar, fmt):
    body = {"name": "ignored", "start_date": "not even a date", "end_date": "2000-01-01"}
    response = owner_client.put(f"/calendars/{calendar.id}/finalize/", body, format=fmt)
    assert response.status_code == 200
    calendar.refresh_from_db()
    assert (calendar.name, calendar.start_date, calendar.finalized) == (
        "Office hours",
        dt.date(2030, 4, 1),
        True,
    )


def test_finalize_rejects_a_body_that_does_not_parse(owner_client, calendar):
    response = owner_client.generic(
        "PUT", f"/calendars/{calendar.id}/finalize/", "{oops", content_type="application/json"
    )
    assert response.status_code == 400
    calendar.refresh_from_db()
    assert not calendar.finalized


def test_a_finalized_calendar_reads_but_refuses_rename(owner_client, invitee_client, calendar):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    assert owner_client.get(f"/calendars/{calendar.id}").json()["finalized"] is True
    assert invitee_client.get(f"/calendars/{calendar.id}").status_code == 200
    response = owner_client.put(f"/calendars/{calendar.id}", {"name": "Too late"})
    assert response.status_code == 410
    assert response.json() == {"detail": "Calendar is finalized"}
    assert owner_client.patch(f"/calendars/{calendar.id}", {"name": "Too late"}).status_code == 410
    calendar.refresh_from_db()
    assert calendar.name == "Office hours"


def test_the_owner_can_still_delete_a_finalized_calendar(owner_client, calendar):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    assert owner_client.delete(f"/calendars/{calendar.id}").status_code == 200
    assert not Calendar.objects.exists()


def test_an_unsupported_method_is_405(owner_client, calendar):
    assert owner_client.post(f"/calendars/{calendar.id}/", {}).status_code == 405
    assert owner_client.get(f"/calendars/{calendar.id}/finalize/").status_code == 405
    assert owner_client.delete("/calendars/").status_code == 405


def test_anonymous_gets_401_with_a_challenge(api_client, calendar):
    response = api_client.get(f"/calendars/{calendar.id}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_invitee_invited_to_someone_elses_calendar_sees_only_their_invitation_calendar(
    client_for, calendar, invitation
):
    """An invitee of one calendar is a stranger to the owner's other calendars."""
    other = CalendarFactory(owner=calendar.owner)
    client = client_for(invitation.invitee)
    assert client.get(f"/calendars/{other.id}").status_code == 403
    InviteeFactory(calendar=other, invitee=invitation.invitee)
    assert client.get(f"/calendars/{other.id}").status_code == 200


def test_reading_a_calendar_takes_one_query_per_role_check(
    owner_client, invitee_client, calendar, django_assert_num_queries
):
    # 1. the calendar joined with its owner
    with django_assert_num_queries(1):
        assert owner_client.get(f"/calendars/{calendar.id}").status_code == 200
    # 1. the calendar joined with its owner  2. the caller's invitation
    with django_assert_num_queries(2):
        assert invitee_client.get(f"/calendars/{calendar.id}").status_code == 200
