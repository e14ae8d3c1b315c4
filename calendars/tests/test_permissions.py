"""Who may do what on every calendar route: the permission matrix (CONTRACT section 1, "Roles").

Actors: anonymous; bob, a stranger; carol, invited to alice's calendar; alice, its owner; and
dave, who owns another calendar and addresses alice's nested objects (invitation and
availability ids) through *his* calendar's URL. On routes without a nested id dave uses
alice's calendar, where he is just another stranger.

A new route needs rows here: `test_every_calendar_route_is_in_the_matrix` fails until it has.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import resolve
from rest_framework.test import APIRequestFactory

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.permissions import (
    CalendarNotFinalized,
    Gone,
    InviteeDeadlineNotPassed,
    IsAvailabilityUser,
    IsCalendarInvitee,
    IsCalendarOwner,
    IsCalendarOwnerOrInvitee,
)
from calendars.tests.factories import AvailabilityFactory, CalendarFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "invitee", "owner", "other_owner")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

CALENDAR_BODY = {"name": "New", "start_date": "2030-04-01", "end_date": "2030-04-05"}
WINDOW_BODY = {"start_period": "2030-04-02T10:00:00Z", "end_period": "2030-04-02T11:00:00Z", "preference": 3}
BODIES = {
    "/calendars/": CALENDAR_BODY,
    "/calendars/{cal}": {"name": "Renamed"},
    "/calendars/{cal}/invitee/": {"invitee": "{friend}"},
    "/calendars/{cal}/invitee/{inv}": {"deadline": "2030-04-04T00:00:00Z"},
    "/calendars/{cal}/availabilities/": WINDOW_BODY,
    "/calendars/{cal}/availabilities/{own_window}": WINDOW_BODY,
    "/calendars/{cal}/availabilities/{invitee_window}": WINDOW_BODY,
    "/calendars/{cal}/schedule/": {"meets": []},
}


def row(anonymous, stranger, invitee, owner, other_owner):
    return dict(zip(ROLES, (anonymous, stranger, invitee, owner, other_owner), strict=True))


ALL_OK = row(401, 200, 200, 200, 200)
NOT_ALLOWED = row(401, 405, 405, 405, 405)
# route → method → expected status per role; a method left out is 405 (401 when anonymous).
MATRIX: dict[str, dict[str, dict[str, int]]] = {
    "/calendars/": {"GET": ALL_OK, "POST": ALL_OK},
    "/calendars/owned": {"GET": ALL_OK},
    "/calendars/owned/unfinalized": {"GET": ALL_OK},
    "/calendars/invited": {"GET": ALL_OK},
    "/calendars/status": {"GET": ALL_OK},
    "/calendars/{cal}": {
        "GET": row(401, 403, 200, 200, 403),
        "PUT": row(401, 403, 403, 200, 403),
        "PATCH": row(401, 403, 403, 200, 403),
        "DELETE": row(401, 403, 403, 200, 403),
    },
    "/calendars/{cal}/finalize/": {"PUT": row(401, 403, 403, 200, 403)},
    "/calendars/{cal}/invitee/": {
        "GET": row(401, 403, 403, 200, 403),
        "POST": row(401, 403, 403, 200, 403),
    },
    "/calendars/{cal}/invitee/{inv}": {
        "GET": row(401, 403, 403, 200, 404),
        "PUT": row(401, 403, 403, 200, 404),
        "PATCH": row(401, 403, 403, 200, 404),
        "DELETE": row(401, 403, 403, 200, 404),
    },
    "/calendars/{cal}/invitee/uninvited": {"GET": row(401, 403, 403, 200, 403)},
    "/calendars/{cal}/invitee/remove-invitation": {"DELETE": row(401, 403, 200, 403, 403)},
    "/calendars/{cal}/availabilities/": {
        "GET": row(401, 403, 200, 200, 403),
        "POST": row(401, 403, 200, 200, 403),
    },
    # The owner's own window: invisible to the invitee.
    "/calendars/{cal}/availabilities/{own_window}": {
        "GET": row(401, 403, 404, 200, 404),
        "PUT": row(401, 403, 404, 200, 404),
        "PATCH": row(401, 403, 404, 200, 404),
        "DELETE": row(401, 403, 404, 200, 404),
    },
    # The invitee's window: the owner reads it but cannot change it.
    "/calendars/{cal}/availabilities/{invitee_window}": {
        "GET": row(401, 403, 200, 200, 404),
        "PUT": row(401, 403, 200, 403, 404),
        "PATCH": row(401, 403, 200, 403, 404),
        "DELETE": row(401, 403, 200, 403, 404),
    },
    "/calendars/{cal}/availabilities/bulk-delete": {"DELETE": row(401, 403, 200, 200, 403)},
    # One route for the whole schedule: everyone invited reads it (their own meeting), the
    # owner writes it.
    "/calendars/{cal}/schedule/": {
        "GET": row(401, 403, 200, 200, 403),
        "POST": row(401, 403, 403, 200, 403),
        "PUT": row(401, 403, 403, 200, 403),
        "DELETE": row(401, 403, 403, 200, 403),
    },
    "/calendars/{cal}/schedule/ics": {"GET": row(401, 403, 200, 200, 403)},
    # Emails: the owner only (sending the schedule needs a finalized calendar: 400 here).
    "/calendars/{cal}/email/": {"POST": row(401, 403, 403, 200, 403)},
    "/calendars/{cal}/email/carol": {"POST": row(401, 403, 403, 200, 403)},
    "/calendars/{cal}/email/finalize": {"POST": row(401, 403, 403, 400, 403)},
}
NESTED_IDS = ("{inv}", "{own_window}", "{invitee_window}")


def cases():
    for route, by_method in MATRIX.items():
        for method in METHODS:
            expected = by_method.get(method, NOT_ALLOWED)
            for role in ROLES:
                yield pytest.param(route, method, role, expected[role], id=f"{method} {route} {role}")


@pytest.fixture
def world(calendar, invitation, client_for):
    """alice's calendar with carol invited, one window each, a contact to invite; dave's calendar."""
    owner, carol = calendar.owner, invitation.invitee
    friend = UserFactory(username="erin")
    ContactFactory(requester=owner, requested=friend)
    dave = UserFactory(username="dave")
    ids = {
        "cal": calendar.id,
        "inv": invitation.id,
        "own_window": AvailabilityFactory(calendar=calendar, user=owner).id,
        "invitee_window": AvailabilityFactory(calendar=calendar, user=carol).id,
        "friend": friend.id,
        "other_cal": CalendarFactory(owner=dave).id,
    }
    actors = {
        "anonymous": None,
        "stranger": UserFactory(username="bob"),
        "invitee": carol,
        "owner": owner,
        "other_owner": dave,
    }
    return SimpleNamespace(ids=ids, client=lambda role: client_for(actors[role]))


def fill(template, ids, role):
    """The URL (or body value) for `role`: dave puts his calendar in front of alice's nested ids."""
    values = dict(ids)
    if role == "other_owner" and any(nested in template for nested in NESTED_IDS):
        values["cal"] = ids["other_cal"]
    return template.format(**values)


