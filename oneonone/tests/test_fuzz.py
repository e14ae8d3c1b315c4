"""Schema fuzzing: schemathesis drives every operation of `/api/schema/` in process (WSGI, no
network) against the throwaway test database, and checks each answer against the schema.

Two callers, each with a real `Authorization: Bearer` access token:
- the owner (alice), who owns a calendar with an invitee, a second contact, availabilities and
  a meeting, so that ids in paths and bodies resolve and the success paths are exercised;
- a stranger (bob), who is nobody's contact: every calendar route answers him 403/404.

Path ids and a few body fields are taken from that world most of the time (a drawn choice, so
the shrinker can still report a random id when that is the failure). Checks, all on:
`not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
`response_schema_conformance`, `response_headers_conformance`.

Bounded and deterministic: `FUZZ_MAX_EXAMPLES` examples per operation and caller (default 25),
a fixed seed (`derandomize`), no example database. The module is marked `fuzz`, so
`pytest -m "not fuzz"` leaves it out locally; CI (`make test`) runs it on SQLite and PostgreSQL.

Every fault this found is fixed and kept as a regular test named after it; see the bottom of
this module and `docs-reliability.md`.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import PASSWORD, UserFactory
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory
from oneonone.wsgi import application

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# Totals for the run's summary line (and the README's fuzzing figures).
TOTALS: Counter[str] = Counter()


class World:
    """alice owns `calendar`; carol is invited (with a window and a meeting); dave is a contact
    not yet invited; erin has a pending request to alice; bob is a stranger."""

    def __init__(self) -> None:
        self.owner = UserFactory(username="alice")
        self.stranger = UserFactory(username="bob")
        self.invitee = UserFactory(username="carol")
        self.contact = UserFactory(username="dave")
        self.requester = UserFactory(username="erin")
        ContactFactory(requester=self.owner, requested=self.invitee)
        ContactFactory(requester=self.contact, requested=self.owner)
        ContactFactory(requester=self.requester, requested=self.owner, accepted=False)
        self.calendar = CalendarFactory(owner=self.owner, name="Office hours")
        self.invitation = InviteeFactory(calendar=self.calendar, invitee=self.invitee)
        self.owner_window = AvailabilityFactory(calendar=self.calendar, user=self.owner)
        self.invitee_window = AvailabilityFactory(calendar=self.calendar, user=self.invitee, preference=3)
        self.meet = MeetFactory(calendar=self.calendar, meeter=self.invitee)

    def path_ids(self, path: str) -> dict[str, Any]:
        """The real ids for each path parameter of the operation at `path`."""
        ids: dict[str, Any] = {"calendar_id": self.calendar.pk, "user_id": self.invitee.pk,
                               "username": self.invitee.username}
        if path.startswith("/calendars/{id}"):
            ids["id"] = self.calendar.pk
        elif "/invitee/{id}" in path:
            ids["id"] = self.invitation.pk
        elif "/availabilities/{id}" in path:
            ids["id"] = self.owner_window.pk
        elif "/schedule/{id}" in path:
            ids["id"] = self.meet.pk
        return ids

    def body_values(self) -> dict[str, Any]:
        """Body fields that name something or need a valid instant: point them at the world
        (the calendar runs 2030-04-01 to 2030-04-05, UTC)."""
        return {
            "invitee": self.contact.pk,
            "requested": self.owner.username,
            "username": self.requester.username,
            "password": PASSWORD,
            "meeter": self.invitee.pk,
            "start_period": "2030-04-02T10:00:00Z",
            "end_period": "2030-04-02T10:30:00Z",
            "deadline": "2030-04-06T00:00:00Z",
        }


@pytest.fixture
def world(db) -> World:
    return World()


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def aim_at_world(case: Any, world: World, aim_path: bool, aim_body: bool) -> None:
    """Replace generated ids (and, separately, body fields) by the world's; the rest stays
    as generated."""
    if aim_path and case.path_parameters:
        ids = world.path_ids(case.operation.path)
        case.path_parameters = {
            name: ids.get(name, value) for name, value in case.path_parameters.items()
        }
    if aim_body and isinstance(case.body, dict):
        values = world.body_values()
        rows = [case.body] + [row for row in case.body.get("meets") or [] if isinstance(row, dict)]
        for row in rows:
            for name in list(row):
                if name in values:
                    row[name] = values[name]


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture(scope="module", autouse=True)
def _report_totals(request):
    """One line after the module: how many cases ran, and the statuses they got."""
    yield
    if TOTALS["cases"]:
        statuses = ", ".join(f"{k[7:]}: {v}" for k, v in sorted(TOTALS.items()) if k.startswith("status "))
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        line = (
            f"fuzz: {TOTALS['operations']} operation runs, {TOTALS['cases']} cases "
            f"(max_examples={MAX_EXAMPLES}); statuses {statuses}"
        )
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():  # past pytest's output capture
                reporter.write_line("\n" + line)


def run_case(case: Any, user: Any) -> None:
    response = case.call_and_validate(headers=bearer(user), checks=CHECKS)
    TOTALS["cases"] += 1
    TOTALS[f"status {response.status_code}"] += 1


@pytest.fixture
def _count_operation():
    TOTALS["operations"] += 1


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@schema.given(aim_path=st.sampled_from([True, True, True, False]), aim_body=st.booleans())
@FUZZ_SETTINGS
def test_it_answers_the_owner_as_the_schema_says(case, aim_path, aim_body, world, _count_operation):
    aim_at_world(case, world, aim_path, aim_body)
    run_case(case, world.owner)


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@schema.given(aim_path=st.sampled_from([True, True, True, False]), aim_body=st.booleans())
@FUZZ_SETTINGS
def test_it_answers_a_stranger_as_the_schema_says(case, aim_path, aim_body, world, _count_operation):
    aim_at_world(case, world, aim_path, aim_body)
    run_case(case, world.stranger)


# Regressions: each kind of fault the fuzzer found, replayed through the same checks. Not
# marked `fuzz`, so they also run with `-m "not fuzz"`.


def call(method: str, path: str, user: Any = None, **case: Any) -> Any:
    """One case of `method path` sent in process like the fuzzer's, with every check on."""
    headers = bearer(user) if user is not None else {}
    return schema[path][method].Case(**case).call_and_validate(headers=headers, checks=CHECKS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["password must match", "tab\there", "x" * 300, "ünï ✓"])
