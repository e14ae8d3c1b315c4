"""`/calendars/{calendar_id}/schedule/`: read, generate, edit and delete the schedule (CONTRACT
section 7).

alice owns `calendar` (2030-04-01 to 2030-04-05, UTC, 30-minute meetings) and carol is invited
(`calendars/tests/conftest.py`); bob is a stranger.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from calendars import services
from calendars.models import Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

WRITES = ("POST", "PUT", "DELETE")
EMPTY_EDIT = {"meets": []}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 4, day, hour, minute, tzinfo=dt.UTC)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def url(calendar, slash: bool = True) -> str:
    return f"/calendars/{calendar.id}/schedule" + ("/" if slash else "")


def invite(calendar, username: str):
    """A new contact of the owner, invited to `calendar`."""
    user = UserFactory(username=username)
    ContactFactory(requester=calendar.owner, requested=user)
    InviteeFactory(calendar=calendar, invitee=user)
    return user


def window(calendar, user, start: dt.datetime, end: dt.datetime, preference: int = 2):
    return AvailabilityFactory(
        calendar=calendar, user=user, start_period=start, end_period=end, preference=preference
    )


def stored(calendar):
    """The calendar's meetings as (meeter, start, end), in id order."""
    return list(
        Meet.objects.filter(calendar=calendar)
        .order_by("id")
        .values_list("meeter_id", "start_period", "end_period")
    )


def snapshot():
    return list(
        Meet.objects.order_by("id").values_list(
            "id", "calendar_id", "meeter_id", "start_period", "end_period"
        )
    )


def send(client, method: str, path: str, body=None):
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, path, data=data, content_type="application/json")


def meet_json(meet) -> dict:
    return {
        "id": meet.id,
        "calendar": meet.calendar_id,
        "meeter": meet.meeter_id,
        "meeter_username": meet.meeter.username,
        "start_period": utc(meet.start_period),
        "end_period": utc(meet.end_period),
    }


@pytest.fixture
def competition(calendar, invitation):
    """Three invitees competing for the owner's only hour, plus two who cannot be scheduled.

    alice is free 14:00-15:00 (preference 2). carol can do the whole hour (3), dave only
    14:00-14:30 (2), erin only 14:30-15:00 (1); frank submitted nothing; gina is free only
    when alice is not. Two meetings fit. Of the pairs, dave 14:00 + carol 14:30 has the
    highest preference total, (2+2) + (2+3) = 9, against 8 for carol 14:00 + erin 14:30 (what
    taking the first invitee at the earliest time gives) and 7 for dave + erin.
    """
    owner, carol = calendar.owner, invitation.invitee
    dave, erin, frank, gina = (invite(calendar, name) for name in ("dave", "erin", "frank", "gina"))
    window(calendar, owner, at(2, 14), at(2, 15), 2)
    window(calendar, carol, at(2, 14), at(2, 15), 3)
    window(calendar, dave, at(2, 14), at(2, 14, 30), 2)
    window(calendar, erin, at(2, 14, 30), at(2, 15), 1)
    window(calendar, gina, at(3, 9), at(3, 12), 3)
    return {"carol": carol, "dave": dave, "erin": erin, "frank": frank, "gina": gina}


# GET ---------------------------------------------------------------------------------------


def test_the_owner_lists_every_meeting_by_id(owner_client, calendar, invitation):
    dave = invite(calendar, "dave")
    later = MeetFactory(calendar=calendar, meeter=invitation.invitee, start_period=at(3, 10))
    earlier = MeetFactory(calendar=calendar, meeter=dave, start_period=at(2, 9))
    MeetFactory(calendar=CalendarFactory(owner=calendar.owner), meeter=dave)  # another calendar
    response = owner_client.get(url(calendar))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": later.id,
            "calendar": calendar.id,
            "meeter": invitation.invitee_id,
            "meeter_username": "carol",
            "start_period": "2030-04-03T10:00:00Z",
            "end_period": "2030-04-03T10:30:00Z",
        },
        meet_json(earlier),
    ]


def test_an_invitee_sees_only_their_own_meeting(invitee_client, calendar, invitation):
    dave = invite(calendar, "dave")
    MeetFactory(calendar=calendar, meeter=dave, start_period=at(2, 9))
    own = MeetFactory(calendar=calendar, meeter=invitation.invitee, start_period=at(2, 10))
    response = invitee_client.get(url(calendar))
    assert response.status_code == 200
    assert response.json() == [meet_json(own)]


