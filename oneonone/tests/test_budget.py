"""Performance budget: pinned query counts for every operation of the API, at most one query
for JWT authentication, and schedule generation whose queries do not grow with the invitees.

Each operation of the OpenAPI schema has a row in `BUDGET`: the caller, the body, the status
and the exact number of queries, measured in a world of N rows per relation for N = 2 and
N = 6. The same count at both sizes is the point: a per-row query (N+1) changes it. The table
is checked against the schema, so a new endpoint without a row fails here until it is pinned.

Query counts are taken with `force_authenticate` (no authentication query), as every API test
does; `test_jwt_authentication_costs_at_most_one_query` prices the real `Bearer` path once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Profile
from accounts.tests.factories import PASSWORD, UserFactory
from calendars.models import Availability, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

User = get_user_model()
UTC = dt.UTC
DAY = dt.datetime(2030, 4, 1, tzinfo=UTC)


class World:
    """alice owns `calendar` (2030-04-01..05) with N invitees, each with two windows and a
    meeting; she owns N more calendars, is invited to N calendars of others, has N friends
    not yet invited and N pending friend requests. carol is the first invitee."""

    def __init__(self, n: int) -> None:
        self.owner = UserFactory(username="alice")
        self.calendar = CalendarFactory(owner=self.owner, name="Office hours")
        AvailabilityFactory(calendar=self.calendar, user=self.owner,
                            start_period=DAY, end_period=DAY + dt.timedelta(days=4))
        self.invitees = []
        for i in range(n):
            user = UserFactory(username="carol" if i == 0 else f"invitee{i}")
            ContactFactory(requester=self.owner, requested=user)
            invitation = InviteeFactory(calendar=self.calendar, invitee=user)
            start = DAY + dt.timedelta(hours=9 + i)
            for offset in (0, 24):
                AvailabilityFactory(calendar=self.calendar, user=user, preference=2,
                                    start_period=start + dt.timedelta(hours=offset),
                                    end_period=start + dt.timedelta(hours=offset, minutes=45))
            MeetFactory(calendar=self.calendar, meeter=user, start_period=start)
            self.invitees.append(invitation)
            CalendarFactory(owner=self.owner, name=f"Other {i}")
            host = UserFactory(username=f"host{i}")
            InviteeFactory(calendar=CalendarFactory(owner=host), invitee=self.owner)
            ContactFactory(requester=self.owner, requested=UserFactory(username=f"friend{i}"))
            ContactFactory(requester=UserFactory(username=f"asker{i}"), requested=self.owner, accepted=False)
        self.invitation = self.invitees[0]
        self.invitee = self.invitation.invitee
        self.owner_window = self.calendar.availabilities.filter(user=self.owner).get()
        self.invitee_window = self.calendar.availabilities.filter(user=self.invitee).first()
        self.stranger = UserFactory(username="zed")
        # Registration gives every user a profile; so does this world.
        Profile.objects.bulk_create(
            [Profile(user=user) for user in User.objects.filter(profile__isnull=True)]
        )

    def ids(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar.pk,
            "invitation": self.invitation.pk,
            "owner_window": self.owner_window.pk,
            "invitee_window": self.invitee_window.pk,
            "invitee_id": self.invitee.pk,
            "friend0": User.objects.get(username="friend0").pk,
            "refresh": str(RefreshToken.for_user(self.owner)),
        }


@dataclass(frozen=True)
class Row:
    """One request: its OpenAPI operation, the concrete path (`{calendar}` etc. from
    `World.ids`), who sends it, the body (a function of the world's ids), the expected status
    and query count, and which queries those are.

    Counts are what the test database sees inside the test's transaction: each
    `transaction.atomic` block shows as SAVEPOINT + RELEASE (in production, BEGIN/COMMIT).
    `full_clean()` adds one `SELECT 1` per foreign key and, per check constraint, a
    savepoint-wrapped `SELECT 1 AS _check` (3 statements): "validation" below.
    """

    method: str
    operation: str
    path: str
    queries: int
    why: str
    status: int = 200
    actor: str = "owner"
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None


C = "/calendars/{calendar}"
L = "row lock (finalized?)"
R = "invitation re-read under the lock (still invited? deadline?)"
WINDOW = {"start_period": "2030-04-02T10:00:00Z", "end_period": "2030-04-02T11:00:00Z", "preference": 3}
CALENDAR_VALIDATION = "validation: owner FK + 2 checks = 7"

BUDGET: list[Row] = [
    # Accounts and tokens (public ones: no authentication at all).
    Row("POST", "/accounts/login/", "/accounts/login/", 2, "user by username; outstanding-token INSERT",
        actor="anon", body=lambda ids: {"username": "alice", "password": PASSWORD}),
    Row("POST", "/api/token/", "/api/token/", 2, "user by username; outstanding-token INSERT",
        actor="anon", body=lambda ids: {"username": "alice", "password": PASSWORD}),
    Row("POST", "/api/token/refresh/", "/api/token/refresh/", 15,
        "simplejwt parses the token twice (2 blacklist reads) and reads the user 4 times; "
        "get-or-create outstanding + INSERT blacklisted; outstanding-token INSERT for the new one",
        actor="anon",
        body=lambda ids: {"refresh": ids["refresh"]}),
    Row("POST", "/accounts/register/", "/accounts/register/", 6,
        "username taken?; atomic: user unique check, user INSERT, profile INSERT", status=201, actor="anon",
        body=lambda ids: {"username": "newbie", "first_name": "N", "last_name": "B", "email": "n@b.org",
                          "password": "Correct-Horse-43x", "confirm_password": "Correct-Horse-43x"}),
    Row("GET", "/accounts/profile/", "/accounts/profile/", 1, "profile (user is request.user)"),
    Row("PUT", "/accounts/profile/", "/accounts/profile/", 8,
        "profile; atomic: username unique?, UPDATE user, profile FK + unique checks, UPDATE profile",
        body=lambda ids: {"first_name": "Alicia"}),
    Row("GET", "/accounts/profile/id/{user_id}/", "/accounts/profile/id/{invitee_id}/", 2,
        "caller's contact ids; user joined with profile"),
    Row("GET", "/accounts/profile/partial/{text}/", "/accounts/profile/partial/i/", 2,
        "caller's contact ids; up to 20 users joined with profiles"),
    # Calendars.
    Row("GET", "/calendars/", "/calendars/", 1, "calendars joined with owner"),
    Row("GET", "/calendars/owned/", "/calendars/owned/", 1, "calendars joined with owner"),
    Row("GET", "/calendars/owned/unfinalized/", "/calendars/owned/unfinalized/", 1,
        "calendars joined with owner"),
    Row("GET", "/calendars/invited/", "/calendars/invited/", 1, "calendars joined with owner"),
    Row("GET", "/calendars/status/", "/calendars/status/", 1, "calendars with a NOT EXISTS"),
    Row("POST", "/calendars/", "/calendars/", 8, f"{CALENDAR_VALIDATION}; INSERT",
        body=lambda ids: {"name": "New", "start_date": "2030-05-01", "end_date": "2030-05-02"}),
    Row("GET", "/calendars/{id}/", C + "/", 1, "calendar joined with owner"),
    Row("GET", "/calendars/{id}/", C + "/", 2, "calendar; caller's invitation", actor="invitee"),
    Row("PUT", "/calendars/{id}/", C + "/", 13,
        f"calendar; atomic: row lock, {CALENDAR_VALIDATION}, UPDATE; owner for owner_username",
        body=lambda ids: {"name": "Renamed"}),
    Row("PATCH", "/calendars/{id}/", C + "/", 13,
        f"calendar; atomic: row lock, {CALENDAR_VALIDATION}, UPDATE; owner for owner_username",
        body=lambda ids: {"name": "Renamed"}),
    Row("PUT", "/calendars/{id}/finalize/", C + "/finalize/", 12,
        f"calendar; atomic: row lock, {CALENDAR_VALIDATION}, UPDATE"),
    Row("DELETE", "/calendars/{id}/", C + "/", 5,
        "calendar; one DELETE per table (invitations, windows, meetings, calendar)"),
    # Invitees.
    Row("GET", "/calendars/{calendar_id}/invitee/", C + "/invitee/", 2, "calendar; invitations with users"),
    Row("POST", "/calendars/{calendar_id}/invitee/", C + "/invitee/", 11,
        "calendar; user; already invited?; owner's contacts; validation: 2 FKs; atomic: row lock "
        "(finalized?), INSERT; "
        "the new row with user and has_availability",
        body=lambda ids: {"invitee": ids["friend0"]}),
    Row("GET", "/calendars/{calendar_id}/invitee/{id}/", C + "/invitee/{invitation}/", 2,
        "calendar; invitation with user"),
    Row("PUT", "/calendars/{calendar_id}/invitee/{id}/", C + "/invitee/{invitation}/", 8,
        f"calendar; invitation with user; atomic: {L}, validation: 2 FKs, UPDATE",
        body=lambda ids: {"deadline": "2030-04-06T00:00:00Z"}),
    Row("PATCH", "/calendars/{calendar_id}/invitee/{id}/", C + "/invitee/{invitation}/", 8,
        f"calendar; invitation with user; atomic: {L}, validation: 2 FKs, UPDATE",
        body=lambda ids: {"deadline": "2030-04-06T00:00:00Z"}),
    Row("DELETE", "/calendars/{calendar_id}/invitee/{id}/", C + "/invitee/{invitation}/", 8,
        "calendar; invitation; atomic: row lock, DELETE windows, DELETE meeting, DELETE invitation"),
    Row("GET", "/calendars/{calendar_id}/invitee/uninvited/", C + "/invitee/uninvited/", 3,
        "calendar; owner's contact ids; users not invited"),
    Row("DELETE", "/calendars/{calendar_id}/invitee/remove-invitation/", C + "/invitee/remove-invitation/", 8,
        "calendar; own invitation; atomic: row lock, DELETE windows, meeting, invitation", actor="invitee"),
    # Availabilities.
    Row("GET", "/calendars/{calendar_id}/availabilities/", C + "/availabilities/", 2, "calendar; windows"),
    Row("GET", "/calendars/{calendar_id}/availabilities/", C + "/availabilities/", 3,
        "calendar; invitation; own windows", actor="invitee"),
    Row("POST", "/calendars/{calendar_id}/availabilities/", C + "/availabilities/", 13,
        f"calendar; atomic: {L}, validation: 2 FKs + 2 checks = 8, INSERT", body=lambda ids: WINDOW),
    Row("POST", "/calendars/{calendar_id}/availabilities/", C + "/availabilities/", 15,
        f"calendar; invitation (deadline); atomic: {L}, {R}, validation 8, INSERT", actor="invitee",
        body=lambda ids: WINDOW),
    Row("GET", "/calendars/{calendar_id}/availabilities/{id}/", C + "/availabilities/{invitee_window}/", 2,
        "calendar; window"),
    Row("PUT", "/calendars/{calendar_id}/availabilities/{id}/", C + "/availabilities/{owner_window}/", 14,
        f"calendar; window; atomic: {L}, validation 8, UPDATE", body=lambda ids: WINDOW),
    Row("PATCH", "/calendars/{calendar_id}/availabilities/{id}/", C + "/availabilities/{invitee_window}/", 16,
        f"calendar; invitation; window; atomic: {L}, {R}, validation 8, UPDATE", actor="invitee",
        body=lambda ids: {"preference": 1}),
    Row("DELETE", "/calendars/{calendar_id}/availabilities/{id}/", C + "/availabilities/{invitee_window}/", 8,
        f"calendar; invitation; window; atomic: {L}, {R}, DELETE", actor="invitee"),
    Row("DELETE", "/calendars/{calendar_id}/availabilities/bulk-delete/", C + "/availabilities/bulk-delete/",
        7, f"calendar; invitation; atomic: {L}, {R}, one DELETE", actor="invitee"),
    # Schedule.
    Row("GET", "/calendars/{calendar_id}/schedule/", C + "/schedule/", 2, "calendar; meetings with meeters"),
    Row("GET", "/calendars/{calendar_id}/schedule/", C + "/schedule/", 3,
        "calendar; invitation; own meeting", actor="invitee"),
    Row("POST", "/calendars/{calendar_id}/schedule/", C + "/schedule/", 8,
        "calendar; atomic: row lock, invitations with users, windows, DELETE, one INSERT of all"),
    Row("PUT", "/calendars/{calendar_id}/schedule/", C + "/schedule/", 7,
        "calendar; atomic: row lock, invitations with users, DELETE, one INSERT of all",
        body=lambda ids: {"meets": [{"meeter": ids["invitee_id"], "start_period": "2030-04-03T09:00:00Z"}]}),
    Row("DELETE", "/calendars/{calendar_id}/schedule/", C + "/schedule/", 5,
        "calendar; atomic: row lock, one DELETE"),
    Row("GET", "/calendars/{calendar_id}/schedule/ics/", C + "/schedule/ics/", 2,
        "calendar; meetings with meeters"),
    Row("GET", "/calendars/{calendar_id}/schedule/ics/", C + "/schedule/ics/", 3,
        "calendar; invitation; own meeting", actor="invitee"),
    # Emails (every invitee here has given availability: nobody to remind; not finalized: 400).
    Row("POST", "/calendars/{id}/email/", C + "/email/", 2,
        "calendar; invitations with users, profiles and has_availability"),
    Row("POST", "/calendars/{id}/email/{username}/", C + "/email/carol/", 2,
        "calendar; the invitation with its user, profile and has_availability"),
    Row("POST", "/calendars/{id}/email/finalize/", C + "/email/finalize/", 1, "calendar", status=400),
    # Contacts.
    Row("GET", "/contacts/", "/contacts/", 1, "friends joined with profiles"),
    Row("GET", "/contacts/friendRequests/", "/contacts/friendRequests/", 1,
        "requests joined with requesters"),
    Row("POST", "/contacts/friendRequests/user/", "/contacts/friendRequests/user/", 7,
        "user; pair; validation: 2 FKs; atomic INSERT", status=201, body=lambda ids: {"requested": "zed"}),
    Row("DELETE", "/contacts/friendRequests/user/", "/contacts/friendRequests/user/", 2,
        "user; one DELETE", status=204, body=lambda ids: {"username": "friend0"}),
    Row("POST", "/contacts/friendRequests/request/", "/contacts/friendRequests/request/", 2,
        "user; one conditional UPDATE", body=lambda ids: {"username": "asker0", "action": True}),
]


def measure(world: World, row: Row) -> tuple[int, list[str]]:
    """Send `row` as its actor (force_authenticate) and return the status and the SQL run."""
    client = APIClient()
    actor = {"owner": world.owner, "invitee": world.invitee, "anon": None}[row.actor]
    if actor is not None:
        client.force_authenticate(actor)
    ids = world.ids()
    kwargs = {}
    if row.body is not None:
        kwargs = {"data": json.dumps(row.body(ids)), "content_type": "application/json"}
    with CaptureQueriesContext(connection) as queries:
        response = client.generic(row.method, row.path.format(**ids), **kwargs)
    return response.status_code, [query["sql"] for query in queries.captured_queries]


@pytest.fixture(params=[2, 6], ids=["N=2", "N=6"])
def world(request, db) -> World:
    return World(request.param)


@pytest.mark.parametrize("row", BUDGET, ids=[f"{r.method} {r.path} as {r.actor}" for r in BUDGET])
def test_each_operation_takes_its_pinned_number_of_queries(world, row):
    status, sql = measure(world, row)
    assert status == row.status
    assert len(sql) == row.queries, f"{row.why}:\n" + "\n".join(sql)


def test_every_operation_of_the_schema_has_a_budget_row():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert sorted(operations - {(row.method, row.operation) for row in BUDGET}) == []


def test_profile_fetched_the_user_it_already_had(db, django_assert_num_queries):
    """Fault: `GET /accounts/profile/` loaded the profile, then the serializer loaded the same
    user again through `profile.user` (2 queries for one row). The service now hands back the
    profile with the caller's user attached."""
    user = UserFactory(username="alice")
    Profile.objects.create(user=user)
    client = APIClient()
    client.force_authenticate(user)
    with django_assert_num_queries(1):
        assert client.get("/accounts/profile/").json()["user"]["username"] == "alice"


# JWT: the real authentication path, priced once.


@pytest.mark.parametrize(
    "path", ["/calendars/", "/accounts/profile/", "/calendars/{calendar}/availabilities/", "/contacts/"]
)
def test_jwt_authentication_costs_at_most_one_query(db, path):
    """A real `Authorization: Bearer` request may cost one query more than the same request
    with `force_authenticate`: loading the user (its password hash is checked against the
    token's revocation claim, so a password change logs everyone out). No blacklist or session
    queries on the way."""
    world = World(2)
    path = path.format(**world.ids())
    token = str(RefreshToken.for_user(world.owner).access_token)

    forced = APIClient()
    forced.force_authenticate(world.owner)
    with CaptureQueriesContext(connection) as baseline:
        assert forced.get(path).status_code == 200
    bearer = APIClient()
    with CaptureQueriesContext(connection) as real:
        assert bearer.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    extra = len(real) - len(baseline)
    assert extra <= 1, [q["sql"] for q in real.captured_queries]


# Schedule generation: bulk writes, no per-invitee query.


def _calendar_with_invitees(n: int) -> Any:
    """alice's 10-day calendar with `n` invitees, each free for exactly one 30-minute slot of
    their own (so the optimum is known: everyone, at that slot); alice is free all along."""
    owner = User.objects.get_or_create(username="alice")[0]
    calendar = CalendarFactory(owner=owner, start_date=dt.date(2030, 4, 1), end_date=dt.date(2030, 4, 10))
    AvailabilityFactory(
        calendar=calendar, user=owner, start_period=DAY, end_period=DAY + dt.timedelta(days=10)
    )
    users = User.objects.bulk_create(
        [User(username=f"guest{n}-{i}", email=f"guest{i}@example.org") for i in range(n)]
    )
    Invitee.objects.bulk_create(
        [Invitee(calendar=calendar, invitee=user, deadline=calendar.window_end) for user in users]
    )
    slot = dt.timedelta(minutes=30)
    Availability.objects.bulk_create(
        [
            Availability(calendar=calendar, user=user, preference=2,
                         start_period=DAY + i * slot, end_period=DAY + (i + 1) * slot)
            for i, user in enumerate(users)
        ]
    )
    return calendar


def test_schedule_generation_for_300_invitees_takes_as_many_queries_as_for_3(db):
    counts = {}
    for n in (3, 300):
        calendar = _calendar_with_invitees(n)
        client = APIClient()
        client.force_authenticate(calendar.owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/calendars/{calendar.pk}/schedule/")
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["meets"]) == n and body["unscheduled"] == [] and body["optimal"] is True
        assert Meet.objects.filter(calendar=calendar).count() == n
        counts[n] = [q["sql"] for q in queries.captured_queries]
    # calendar; atomic: row lock, invitations with users, windows, DELETE; then the INSERTs, as
    # few as the database driver allows (SQLite: 999 parameters a statement; PostgreSQL: one).
    def reads(sql: list[str]) -> list[str]:
        return [q for q in sql if not q.startswith('INSERT INTO "calendars_meet"')]

    assert len(reads(counts[300])) == len(reads(counts[3])), "\n".join(counts[300])
    fields = [f for f in Meet._meta.concrete_fields if not f.primary_key]
    batches = math.ceil(300 / connection.ops.bulk_batch_size(fields, [Meet()] * 300))
    assert len(counts[300]) - len(reads(counts[300])) == batches
    assert len(counts[300]) <= 8 + batches
