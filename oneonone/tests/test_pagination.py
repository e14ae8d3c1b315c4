"""Opt-in pagination (CONTRACT 1): `?limit`/`?offset` switch a list to a page; bad values are
a 400 naming the parameter, never silently ignored and never a 500."""

from __future__ import annotations

import pytest

from calendars.tests.factories import CalendarFactory
from oneonone.pagination import MAX_OFFSET, NOT_A_LIMIT, NOT_AN_OFFSET

pytestmark = pytest.mark.django_db

LIMIT_ERROR = {"limit": [NOT_A_LIMIT.format(max_limit=1000)]}
OFFSET_ERROR = {"offset": [NOT_AN_OFFSET]}


@pytest.fixture
def calendars(user):
    return [CalendarFactory(owner=user) for _ in range(3)]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "", " 2", "2 ", "1e3", "\u0662", "+2", "0x10"])
def test_a_limit_that_is_not_a_whole_number_from_1_is_400(auth_client, calendars, value):
    response = auth_client.get("/calendars/", {"limit": value})
    assert (response.status_code, response.json()) == (400, LIMIT_ERROR)


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "", "\u0662", str(MAX_OFFSET + 1), "9" * 5000])
def test_an_offset_that_is_not_a_whole_number_in_range_is_400(auth_client, calendars, value):
    response = auth_client.get("/calendars/", {"offset": value})
    assert (response.status_code, response.json()) == (400, OFFSET_ERROR)


def test_both_bad_names_the_limit_first(auth_client, calendars):
    response = auth_client.get("/calendars/", {"limit": "x", "offset": "y"})
    assert (response.status_code, response.json()) == (400, LIMIT_ERROR)


def test_a_huge_limit_is_capped_not_refused(auth_client, calendars):
    for value in ("1000000", "9" * 5000):
        page = auth_client.get("/calendars/", {"limit": value}).json()
        assert page["count"] == 3 and len(page["results"]) == 3


def test_the_largest_offset_is_an_empty_page(auth_client, calendars):
    page = auth_client.get("/calendars/", {"offset": str(MAX_OFFSET)}).json()
    assert page["count"] == 3 and page["results"] == []


def test_valid_values_page_as_before(auth_client, calendars):
    page = auth_client.get("/calendars/", {"limit": "2", "offset": "1"}).json()
    assert [c["id"] for c in page["results"]] == [c.id for c in calendars[1:]]
    assert auth_client.get("/calendars/", {"offset": "0"}).json()["count"] == 3


def test_the_schema_declares_the_ranges_and_the_400(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/calendars/"]["get"]
    ranges = {p["name"]: p["schema"].get("minimum") for p in operation["parameters"]}
    assert ranges == {"limit": 1, "offset": 0}
    assert "400" in operation["responses"]