def test_an_invitee_without_a_meeting_sees_an_empty_list(invitee_client, calendar):
    MeetFactory(calendar=calendar, meeter=invite(calendar, "dave"))
    assert invitee_client.get(url(calendar)).json() == []


def test_the_list_answers_with_and_without_the_trailing_slash_and_pages_when_asked(
    owner_client, calendar, invitation
):
    meets = [
        MeetFactory(calendar=calendar, meeter=invite(calendar, f"u{i}"), start_period=at(2, 9 + i))
        for i in range(3)
    ]
    assert owner_client.get(url(calendar, slash=False)).json() == owner_client.get(url(calendar)).json()
    page = owner_client.get(url(calendar) + "?limit=2&offset=1").json()
    assert page["count"] == 3
    assert [m["id"] for m in page["results"]] == [meets[1].id, meets[2].id]


def test_the_list_costs_the_same_queries_for_any_number_of_meetings(
    owner_client, invitee_client, calendar, invitation, django_assert_num_queries
):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    for i in range(5):
        MeetFactory(calendar=calendar, meeter=invite(calendar, f"u{i}"), start_period=at(3, 9 + i))
    # 1. the calendar (with its owner)  2. the meetings joined with their meeter
    with django_assert_num_queries(2):
        assert len(owner_client.get(url(calendar)).json()) == 6
    # 1. the calendar  2. the caller's invitation  3. their meeting
    with django_assert_num_queries(3):
        assert len(invitee_client.get(url(calendar)).json()) == 1


