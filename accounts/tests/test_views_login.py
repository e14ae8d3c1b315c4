"""POST /accounts/login/ and the failed-login throttle (CONTRACT section 2)."""

from __future__ import annotations

import pytest
import time_machine

from accounts.tests.factories import PASSWORD, UserFactory

URL = "/accounts/login/"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.mark.django_db
class TestLogin:
    def test_it_returns_refresh_access_and_token_alias(self, api_client, alice):
        response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"refresh", "access", "token"}
        assert body["token"] == body["access"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
        assert api_client.get("/accounts/profile/").json()["user"]["username"] == "alice"

    def test_it_accepts_form_bodies_without_trailing_slash(self, api_client, alice):
        response = api_client.post(
            "/accounts/login", {"username": "alice", "password": PASSWORD}, format="multipart"
        )
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"username": "alice"},
            {"password": PASSWORD},
            {"username": "", "password": PASSWORD},
            {"username": "alice", "password": ""},
        ],
    )
    def test_missing_or_blank_fields(self, api_client, alice, body):
        response = api_client.post(URL, body, format="json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Both fields are required"]}

    @pytest.mark.parametrize(
        "body", [{"username": "alice", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}]
    )
    def test_wrong_credentials_do_not_reveal_which_part_is_wrong(self, api_client, alice, body):
        response = api_client.post(URL, body, format="json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Username and password do not match"]}

    def test_an_inactive_user_with_the_right_password(self, api_client, db):
        UserFactory(username="dormant", is_active=False)
        response = api_client.post(URL, {"username": "dormant", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["User not activated"]}

    def test_an_inactive_user_with_a_wrong_password_learns_nothing(self, api_client, db):
        UserFactory(username="dormant", is_active=False)
        response = api_client.post(URL, {"username": "dormant", "password": "nope"}, format="json")
        assert response.json() == {"non_field_errors": ["Username and password do not match"]}

    @pytest.mark.parametrize("value", [5, ["alice"], {"x": 1}, None])
    def test_wrong_types_are_400_not_500(self, api_client, alice, value):
        response = api_client.post(URL, {"username": value, "password": PASSWORD}, format="json")
        assert response.status_code == 400

    def test_a_stale_bearer_header_does_not_break_login(self, api_client, alice):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
        response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
        assert response.status_code == 200


@pytest.mark.django_db
class TestLoginThrottle:
    def fail(self, client, username="alice", **extra):
        return client.post(URL, {"username": username, "password": "wrong"}, format="json", **extra)

    def test_five_failures_for_a_username_then_429_even_with_the_right_password(self, api_client, alice):
        for _ in range(5):
            assert self.fail(api_client).status_code == 400
        response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
        assert response.status_code == 429
        assert "detail" in response.json()
        assert 1 <= int(response["Retry-After"]) <= 15 * 60

    def test_the_username_window_passes_after_15_minutes(self, api_client, alice):
        with time_machine.travel("2030-01-01 10:00:00+00:00", tick=False) as traveller:
            for _ in range(5):
                self.fail(api_client)
            assert self.fail(api_client).status_code == 429
            traveller.shift(15 * 60 + 1)
            response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
            assert response.status_code == 200

    def test_the_username_rule_is_case_insensitive(self, api_client, alice):
        for name in ["alice", "ALICE", "Alice", "aLice", "alicE"]:
            self.fail(api_client, username=name)
        assert self.fail(api_client).status_code == 429

    def test_successful_logins_are_never_throttled(self, api_client, alice):
        for _ in range(12):
            response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
            assert response.status_code == 200

    def test_thirty_failures_from_one_address_then_429_for_any_username(self, api_client, alice):
        for i in range(30):
            assert self.fail(api_client, username=f"ghost{i}").status_code == 400
        response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")
        assert response.status_code == 429
        assert int(response["Retry-After"]) <= 60

    def test_a_forged_x_forwarded_for_does_not_dodge_the_address_rule(self, api_client, alice):
        for i in range(30):
            self.fail(api_client, username=f"ghost{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        response = self.fail(api_client, username="someone", HTTP_X_FORWARDED_FOR="10.9.9.9")
        assert response.status_code == 429

    def test_another_address_is_not_throttled_by_the_address_rule(self, api_client, alice):
        for i in range(30):
            self.fail(api_client, username=f"ghost{i}")
        response = api_client.post(
            URL, {"username": "alice", "password": PASSWORD}, format="json", REMOTE_ADDR="192.0.2.7"
        )
        assert response.status_code == 200

    def test_api_token_failures_count_too(self, api_client, alice):
        for _ in range(5):
            response = api_client.post("/api/token/", {"username": "alice", "password": "x"}, format="json")
            assert response.status_code == 401
        response = api_client.post("/api/token/", {"username": "alice", "password": PASSWORD}, format="json")
        assert response.status_code == 429
        assert "Retry-After" in response