def snapshot():
    calendar_rows = list(Calendar.objects.order_by("id").values_list("name", "finalized", "timezone"))
    return (
        calendar_rows,
        list(Invitee.objects.order_by("id").values_list("id", "deadline")),
        list(Availability.objects.order_by("id").values_list("id", "start_period", "preference")),
        Meet.objects.count(),
    )


@pytest.mark.parametrize(("route", "method", "role", "expected"), list(cases()))
def test_the_permission_matrix(world, route, method, role, expected):
    path = fill(route, world.ids, role)
    body = {
        key: fill(value, world.ids, role) if isinstance(value, str) else value
        for key, value in BODIES.get(route, {}).items()
    }
    before = snapshot()
    response = world.client(role).generic(
        method,
        path,
        data=_json(body) if method in ("POST", "PUT", "PATCH") else "",
        content_type="application/json",
    )
    assert response.status_code == expected, response.content
    assert expected == 200 or "detail" in response.json()  # a 200 may be a file (.ics)
    if expected != 200 or method == "GET":
        assert snapshot() == before, "a refused request (or a read) changed stored data"


def _json(body):
    return json.dumps(body)


def test_every_calendar_route_is_in_the_matrix():
    """Each route of `calendars.urls` is exercised by a row (one regex serves `/x` and `/x/`)."""
    from calendars.urls import urlpatterns

    sample = {"cal": 1, "inv": 2, "own_window": 3, "invitee_window": 4}
    covered = {resolve(route.format(**sample)).route for route in MATRIX}
    assert covered == {str(pattern.pattern) for pattern in urlpatterns}


# Finalized: every write under the calendar is 410, reads still work -----------------------