# Roles and errors, every method ------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", *WRITES])
def test_a_missing_calendar_is_404(owner_client, method):
    response = send(
        owner_client, method, "/calendars/999999/schedule/", EMPTY_EDIT if method == "PUT" else None
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


@pytest.mark.parametrize("method", ["GET", *WRITES])
def test_anonymous_callers_get_401(api_client, calendar, method):
    response = send(api_client, method, url(calendar), EMPTY_EDIT if method == "PUT" else None)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


@pytest.mark.parametrize(
    ("method", "message"),
    [("GET", "Not owner or invitee"), ("POST", "Not owner"), ("PUT", "Not owner"), ("DELETE", "Not owner")],
)
def test_a_stranger_gets_403_on_every_method(stranger_client, calendar, invitation, method, message):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    before = snapshot()
    response = send(stranger_client, method, url(calendar), EMPTY_EDIT if method == "PUT" else None)
    assert (response.status_code, response.json()) == (403, {"detail": message})
    assert snapshot() == before


@pytest.mark.parametrize("method", WRITES)
def test_an_invitee_cannot_write_the_schedule(invitee_client, calendar, invitation, method):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    window(calendar, calendar.owner, at(2, 9), at(2, 12))
    before = snapshot()
    response = send(invitee_client, method, url(calendar), EMPTY_EDIT if method == "PUT" else None)
    assert (response.status_code, response.json()) == (403, {"detail": "Not owner"})
    assert snapshot() == before


@pytest.mark.parametrize(("method", "body"), [("POST", None), ("PUT", EMPTY_EDIT), ("DELETE", None)])
def test_a_finalized_calendar_refuses_every_write_with_410(owner_client, calendar, competition, method, body):
    MeetFactory(calendar=calendar, meeter=competition["carol"], start_period=at(4, 9))
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    before = snapshot()
    response = send(owner_client, method, url(calendar), body)
    assert (response.status_code, response.json()) == (410, {"detail": "Calendar is finalized"})
    assert snapshot() == before


def test_a_finalized_calendar_still_lists_its_schedule(owner_client, invitee_client, calendar, invitation):
    meet = MeetFactory(calendar=calendar, meeter=invitation.invitee)
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    assert owner_client.get(url(calendar)).json() == [meet_json(meet)]
    assert invitee_client.get(url(calendar)).json() == [meet_json(meet)]


def test_patch_is_not_allowed(owner_client, calendar):
    response = send(owner_client, "PATCH", url(calendar), EMPTY_EDIT)
    assert response.status_code == 405


# POST: generate ----------------------------------------------------------------------------


def test_it_generates_the_optimal_schedule_and_says_who_is_left_out_and_why(
    owner_client, calendar, competition
):
    response = owner_client.post(url(calendar))
    assert response.status_code == 200
    meets = list(Meet.objects.filter(calendar=calendar).order_by("id"))
    assert response.json() == {
        "detail": "Schedule created successfully.",
        "meets": [meet_json(meet) for meet in meets],
        "unscheduled": [
            {"invitee": competition["erin"].id, "invitee_username": "erin", "reason": "taken"},
            {"invitee": competition["frank"].id, "invitee_username": "frank", "reason": "no_availability"},
            {"invitee": competition["gina"].id, "invitee_username": "gina", "reason": "no_common_time"},
        ],
        "optimal": True,
    }
    assert [(m["meeter_username"], m["start_period"], m["end_period"]) for m in response.json()["meets"]] == [
        ("dave", "2030-04-02T14:00:00Z", "2030-04-02T14:30:00Z"),
        ("carol", "2030-04-02T14:30:00Z", "2030-04-02T15:00:00Z"),
    ]
    assert owner_client.get(url(calendar)).json() == response.json()["meets"]


def test_it_gives_the_same_schedule_every_time(owner_client, calendar, competition):
    first = owner_client.post(url(calendar)).json()
    second = owner_client.post(url(calendar)).json()
    strip = [[(m["meeter"], m["start_period"]) for m in answer["meets"]] for answer in (first, second)]
    assert strip[0] == strip[1]
    assert first["unscheduled"] == second["unscheduled"]


def test_generating_replaces_the_old_schedule(owner_client, calendar, competition):
    stale = [
        MeetFactory(calendar=calendar, meeter=competition["erin"], start_period=at(5, 9)),
        MeetFactory(calendar=calendar, meeter=competition["frank"], start_period=at(5, 10)),
    ]
    elsewhere = MeetFactory(calendar=CalendarFactory(owner=calendar.owner), meeter=competition["erin"])
    response = owner_client.post(url(calendar))
    assert response.status_code == 200
    assert not Meet.objects.filter(pk__in=[m.pk for m in stale]).exists()
    assert Meet.objects.filter(pk=elsewhere.pk).exists()
    assert stored(calendar) == [
        (competition["dave"].id, at(2, 14), at(2, 14, 30)),
        (competition["carol"].id, at(2, 14, 30), at(2, 15)),
    ]


def test_an_owner_without_windows_leaves_everyone_out(owner_client, calendar, competition):
    calendar.availabilities.filter(user=calendar.owner).delete()
    MeetFactory(calendar=calendar, meeter=competition["carol"])
    response = owner_client.post(url(calendar))
    assert response.status_code == 200
    body = response.json()
    assert (body["meets"], body["optimal"]) == ([], True)
    assert {(u["invitee_username"], u["reason"]) for u in body["unscheduled"]} == {
        ("carol", "no_common_time"),
        ("dave", "no_common_time"),
        ("erin", "no_common_time"),
        ("frank", "no_availability"),
        ("gina", "no_common_time"),
    }
    assert not Meet.objects.filter(calendar=calendar).exists()


def test_a_calendar_without_invitees_gets_an_empty_schedule(owner_client, calendar):
    window(calendar, calendar.owner, at(2, 9), at(2, 12))
    body = owner_client.post(url(calendar)).json()
    assert body == {
        "detail": "Schedule created successfully.",
        "meets": [],
        "unscheduled": [],
        "optimal": True,
    }


def test_meetings_have_the_calendars_duration_and_follow_its_timezone(client_for, owner):
    """A Toronto calendar of 45-minute meetings: windows typed in local time, meetings in UTC."""
    toronto = CalendarFactory(owner=owner, timezone="America/Toronto", meeting_duration=45)
    carol = invite(toronto, "carol")
    body = {"start_period": "2030-04-02T09:00:00", "end_period": "2030-04-02T10:00:00", "preference": 2}
    for user in (owner, carol):
        assert client_for(user).post(f"/calendars/{toronto.id}/availabilities/", body).status_code == 200
    answer = client_for(owner).post(url(toronto)).json()
    assert [(m["meeter_username"], m["start_period"], m["end_period"]) for m in answer["meets"]] == [
        ("carol", "2030-04-02T13:00:00Z", "2030-04-02T13:45:00Z")  # 09:00 EDT
    ]


def test_hour_blocks_written_hh00_to_hh59_make_one_stretch(owner_client, calendar, invitation):
    """The web client writes hours as 14:00-14:59, 15:00-15:59: a 60-minute meeting across the
    seam must still be found (the original system could not)."""
    Calendar.objects.filter(pk=calendar.pk).update(meeting_duration=60)
    calendar.refresh_from_db()
    for user in (calendar.owner, invitation.invitee):
        window(calendar, user, at(2, 14, 30), at(2, 14, 59))
        window(calendar, user, at(2, 15), at(2, 15, 59))
    body = owner_client.post(url(calendar)).json()
    assert [(m["start_period"], m["end_period"]) for m in body["meets"]] == [
        ("2030-04-02T14:30:00Z", "2030-04-02T15:30:00Z")
    ]


def test_an_invitee_who_is_no_longer_invited_is_never_scheduled(owner_client, calendar, competition):
    """Their windows may outlive the invitation (e.g. rows written before it was removed)."""
    Invitee.objects.filter(calendar=calendar, invitee=competition["dave"]).delete()
    body = owner_client.post(url(calendar)).json()
    everyone = [m["meeter"] for m in body["meets"]] + [u["invitee"] for u in body["unscheduled"]]
    assert competition["dave"].id not in everyone
    # Without dave, carol takes 14:00 (earliest) and erin 14:30: (2+3) + (2+1).
    assert [(m["meeter_username"], m["start_period"]) for m in body["meets"]] == [
        ("carol", "2030-04-02T14:00:00Z"),
        ("erin", "2030-04-02T14:30:00Z"),
    ]


def test_removing_an_invitee_removes_their_meeting(owner_client, calendar, competition):
    owner_client.post(url(calendar))
    invitation = Invitee.objects.get(calendar=calendar, invitee=competition["dave"])
    assert owner_client.delete(f"/calendars/{calendar.id}/invitee/{invitation.id}/").status_code == 200
    assert [m["meeter_username"] for m in owner_client.get(url(calendar)).json()] == ["carol"]


def test_declining_removes_the_decliners_meeting(owner_client, client_for, calendar, competition):
    owner_client.post(url(calendar))
    carol = client_for(competition["carol"])
    assert carol.get(url(calendar)).json()[0]["meeter_username"] == "carol"
    assert carol.delete(f"/calendars/{calendar.id}/invitee/remove-invitation").status_code == 200
    assert carol.get(url(calendar)).status_code == 403
    assert [m["meeter_username"] for m in owner_client.get(url(calendar)).json()] == ["dave"]


def test_it_says_when_the_time_limit_stopped_the_search(owner_client, calendar, competition, settings):
    """With no time for the solver, the schedule is a fast feasible one, flagged not optimal."""
    settings.SCHEDULER_TIME_LIMIT_SECONDS = 0
    body = owner_client.post(url(calendar)).json()
    assert body["optimal"] is False
    starts = sorted(m["start_period"] for m in body["meets"])
    assert len(set(m["meeter"] for m in body["meets"])) == len(body["meets"]) >= 1
    assert starts == sorted(set(starts))
    assert stored(calendar) == [
        (
            m["meeter"],
            dt.datetime.fromisoformat(m["start_period"]),
            dt.datetime.fromisoformat(m["end_period"]),
        )
        for m in body["meets"]
    ]


def _calendar_with_invitees(owner, count: int):
    """A calendar where `count` (at most 32) invitees each have two windows the owner shares."""
    calendar = CalendarFactory(owner=owner)
    window(calendar, owner, at(1, 9), at(1, 17), 2)
    window(calendar, owner, at(2, 9), at(2, 17), 3)
    for i in range(count):
        user = invite(calendar, f"student{count}_{i}")
        window(calendar, user, at(1 + i % 2, 9), at(1 + i % 2, 17), 1 + i % 3)
        window(calendar, user, at(2, 13), at(2, 14), 3)
    return calendar


def test_generating_costs_the_same_queries_for_3_and_for_30_invitees(
    owner_client, owner, django_assert_num_queries
):
    """No query per invitee. With the test's surrounding transaction, `atomic()` is a savepoint:
    1. the calendar (with its owner) named in the URL
    2. SAVEPOINT  3. the calendar row, locked  4. the current invitations with their users
    5. the owner's and those invitees' availabilities  6. DELETE the old meetings
    7. INSERT the new meetings  8. RELEASE SAVEPOINT
    """
    small, large = _calendar_with_invitees(owner, 3), _calendar_with_invitees(owner, 30)
    for calendar, scheduled in ((small, 3), (large, 30)):
        with django_assert_num_queries(8):
            response = owner_client.post(url(calendar))
        assert len(response.json()["meets"]) == scheduled


# PUT: the owner's own schedule -------------------------------------------------------------


def test_the_owner_replaces_the_schedule_with_their_own(owner_client, calendar, competition):
    MeetFactory(calendar=calendar, meeter=competition["frank"], start_period=at(5, 9))
    edit = {
        "meets": [
            {
                "meeter": competition["gina"].id,
                "start_period": "2030-04-03T11:00:00Z",
            },  # outside availability
            {
                "meeter": competition["carol"].id,
                "start_period": "2030-04-02T16:30:00+02:00",
                "end_period": "2030-04-02T15:00:00Z",
            },
        ]
    }
    response = owner_client.put(url(calendar), edit)
    assert response.status_code == 200
    meets = list(Meet.objects.filter(calendar=calendar).order_by("id"))
    assert response.json() == [meet_json(meet) for meet in meets]
    assert stored(calendar) == [  # stored in start order, so ids follow time
        (competition["carol"].id, at(2, 14, 30), at(2, 15)),
        (competition["gina"].id, at(3, 11), at(3, 11, 30)),
    ]
    assert owner_client.get(url(calendar)).json() == response.json()


def test_meetings_may_touch(owner_client, calendar, competition):
    edit = {
        "meets": [
            {"meeter": competition["carol"].id, "start_period": "2030-04-02T14:00:00Z"},
            {"meeter": competition["dave"].id, "start_period": "2030-04-02T14:30:00Z"},
        ]
    }
    assert owner_client.put(url(calendar), edit).status_code == 200
    assert len(stored(calendar)) == 2


def test_an_empty_edit_empties_the_schedule(owner_client, calendar, invitation):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    response = owner_client.put(url(calendar), EMPTY_EDIT)
    assert (response.status_code, response.json()) == (200, [])
    assert stored(calendar) == []


def test_times_without_an_offset_are_read_in_the_calendars_timezone(owner_client, owner):
    toronto = CalendarFactory(owner=owner, timezone="America/Toronto")
    carol = invite(toronto, "carol")
    response = owner_client.put(
        url(toronto), {"meets": [{"meeter": carol.id, "start_period": "2030-04-02T09:00:00"}]}
    )
    assert response.status_code == 200
    assert (response.json()[0]["start_period"], response.json()[0]["end_period"]) == (
        "2030-04-02T13:00:00Z",
        "2030-04-02T13:30:00Z",
    )


def test_a_form_body_sends_the_meetings_as_json_text(owner_client, calendar, invitation):
    meets = json.dumps([{"meeter": invitation.invitee_id, "start_period": "2030-04-02T10:00:00Z"}])
    response = owner_client.put(url(calendar), {"meets": meets}, format="multipart")
    assert response.status_code == 200
    assert stored(calendar) == [(invitation.invitee_id, at(2, 10), at(2, 10, 30))]
    response = owner_client.generic(
        "PUT", url(calendar), f"meets={meets}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


@pytest.fixture
def edit_world(calendar, invitation):
    """carol and dave invited; bob a stranger (not invited); toronto: a calendar across DST."""
    dave = invite(calendar, "dave")
    bob = UserFactory(username="bob")
    return {"carol": invitation.invitee_id, "dave": dave.id, "bob": bob.id, "alice": calendar.owner_id}


def item(who, start="2030-04-02T10:00:00Z", **extra):
    return {"meeter": who, "start_period": start, **extra}


NOT_INVITED = "Not an invitee of this calendar"
WINDOW_TEXT = (
    "The meeting must lie inside the calendar's window, 2030-04-01T00:00:00Z to 2030-04-06T00:00:00Z"
)
BAD_DATETIME = (
    "Datetime has wrong format. Use ISO 8601, e.g. 2030-04-01T14:00:00Z or 2030-04-01T10:00:00-04:00."
)
WRONG_END = "Must be start_period + the meeting duration (30 minutes): 2030-04-02T10:30:00Z"
REQUIRED = "This field is required."


def overlaps(index: int, start: str = "2030-04-02T10:00:00Z", end: str = "2030-04-02T10:30:00Z") -> str:
    return f"Overlaps the meeting at index {index} ({start} to {end})"


def errors_at(*per_index: tuple[int, dict]) -> dict:
    """The 400 body: errors keyed by the index of each faulty meeting (DRF's list shape)."""
    return {"meets": {str(index): fields for index, fields in per_index}}


PUT_ERRORS = [
    pytest.param(
        lambda w: {"meets": [item(999999)]}, errors_at((0, {"meeter": [NOT_INVITED]})), id="unknown user"
    ),
    pytest.param(
        lambda w: {"meets": [item(w["bob"])]},
        errors_at((0, {"meeter": [NOT_INVITED]})),
        id="user not invited",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["alice"])]}, errors_at((0, {"meeter": [NOT_INVITED]})), id="the owner"
    ),
    pytest.param(
        lambda w: {
            "meets": [
                item(w["carol"]),
                item(w["dave"], "2030-04-02T11:00:00Z"),
                item(w["carol"], "2030-04-03T10:00:00Z"),
            ]
        },
        errors_at((2, {"meeter": ["This invitee already has a meeting in this schedule (at index 0)"]})),
        id="meeter twice",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"], "2030-04-02T10:15:00Z"), item(w["dave"])]},
        errors_at((0, {"start_period": [overlaps(1)]})),
        id="overlap",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"]), item(w["dave"])]},
        errors_at((1, {"start_period": [overlaps(0)]})),
        id="same start",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"], "2030-03-31T23:45:00Z")]},
        errors_at((0, {"start_period": [WINDOW_TEXT]})),
        id="starts before the window",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"], "2030-04-05T23:45:00Z")]},
        errors_at((0, {"start_period": [WINDOW_TEXT]})),
        id="ends after the window",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"], end_period="2030-04-02T11:00:00Z")]},
        errors_at((0, {"end_period": [WRONG_END]})),
        id="wrong end_period",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"]), item("abc", "2030-04-02T11:00:00Z")]},
        errors_at((1, {"meeter": ["A valid integer is required."]})),
        id="non-numeric meeter",
    ),
    pytest.param(
        lambda w: {"meets": [item(10**30)]},
        errors_at((0, {"meeter": ["Ensure this value is less than or equal to 9223372036854775807."]})),
        id="huge meeter",
    ),
    pytest.param(
        lambda w: {"meets": [item(w["carol"], "next tuesday")]},
        errors_at((0, {"start_period": [BAD_DATETIME]})),
        id="bad datetime",
    ),
    pytest.param(
        lambda w: {"meets": [{}]},
        errors_at((0, {"meeter": [REQUIRED], "start_period": [REQUIRED]})),
        id="missing fields",
    ),
    pytest.param(lambda w: {}, {"meets": [REQUIRED]}, id="no meets"),
    pytest.param(lambda w: {"meets": None}, {"meets": ["This field may not be null."]}, id="null meets"),
    pytest.param(
        lambda w: {"meets": item(w["carol"])},
        {"meets": {"non_field_errors": ['Expected a list of items but got type "dict".']}},
        id="not a list",
    ),
    pytest.param(
        lambda w: {"meets": ["carol at ten"]},
        errors_at((0, {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]})),
        id="an item not an object",
    ),
    pytest.param(
        lambda w: {"meets": "[{not json"},
        {"meets": ["Not valid JSON: send a JSON array of meetings."]},
        id="text that is not json",
    ),
    pytest.param(
        lambda w: [item(w["carol"])],
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        id="a bare list",
    ),
]


