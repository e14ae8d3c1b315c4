"""Every calendar route name reverses to its public path and resolves back, with and without
the trailing slash; ids are numeric only, so the named sub-routes are never read as ids."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve, reverse

from calendars import views

ROUTES = [
    # name, kwargs, path (as reverse gives it: without the optional slash), view, action per method
    ("calendar-list", {}, "/calendars", views.CalendarViewSet, {"get": "list", "post": "create"}),
    ("calendar-owned", {}, "/calendars/owned", views.CalendarViewSet, {"get": "owned"}),
    (
        "calendar-owned-unfinalized",
        {},
        "/calendars/owned/unfinalized",
        views.CalendarViewSet,
        {"get": "owned_unfinalized"},
    ),
    ("calendar-invited", {}, "/calendars/invited", views.CalendarViewSet, {"get": "invited"}),
    ("calendar-status", {}, "/calendars/status", views.CalendarViewSet, {"get": "status"}),
    (
        "calendar-detail",
        {"id": 7},
        "/calendars/7",
        views.CalendarViewSet,
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
    ),
    ("calendar-finalize", {"id": 7}, "/calendars/7/finalize", views.CalendarViewSet, {"put": "finalize"}),
    (
        "calendar-invitee-list",
        {"calendar_id": 7},
        "/calendars/7/invitee",
        views.InviteeViewSet,
        {"get": "list", "post": "create"},
    ),
    (
        "calendar-invitee-detail",
        {"calendar_id": 7, "id": 3},
        "/calendars/7/invitee/3",
        views.InviteeViewSet,
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
    ),
    (
        "calendar-invitee-uninvited",
        {"calendar_id": 7},
        "/calendars/7/invitee/uninvited",
        views.InviteeViewSet,
        {"get": "uninvited"},
    ),
    (
        "calendar-invitee-remove-invitation",
        {"calendar_id": 7},
        "/calendars/7/invitee/remove-invitation",
        views.InviteeViewSet,
        {"delete": "remove_invitation"},
    ),
    (
        "calendar-availability-list",
        {"calendar_id": 7},
        "/calendars/7/availabilities",
        views.AvailabilityViewSet,
        {"get": "list", "post": "create"},
    ),
    (
        "calendar-availability-detail",
        {"calendar_id": 7, "id": 3},
        "/calendars/7/availabilities/3",
        views.AvailabilityViewSet,
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
    ),
    (
        "calendar-availability-bulk-delete",
        {"calendar_id": 7},
        "/calendars/7/availabilities/bulk-delete",
        views.AvailabilityViewSet,
        {"delete": "bulk_delete"},
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "path", "viewset", "actions"), ROUTES, ids=[r[0] for r in ROUTES])
def test_it_reverses_and_resolves_every_route(name, kwargs, path, viewset, actions):
    assert reverse(name, kwargs=kwargs) == path
    for candidate in (path, path + "/"):
        match = resolve(candidate)
        assert match.url_name == name
        assert match.func.cls is viewset
        # DRF answers HEAD like GET where a GET exists.
        assert {method: act for method, act in match.func.actions.items() if method != "head"} == actions
        assert match.kwargs == {key: str(value) for key, value in kwargs.items()}


@pytest.mark.parametrize(
    "path",
    [
        "/calendars/abc",
        "/calendars/-1/",
        "/calendars/7.0/",
        "/calendars/7/invitee/abc/",
        "/calendars/x/invitee/",
        "/calendars/7/availabilities/1e3",
        "/calendars/7//",
    ],
)
def test_non_numeric_ids_do_not_resolve(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_the_nested_routes_use_the_seeds_kwarg_names():
    """`{id}` for a calendar, `{calendar_id}` + `{id}` under it (the coreapi parameter names)."""
    assert resolve("/calendars/7/").kwargs == {"id": "7"}
    assert resolve("/calendars/7/availabilities/3/").kwargs == {"calendar_id": "7", "id": "3"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/calendars", "/calendars/owned", "/calendars/7/invitee/3", "/calendars/7/x"]
)
def test_no_route_redirects(auth_client, path):
    """Neither form redirects: APPEND_SLASH is off and the routes take both."""
    for candidate in (path, path + "/"):
        assert auth_client.get(candidate).status_code not in (301, 302, 307, 308)