def test_login_throttle_cache_key_from_raw_username(username, settings):
    """Fault: the failed-login throttle put the raw username in its cache key. Spaces, control
    characters or more than 250 characters raise `CacheKeyWarning` (an `InvalidCacheKey` error
    with memcached), so such a login attempt was a 500. The key is now a digest, and the
    throttle still counts that username's failures."""
    UserFactory(username="alice")
    body = {"username": username, "password": "wrong"}
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        assert call("POST", "/accounts/login/", body=body, media_type="application/json").status_code == 400
    assert call("POST", "/accounts/login/", body=body, media_type="application/json").status_code == 429


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/calendars/{id}/", "abc"),
        ("/calendars/{calendar_id}/invitee/", "-1"),
        ("/calendars/{calendar_id}/availabilities/", "1.5"),
    ],
)
def test_html_404_for_a_path_that_matches_no_route(path, value):
    """Fault: a path value the route's pattern refuses (`/calendars/abc/`) fell through to
    Django's HTML 404 page, an undocumented content type. Every error is JSON now."""
    user = UserFactory(username="alice")
    name = "id" if "{id}" in path else "calendar_id"
    response = call("GET", path, user, path_parameters={name: value})
    assert response.status_code == 404
    assert response.headers["content-type"][0].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/accounts/profile/"), ("GET", "/accounts/profile/partial/{text}/"), ("GET", "/contacts/")],
)
def test_undocumented_401_without_a_token(method, path):
    """Fault: authenticated operations did not declare their 401 (missing or bad token) and
    its `WWW-Authenticate` header; `oneonone.exceptions.document_error_responses` adds it to
    every operation that needs a token."""
    response = call(method, path, path_parameters={"text": "al"} if "{text}" in path else None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == ['Bearer realm="api"']


@pytest.mark.django_db(transaction=True)
def test_undocumented_token_endpoint_errors():
    """Fault: `/api/token/` and `/api/token/refresh/` documented only their 200."""
    UserFactory(username="alice")
    json = "application/json"
    assert call("POST", "/api/token/", body={"username": "alice"}, media_type=json).status_code == 400
    bad = {"username": "alice", "password": "wrong"}
    assert call("POST", "/api/token/", body=bad, media_type=json).status_code == 401
    assert call("POST", "/api/token/refresh/", body={"refresh": "x"}, media_type=json).status_code == 401
    assert call("POST", "/api/token/refresh/", body={}, media_type=json).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_undocumented_404_for_an_unknown_profile_id():
    """Fault: `GET /accounts/profile/id/{user_id}/` did not declare its 404."""
    user = UserFactory(username="alice")
    response = call("GET", "/accounts/profile/id/{user_id}/", user, path_parameters={"user_id": user.pk + 99})
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/contacts/friendRequests/user/", "/contacts/friendRequests/request/"])
def test_contacts_malformed_body_answered_with_detail_not_error(path):
    """Fault: a body that does not parse got DRF's `{"detail"}` on the contacts endpoints,
    whose documented (seed) error body is `{"error"}`."""
    user = UserFactory(username="alice")
    operation = schema[path]["POST"]
    case = operation.Case(media_type="application/json", body={})
    response = case.call_and_validate(
        headers={**bearer(user), "Content-Type": "application/json"}, checks=CHECKS, data=b"{not json"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("JSON parse error")


@pytest.mark.django_db(transaction=True)
def test_undocumented_415_for_an_unsupported_content_type():
    """Fault: a body in a Content-Type the endpoint does not parse got an undocumented 415."""
    user = UserFactory(username="alice")
    case = schema["/contacts/friendRequests/user/"]["POST"].Case(media_type="application/json", body={})
    response = case.call_and_validate(
        headers={**bearer(user), "Content-Type": "text/plain"}, checks=CHECKS, data=b"requested=bob"
    )
    assert response.status_code == 415


@pytest.mark.django_db(transaction=True)
def test_blank_email_violates_the_email_format_in_responses():
    """Fault: `auth.User.email` may be blank (a profile update may clear it; admin-made accounts
    have none), but the responses declared `format: email`, so `""` violated the schema."""
    user = UserFactory(username="alice")
    friend = UserFactory(username="carol", email="")
    ContactFactory(requester=user, requested=friend)
    json = "application/json"
    response = call("PUT", "/accounts/profile/", user, body={"email": ""}, media_type=json)
    assert response.status_code == 200 and response.json()["user"]["email"] == ""
    assert call("GET", "/contacts/", user).json()["contacts"][0]["email"] == ""
    calendar = CalendarFactory(owner=user)
    uninvited = call("GET", "/calendars/{calendar_id}/invitee/uninvited/", user,
                     path_parameters={"calendar_id": calendar.pk})
    assert uninvited.json()[0]["email"] == ""