@pytest.mark.parametrize(("make_body", "expected"), PUT_ERRORS)
def test_a_bad_edit_is_400_naming_the_meeting_and_field_and_changes_nothing(
    owner_client, calendar, edit_world, make_body, expected
):
    MeetFactory(calendar=calendar, meeter_id=edit_world["carol"], start_period=at(4, 9))
    before = snapshot()
    response = send(owner_client, "PUT", url(calendar), make_body(edit_world))
    assert (response.status_code, response.json()) == (400, expected)
    assert snapshot() == before


def test_a_local_time_in_the_dst_gap_asks_for_an_offset(owner_client, owner):
    """02:30 on 2030-03-10 does not exist in Toronto (clocks jump from 02:00 to 03:00)."""
    toronto = CalendarFactory(
        owner=owner, timezone="America/Toronto", start_date=dt.date(2030, 3, 9), end_date=dt.date(2030, 3, 11)
    )
    carol = invite(toronto, "carol")
    response = owner_client.put(url(toronto), {"meets": [item(carol.id, "2030-03-10T02:30:00")]})
    assert response.status_code == 400
    [message] = response.json()["meets"]["0"]["start_period"]
    assert "does not exist in America/Toronto" in message and "offset" in message
    assert stored(toronto) == []
    fixed = owner_client.put(url(toronto), {"meets": [item(carol.id, "2030-03-10T02:30:00-05:00")]})
    assert fixed.json()[0]["start_period"] == "2030-03-10T07:30:00Z"