FINALIZED_WRITES = [
    ("PUT", "/calendars/{cal}", {"name": "x"}, "owner"),
    ("PATCH", "/calendars/{cal}", {"name": "x"}, "owner"),
    ("POST", "/calendars/{cal}/invitee/", {"invitee": "{friend}"}, "owner"),
    ("PUT", "/calendars/{cal}/invitee/{inv}", {"deadline": "2030-04-04T00:00:00Z"}, "owner"),
    ("PATCH", "/calendars/{cal}/invitee/{inv}", {"deadline": "2030-04-04T00:00:00Z"}, "owner"),
    ("DELETE", "/calendars/{cal}/invitee/{inv}", None, "owner"),
    ("DELETE", "/calendars/{cal}/invitee/remove-invitation", None, "invitee"),
    ("POST", "/calendars/{cal}/availabilities/", WINDOW_BODY, "owner"),
    ("POST", "/calendars/{cal}/availabilities/", WINDOW_BODY, "invitee"),
    ("PUT", "/calendars/{cal}/availabilities/{own_window}", WINDOW_BODY, "owner"),
    ("PATCH", "/calendars/{cal}/availabilities/{invitee_window}", {"preference": 1}, "invitee"),
    ("DELETE", "/calendars/{cal}/availabilities/{own_window}", None, "owner"),
    ("DELETE", "/calendars/{cal}/availabilities/{invitee_window}", None, "invitee"),
    ("DELETE", "/calendars/{cal}/availabilities/bulk-delete", None, "owner"),
    ("DELETE", "/calendars/{cal}/availabilities/bulk-delete", None, "invitee"),
    ("POST", "/calendars/{cal}/schedule/", None, "owner"),
    ("PUT", "/calendars/{cal}/schedule/", {"meets": []}, "owner"),
    ("DELETE", "/calendars/{cal}/schedule/", None, "owner"),
]


@pytest.mark.parametrize(("method", "route", "body", "role"), FINALIZED_WRITES)
def test_a_finalized_calendar_refuses_every_write_with_410(world, calendar, method, route, body, role):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    body = {k: fill(v, world.ids, role) if isinstance(v, str) else v for k, v in (body or {}).items()}
    before = snapshot()
    response = world.client(role).generic(
        method, fill(route, world.ids, role), data=_json(body), content_type="application/json"
    )
    assert (response.status_code, response.json()) == (410, {"detail": "Calendar is finalized"})
    assert snapshot() == before


@pytest.mark.parametrize(
    ("route", "role"),
    [
        (route, role)
        for route, methods in MATRIX.items()
        if "{cal}" in route and "GET" in methods
        for role in ("owner", "invitee")
        if methods["GET"][role] == 200
    ],
)
def test_a_finalized_calendar_still_reads(world, calendar, route, role):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    assert world.client(role).get(fill(route, world.ids, role)).status_code == 200


def test_a_finalized_calendar_can_still_be_deleted_but_not_finalized_again(world, calendar):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    owner = world.client("owner")
    assert owner.put(f"/calendars/{calendar.id}/finalize/").status_code == 400
    assert owner.delete(f"/calendars/{calendar.id}/").status_code == 200


# A stranger learns nothing: existing and missing nested ids answer alike ------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("route", ["/calendars/{cal}/invitee/{id}", "/calendars/{cal}/availabilities/{id}"])
def test_a_stranger_cannot_tell_existing_nested_ids_from_missing_ones(world, route, method):
    stranger = world.client("stranger")
    answers = set()
    for nested in (world.ids["inv"], world.ids["own_window"], world.ids["invitee_window"], 999999):
        response = stranger.generic(method, route.format(cal=world.ids["cal"], id=nested))
        answers.add((response.status_code, response.content))
    assert len(answers) == 1


# OPTIONS never fails, and tells a stranger nothing ------------------------------------------


