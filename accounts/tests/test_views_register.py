"""POST /accounts/register/ (CONTRACT section 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile
from accounts.tests.factories import UserFactory

User = get_user_model()
URL = "/accounts/register/"
FIELDS = ["username", "first_name", "last_name", "email", "password", "confirm_password"]


def payload(**overrides):
    data = {
        "username": "carol",
        "first_name": "Carol",
        "last_name": "Danvers",
        "email": "carol@example.org",
        "password": "Str0ng-and-long",
        "confirm_password": "Str0ng-and-long",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
class TestRegister:
    def test_it_creates_an_active_user_and_answers_201_with_public_fields(self, api_client):
        response = api_client.post(URL, payload(), format="json")
        assert response.status_code == 201
        assert response.json() == {
            "username": "carol",
            "first_name": "Carol",
            "last_name": "Danvers",
            "email": "carol@example.org",
        }
        user = User.objects.get(username="carol")
        assert user.is_active and user.check_password("Str0ng-and-long")
        assert not user.is_staff and not user.is_superuser
        assert Profile.objects.filter(user=user).exists()

    def test_it_accepts_form_encoded_bodies_and_no_trailing_slash(self, api_client):
        response = api_client.post("/accounts/register", payload(), format="multipart")
        assert response.status_code == 201

    @pytest.mark.parametrize("field", FIELDS)
    def test_it_requires_every_field(self, api_client, field):
        response = api_client.post(URL, payload(**{field: None}), format="json")
        assert response.status_code == 400
        assert response.json()[field] == ["This field is required."]
        assert not User.objects.exists()

    @pytest.mark.parametrize("field", ["username", "first_name", "last_name", "email", "password"])
    def test_it_rejects_blank_fields(self, api_client, field):
        response = api_client.post(URL, payload(**{field: ""}), format="json")
        assert response.status_code == 400
        assert field in response.json()

    @pytest.mark.parametrize("value", [["carol"], {"a": 1}, True, None])
    def test_it_rejects_wrong_types_without_500(self, api_client, value):
        response = api_client.post(URL, payload(username=value), format="json")
        assert response.status_code == 400
        assert "username" in response.json()

    def test_it_rejects_a_taken_username_with_the_seed_message(self, api_client):
        UserFactory(username="carol")
        response = api_client.post(URL, payload(), format="json")
        assert response.status_code == 400
        assert response.json() == {"username": ["A user with that username already exists."]}

    @pytest.mark.parametrize("username", ["has space", "semi;colon", "x" * 151, "émoji🙂"])
    def test_it_enforces_the_username_rule(self, api_client, username):
        response = api_client.post(URL, payload(username=username), format="json")
        assert response.status_code == 400
        assert "username" in response.json()

    def test_it_accepts_every_allowed_username_character(self, api_client):
        response = api_client.post(URL, payload(username="a.b+c-d_e@f"), format="json")
        assert response.status_code == 201

    def test_it_rejects_a_bad_email(self, api_client):
        response = api_client.post(URL, payload(email="not-an-email"), format="json")
        assert response.status_code == 400
        assert response.json() == {"email": ["Enter a valid email address."]}

    def test_it_requires_matching_passwords(self, api_client):
        response = api_client.post(URL, payload(confirm_password="Different-pass-1"), format="json")
        assert response.status_code == 400
        assert response.json() == {"confirm_password": ["Password must match"]}

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short1!", "This password is too short. It must contain at least 8 characters."),
            ("password", "This password is too common."),
            ("3141592653589", "This password is entirely numeric."),
            ("carolxyz1", "The password is too similar to the username."),
        ],
    )
    def test_it_runs_djangos_password_validators(self, api_client, password, message):
        response = api_client.post(URL, payload(password=password, confirm_password=password), format="json")
        assert response.status_code == 400
        assert message in response.json()["password"]

    def test_it_ignores_privilege_fields(self, api_client):
        response = api_client.post(URL, {**payload(), "is_staff": True, "is_superuser": True}, format="json")
        assert response.status_code == 201
        user = User.objects.get(username="carol")
        assert not user.is_staff and not user.is_superuser

    def test_it_ignores_a_stale_authorization_header(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
        response = api_client.post(URL, payload(), format="json")
        assert response.status_code == 201

    def test_malformed_json_is_400(self, api_client):
        response = api_client.post(URL, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert "detail" in response.json()

    @pytest.mark.parametrize("method", ["get", "put", "delete"])
    def test_other_methods_are_405(self, api_client, method):
        assert getattr(api_client, method)(URL).status_code == 405