def test_a_body_that_does_not_parse_is_400(owner_client, calendar, invitation):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    before = snapshot()
    response = owner_client.generic("PUT", url(calendar), '{"meets": [', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert snapshot() == before


def test_every_error_of_an_edit_is_reported_at_once(owner_client, calendar, edit_world):
    body = {"meets": [item(edit_world["bob"], end_period="2030-04-02T10:45:00Z"), item(edit_world["carol"])]}
    response = owner_client.put(url(calendar), body)
    assert response.json() == errors_at(
        (0, {"meeter": [NOT_INVITED], "end_period": [WRONG_END]}),
        (1, {"start_period": [overlaps(0)]}),
    )


def test_an_edit_costs_the_same_queries_for_any_number_of_meetings(
    owner_client, owner, django_assert_num_queries
):
    """1. the calendar  2. SAVEPOINT  3. the locked calendar row  4. the invitations with users
    5. DELETE the old meetings  6. INSERT the new ones  7. RELEASE SAVEPOINT"""
    for count in (2, 20):
        calendar = _calendar_with_invitees(owner, count)
        users = list(Invitee.objects.filter(calendar=calendar).values_list("invitee_id", flat=True))
        edit = {
            "meets": [
                item(user, utc(at(3, 9) + dt.timedelta(minutes=30 * i))) for i, user in enumerate(users)
            ]
        }
        with django_assert_num_queries(7):
            assert owner_client.put(url(calendar), edit).status_code == 200


# DELETE ------------------------------------------------------------------------------------


def test_the_owner_deletes_the_schedule(owner_client, calendar, invitation):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    other = MeetFactory(calendar=CalendarFactory(owner=calendar.owner), meeter=invitation.invitee)
    response = owner_client.delete(url(calendar, slash=False))
    assert (response.status_code, response.json()) == (200, {})
    assert stored(calendar) == []
    assert Meet.objects.filter(pk=other.pk).exists()
    assert owner_client.delete(url(calendar)).json() == {}  # nothing left to delete: still fine


# Concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_generates_and_edits_leave_exactly_one_whole_schedule(client_for, monkeypatch):
    """POSTs and PUTs fired at once on one calendar: each waits for the calendar row lock, so the
    final schedule is exactly one of the requested ones (never a mix, never duplicated).

    The solver is slowed down while it holds the lock, so without the lock the writers would
    interleave their DELETE and INSERT.
    """
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writers itself")
    owner = UserFactory(username="alice")
    calendar = CalendarFactory(owner=owner)
    students = [invite(calendar, f"student{i}") for i in range(6)]
    window(calendar, owner, at(2, 9), at(2, 12))
    for i, student in enumerate(students):
        window(calendar, student, at(2, 9 + i // 2), at(2, 10 + i // 2))

    generated = client_for(owner).post(url(calendar)).json()["meets"]
    expected = {"generated": sorted((m["meeter"], m["start_period"]) for m in generated)}
    edits = {}
    for k in range(4):  # each edit schedules a different subset at different times
        chosen = students[k : k + 3]
        edits[f"edit{k}"] = [
            item(s.id, utc(at(3, 9 + k) + dt.timedelta(minutes=30 * j))) for j, s in enumerate(chosen)
        ]
        expected[f"edit{k}"] = sorted((m["meeter"], m["start_period"]) for m in edits[f"edit{k}"])

    real_schedule = services.scheduling.schedule

    def slow_schedule(**kwargs):
        time.sleep(0.2)  # while holding the lock
        return real_schedule(**kwargs)

    monkeypatch.setattr(services.scheduling, "schedule", slow_schedule)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def fire(method: str, body) -> None:
        try:
            client = client_for(owner)
            barrier.wait(timeout=30)
            response = send(client, method, url(calendar), body)
            statuses.append(response.status_code)
        finally:
            connection.close()

    jobs = [("POST", None)] * 4 + [("PUT", {"meets": meets}) for meets in edits.values()]
    threads = [threading.Thread(target=fire, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 8
    final = sorted((meeter, utc(start)) for meeter, start, _ in stored(calendar))
    assert final in expected.values()
    assert len({meeter for meeter, _ in final}) == len(final)