@pytest.mark.parametrize("route", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_options_never_fails(world, route, role):
    response = world.client(role).options(fill(route, world.ids, role))
    assert response.status_code in (200, 401, 403, 404)
    if role == "stranger" and "{cal}" in route:
        assert response.status_code == 403


@pytest.mark.parametrize("route", [route for route in MATRIX if "{cal}" in route])
def test_options_on_a_finalized_calendar_still_answers(world, calendar, route):
    """DRF's OPTIONS probes each method's permissions; a 410 there must not escape as an error."""
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    with time_machine.travel(dt.datetime(2030, 4, 7, tzinfo=dt.UTC), tick=False):  # after the deadline
        for role in ("owner", "invitee"):
            response = world.client(role).options(fill(route, world.ids, role))
            assert response.status_code in (200, 403)


# Deadline: the invitee's writes are 410 after it, the owner is unaffected ------------------


@time_machine.travel(dt.datetime(2030, 4, 7, tzinfo=dt.UTC), tick=False)
def test_after_the_deadline_only_the_invitees_availability_writes_are_410(world):
    invitee, owner = world.client("invitee"), world.client("owner")
    cal = world.ids["cal"]
    assert invitee.post(f"/calendars/{cal}/availabilities/", WINDOW_BODY).status_code == 410
    assert invitee.get(f"/calendars/{cal}/availabilities/").status_code == 200
    assert owner.post(f"/calendars/{cal}/availabilities/", WINDOW_BODY).status_code == 200


# The permission classes alone ----------------------------------------------------------------


def stub_view(calendar, user, invitation=None):
    return SimpleNamespace(
        calendar=calendar, is_calendar_owner=calendar.owner_id == user.pk, invitation=invitation
    )


def stub_request(method, user):
    request = APIRequestFactory().generic(method, "/")
    request.user = user
    request.method = method
    return request


def test_is_calendar_owner(calendar, invitation, stranger):
    owner = calendar.owner
    assert IsCalendarOwner().has_permission(stub_request("GET", owner), stub_view(calendar, owner))
    for user, inv in ((stranger, None), (invitation.invitee, invitation)):
        assert not IsCalendarOwner().has_permission(stub_request("GET", user), stub_view(calendar, user, inv))


def test_is_calendar_owner_or_invitee(calendar, invitation, stranger):
    rule = IsCalendarOwnerOrInvitee()
    owner, carol = calendar.owner, invitation.invitee
    assert rule.has_permission(stub_request("GET", owner), stub_view(calendar, owner))
    assert rule.has_permission(stub_request("GET", carol), stub_view(calendar, carol, invitation))
    assert not rule.has_permission(stub_request("GET", stranger), stub_view(calendar, stranger))
    assert rule.message == "Not owner or invitee"


def test_is_calendar_invitee(calendar, invitation):
    owner, carol = calendar.owner, invitation.invitee
    assert IsCalendarInvitee().has_permission(
        stub_request("DELETE", carol), stub_view(calendar, carol, invitation)
    )
    assert not IsCalendarInvitee().has_permission(stub_request("DELETE", owner), stub_view(calendar, owner))


def test_calendar_not_finalized(calendar):
    owner = calendar.owner
    assert CalendarNotFinalized().has_permission(stub_request("POST", owner), stub_view(calendar, owner))
    calendar.finalized = True
    assert CalendarNotFinalized().has_permission(stub_request("GET", owner), stub_view(calendar, owner))
    with pytest.raises(Gone) as raised:
        CalendarNotFinalized().has_permission(stub_request("POST", owner), stub_view(calendar, owner))
    assert (raised.value.status_code, raised.value.detail) == (410, "Calendar is finalized")


def test_invitee_deadline_not_passed(calendar, invitation):
    carol, owner = invitation.invitee, calendar.owner
    rule = InviteeDeadlineNotPassed()
    with time_machine.travel(invitation.deadline, tick=False):
        assert rule.has_permission(stub_request("POST", carol), stub_view(calendar, carol, invitation))
    with time_machine.travel(invitation.deadline + dt.timedelta(seconds=1), tick=False):
        assert rule.has_permission(stub_request("GET", carol), stub_view(calendar, carol, invitation))
        assert rule.has_permission(stub_request("POST", owner), stub_view(calendar, owner))
        with pytest.raises(Gone) as raised:
            rule.has_permission(stub_request("POST", carol), stub_view(calendar, carol, invitation))
    assert raised.value.detail == "Deadline has passed"


def test_is_availability_user(calendar, invitation):
    window = AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    rule, view = IsAvailabilityUser(), stub_view(calendar, calendar.owner)
    assert rule.has_object_permission(stub_request("GET", calendar.owner), view, window)
    assert not rule.has_object_permission(stub_request("PUT", calendar.owner), view, window)
    assert not rule.has_object_permission(stub_request("DELETE", calendar.owner), view, window)
    assert rule.has_object_permission(stub_request("DELETE", invitation.invitee), view, window)
