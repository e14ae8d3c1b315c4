"""Hostile input found by the adversarial review: each answered with a 4xx, never a 500."""

from __future__ import annotations

import pytest

from calendars.tests.factories import CalendarFactory

DEEP_JSON = "[" * 5000 + "]" * 5000


@pytest.mark.django_db
class TestDeeplyNestedJson:
    """Regression: `json.loads` raised RecursionError (500) on 5,000 nested brackets."""

    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("post", "/accounts/login/"),
            ("post", "/accounts/register/"),
            ("post", "/api/token/"),
            ("post", "/api/token/refresh/"),
            ("put", "/accounts/profile/"),
            ("post", "/contacts/friendRequests/user/"),
            ("post", "/calendars/"),
        ],
    )
    def test_it_is_a_400(self, auth_client, method, url):
        response = getattr(auth_client, method)(url, DEEP_JSON, content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in str(response.json())

    def test_under_a_calendar_too(self, client_for, user):
        calendar = CalendarFactory(owner=user)
        response = client_for(user).post(
            f"/calendars/{calendar.id}/availabilities/", DEEP_JSON, content_type="application/json"
        )
        assert response.status_code == 400


@pytest.mark.django_db
class TestPathValues:
    @pytest.mark.parametrize(
        "url",
        [
            "/calendars/" + "9" * 5000,
            "/calendars/" + "9" * 19 + "/invitee/",
            "/calendars/1/availabilities/" + "9" * 4500,
            "/accounts/profile/id/" + "9" * 4400 + "/",
        ],
    )
    def test_an_id_too_long_for_any_row_is_a_404(self, auth_client, url):
        """Regression: Python refuses int() of 4,300+ digits, which was a 500."""
        response = auth_client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    def test_the_largest_allowed_id_is_a_plain_404(self, auth_client):
        assert auth_client.get("/calendars/" + "9" * 18).status_code == 404

    def test_a_nul_in_the_profile_search_matches_nobody(self, auth_client):
        """Regression: PostgreSQL refuses NUL in text (500); SQLite matched everyone."""
        response = auth_client.get("/accounts/profile/partial/a%00b/")
        assert response.status_code == 200
        assert response.json() == []
        assert auth_client.get("/accounts/profile/partial/%00/").json() == []

    def test_a_nul_in_an_email_username_is_a_404(self, client_for, user):
        calendar = CalendarFactory(owner=user)
        response = client_for(user).post(f"/calendars/{calendar.id}/email/a%00b/")
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["localtime", "Factory"])
def test_pseudo_timezones_are_refused(auth_client, zone):
    """`localtime` would follow the server's clock settings; `Factory` is a placeholder."""
    body = {"name": "x", "start_date": "2030-01-01", "end_date": "2030-01-02", "timezone": zone}
    response = auth_client.post("/calendars/", body, format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()
