"""The real JWT flow: /api/token/, /api/token/refresh/, Bearer auth, revocation (section 2)."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
import time_machine
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import PASSWORD, UserFactory

PROTECTED = "/accounts/profile/"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def obtain(client, username="alice", password=PASSWORD):
    response = client.post("/api/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
class TestTokenEndpoints:
    def test_token_pair_then_bearer_access(self, api_client, alice):
        pair = obtain(api_client)
        assert set(pair) == {"refresh", "access"}
        bearer(api_client, pair["access"])
        assert api_client.get(PROTECTED).status_code == 200

    def test_bad_credentials_are_401(self, api_client, alice):
        response = api_client.post("/api/token/", {"username": "alice", "password": "no"}, format="json")
        assert response.status_code == 401

    def test_refresh_rotates_and_the_old_refresh_is_blacklisted(self, api_client, alice):
        assert "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS
        pair = obtain(api_client)
        first = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert first.status_code == 200
        assert set(first.json()) == {"access", "refresh"}
        assert first.json()["refresh"] != pair["refresh"]
        again = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert again.status_code == 401
        rotated = api_client.post("/api/token/refresh", {"refresh": first.json()["refresh"]}, format="json")
        assert rotated.status_code == 200

    @pytest.mark.parametrize("refresh", ["", "garbage", "a.b.c"])
    def test_a_bad_refresh_is_401_or_400(self, api_client, alice, refresh):
        response = api_client.post("/api/token/refresh/", {"refresh": refresh}, format="json")
        assert response.status_code == (400 if refresh == "" else 401)

    def test_an_expired_refresh_is_401(self, api_client, alice):
        pair = obtain(api_client)
        later = (
            dt.datetime.now(dt.UTC) + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] + dt.timedelta(minutes=1)
        )
        with time_machine.travel(later):
            response = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401

    def test_refresh_for_a_deleted_user_is_401_not_500(self, api_client, alice):
        """simplejwt#860: the stock serializer raises DoesNotExist (500)."""
        pair = obtain(api_client)
        alice.delete()
        response = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401

    def test_refresh_and_access_for_a_deactivated_user_are_401(self, api_client, alice):
        pair = obtain(api_client)
        alice.is_active = False
        alice.save()
        response = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401
        bearer(api_client, pair["access"])
        assert api_client.get(PROTECTED).status_code == 401

    def test_a_password_change_revokes_earlier_tokens(self, api_client, alice):
        pair = obtain(api_client)
        bearer(api_client, pair["access"])
        response = api_client.put(
            PROTECTED,
            {
                "current_password": PASSWORD,
                "new_password": "N3w-Passw0rd!x",
                "confirm_password": "N3w-Passw0rd!x",
            },
            format="json",
        )
        assert response.status_code == 200
        assert api_client.get(PROTECTED).status_code == 401
        api_client.credentials()
        refresh = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert refresh.status_code == 401
        fresh = obtain(api_client, password="N3w-Passw0rd!x")
        bearer(api_client, fresh["access"])
        assert api_client.get(PROTECTED).status_code == 200

    def test_token_endpoints_ignore_a_stale_authorization_header(self, api_client, alice):
        bearer(api_client, "stale.token.value")
        pair = obtain(api_client)
        response = api_client.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 200


@pytest.mark.django_db
class TestBearerAuthentication:
    def test_missing_token_is_401_with_www_authenticate(self, api_client):
        response = api_client.get(PROTECTED)
        assert response.status_code == 401
        assert "detail" in response.json()
        assert response["WWW-Authenticate"].startswith("Bearer")

    def forge(self, key, alg="HS256", **claims):
        payload = {"token_type": "access", "user_id": "1", "jti": "x", "exp": 4102444800, **claims}
        return jwt.encode(payload, key, algorithm=alg)

    def test_tokens_are_signed_with_the_separate_jwt_key(self, api_client, alice):
        assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY
        assert len(settings.SIMPLE_JWT["SIGNING_KEY"]) >= 32
        forged = self.forge(settings.SECRET_KEY, user_id=str(alice.pk))
        bearer(api_client, forged)
        assert api_client.get(PROTECTED).status_code == 401

    @pytest.mark.parametrize(
        "token",
        ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ."],
        ids=["garbage", "three-parts", "alg-none"],
    )
    def test_malformed_tokens_are_401(self, api_client, alice, token):
        bearer(api_client, token)
        response = api_client.get(PROTECTED)
        assert response.status_code == 401
        assert "WWW-Authenticate" in response

    @pytest.mark.parametrize("user_id", ["abc", "1.5", [1], {"id": 1}, True, None, ""], ids=repr)
    def test_a_signed_token_whose_user_id_is_not_an_id_is_401(self, api_client, alice, user_id):
        """Signed with the real key (a leaked key, or a bug): still 401, not a 500 from the ORM."""
        access, refresh = AccessToken.for_user(alice), RefreshToken.for_user(alice)
        access["user_id"] = refresh["user_id"] = user_id
        bearer(api_client, str(access))
        response = api_client.get(PROTECTED)
        assert response.status_code == 401, response.content
        assert "WWW-Authenticate" in response
        api_client.credentials()
        response = api_client.post("/api/token/refresh/", {"refresh": str(refresh)}, format="json")
        assert response.status_code == 401, response.content

    def test_a_signed_token_with_the_id_as_a_string_still_works(self, api_client, alice):
        access = AccessToken.for_user(alice)
        access["user_id"] = str(alice.pk)
        bearer(api_client, str(access))
        assert api_client.get(PROTECTED).status_code == 200

    def test_a_refresh_token_is_not_an_access_token(self, api_client, alice):
        pair = obtain(api_client)
        bearer(api_client, pair["refresh"])
        assert api_client.get(PROTECTED).status_code == 401

    def test_an_expired_access_token_is_401(self, api_client, alice):
        pair = obtain(api_client)
        later = (
            dt.datetime.now(dt.UTC) + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + dt.timedelta(minutes=1)
        )
        bearer(api_client, pair["access"])
        with time_machine.travel(later):
            assert api_client.get(PROTECTED).status_code == 401

    def test_default_lifetimes_match_the_original(self):
        assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == dt.timedelta(days=1)
        assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] == dt.timedelta(days=5)
