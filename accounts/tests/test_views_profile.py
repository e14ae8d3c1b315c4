"""GET/PUT /accounts/profile/ and the profile lookups of section 8."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Profile
from accounts.tests.factories import PASSWORD, UserFactory
from contacts.tests.factories import ContactFactory

URL = "/accounts/profile/"


def image_file(fmt="PNG", size=(8, 6), name=None, color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name or f"avatar.{fmt.lower()}", buffer.getvalue())


def png_bomb(width, height):
    """A tiny PNG that claims a huge size: header plus one compressed all-zero IDAT."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.mark.django_db
class TestProfileRead:
    def test_it_returns_the_seed_shape(self, auth_client, user):
        response = auth_client.get(URL)
        assert response.status_code == 200
        assert response.json() == {
            "user": {
                "id": user.id,
                "username": "alice",
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": "alice@example.org",
            },
            "profile_picture": None,
            "email_notifications": True,
        }

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(URL).status_code == 401
        assert api_client.put(URL, {"first_name": "x"}, format="json").status_code == 401

    def test_without_trailing_slash(self, auth_client):
        assert auth_client.get("/accounts/profile").status_code == 200


@pytest.mark.django_db
class TestProfileUpdate:
    def test_it_updates_only_the_given_fields(self, auth_client, user):
        response = auth_client.put(URL, {"first_name": "Alicia"}, format="json")
        assert response.status_code == 200
        assert response.json()["user"]["first_name"] == "Alicia"
        user.refresh_from_db()
        assert user.first_name == "Alicia" and user.email == "alice@example.org"
        assert user.check_password(PASSWORD)

    def test_it_accepts_multipart(self, auth_client, user):
        response = auth_client.put(URL, {"last_name": "Liddell", "email": "a@l.org"}, format="multipart")
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.last_name, user.email) == ("Liddell", "a@l.org")

    def test_a_bad_email_is_401_with_the_field(self, auth_client, user):
        response = auth_client.put(URL, {"email": "nope"}, format="json")
        assert response.status_code == 401
        assert response.json() == {"email": ["Enter a valid email address."]}
        user.refresh_from_db()
        assert user.email == "alice@example.org"

    def test_a_form_body_leaves_unsent_booleans_alone(self, auth_client, user):
        """Regression: a multipart PUT without `email_notifications` turned it off."""
        response = auth_client.put(URL, {"first_name": "Ada"}, format="multipart")
        assert response.status_code == 200
        assert response.json()["email_notifications"] is True
        assert Profile.objects.get(user=user).email_notifications is True

    def test_notification_opt_out(self, auth_client, user):
        response = auth_client.put(URL, {"email_notifications": False}, format="json")
        assert response.status_code == 200 and response.json()["email_notifications"] is False
        assert Profile.objects.get(user=user).email_notifications is False

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (
                {"new_password": "N3w-Passw0rd!x", "confirm_password": "N3w-Passw0rd!x"},
                "Enter current password first",
            ),
            ({"confirm_password": "N3w-Passw0rd!x"}, "Enter current password first"),
            (
                {
                    "current_password": "wrong",
                    "new_password": "N3w-Passw0rd!x",
                    "confirm_password": "N3w-Passw0rd!x",
                },
                "Current password is incorrect",
            ),
            (
                {
                    "current_password": PASSWORD,
                    "new_password": "N3w-Passw0rd!x",
                    "confirm_password": "Other-Passw0rd!",
                },
                "Password must match",
            ),
            ({"current_password": PASSWORD, "new_password": "N3w-Passw0rd!x"}, "Password must match"),
            (
                {"current_password": PASSWORD, "new_password": "12345678", "confirm_password": "12345678"},
                "This password is entirely numeric.",
            ),
        ],
    )
    def test_password_trio_errors_are_401_non_field_errors(self, auth_client, user, body, message):
        response = auth_client.put(URL, {"first_name": "Changed", **body}, format="json")
        assert response.status_code == 401
        assert message in response.json()["non_field_errors"]
        user.refresh_from_db()
        assert user.check_password(PASSWORD) and user.first_name != "Changed"

    def test_a_password_change(self, auth_client, user):
        body = {
            "current_password": PASSWORD,
            "new_password": "N3w-Passw0rd!x",
            "confirm_password": "N3w-Passw0rd!x",
        }
        response = auth_client.put(URL, body, format="json")
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.check_password("N3w-Passw0rd!x")

    @pytest.mark.parametrize("value", [["x"], {"a": 1}, True])
    def test_wrong_types_are_401_never_500(self, auth_client, value):
        response = auth_client.put(URL, {"first_name": value}, format="json")
        assert response.status_code == 401

    def test_malformed_json_is_400(self, auth_client):
        response = auth_client.put(URL, "{", content_type="application/json")
        assert response.status_code == 400


@pytest.mark.django_db
class TestProfilePicture:
    @pytest.mark.parametrize(
        ("fmt", "suffix"), [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]
    )
    def test_each_allowed_format_is_stored_under_a_generated_name(self, auth_client, user, fmt, suffix):
        response = auth_client.put(
            URL, {"profile_picture": image_file(fmt, name="../../evil.exe")}, format="multipart"
        )
        assert response.status_code == 200, response.content
        url = response.json()["profile_picture"]
        assert url.startswith("http://testserver/media/profile_pictures/")
        assert url.endswith(f".{suffix}") and "evil" not in url
        served = auth_client.get(url.removeprefix("http://testserver"))
        assert served.status_code == 200
        assert b"".join(served.streaming_content)[:2] in {b"\x89P", b"\xff\xd8", b"GI", b"RI"}

    def test_an_empty_value_removes_the_picture_and_its_file(
        self, auth_client, user, settings, django_capture_on_commit_callbacks
    ):
        first = auth_client.put(URL, {"profile_picture": image_file()}, format="multipart").json()
        path = first["profile_picture"].removeprefix("http://testserver/media/")
        assert (settings.MEDIA_ROOT / path).exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.put(URL, {"profile_picture": ""}, format="multipart")
        assert response.status_code == 200
        assert response.json()["profile_picture"] is None
        assert not (settings.MEDIA_ROOT / path).exists()

    def test_null_in_json_removes_it_too(self, auth_client, user):
        auth_client.put(URL, {"profile_picture": image_file()}, format="multipart")
        response = auth_client.put(URL, {"profile_picture": None}, format="json")
        assert response.json()["profile_picture"] is None

    def test_replacing_deletes_the_old_file(
        self, auth_client, user, settings, django_capture_on_commit_callbacks
    ):
        old = auth_client.put(URL, {"profile_picture": image_file()}, format="multipart").json()
        with django_capture_on_commit_callbacks(execute=True):
            new = auth_client.put(URL, {"profile_picture": image_file("JPEG")}, format="multipart").json()
        assert old["profile_picture"] != new["profile_picture"]
        assert not (
            settings.MEDIA_ROOT / old["profile_picture"].removeprefix("http://testserver/media/")
        ).exists()

    @pytest.mark.parametrize(
        "upload",
        [
            SimpleUploadedFile("a.png", b"this is not an image at all"),
            SimpleUploadedFile("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
            SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
        ],
        ids=["text", "svg", "truncated-png"],
    )
    def test_non_images_are_rejected(self, auth_client, user, upload):
        response = auth_client.put(URL, {"profile_picture": upload}, format="multipart")
        assert response.status_code == 401
        assert response.json() == {"profile_picture": ["Upload a valid image: PNG, JPEG, GIF or WebP."]}
        assert (
            not Profile.objects.filter(user=user)
            .exclude(profile_picture="")
            .exclude(profile_picture=None)
            .exists()
        )

    def test_a_bmp_is_rejected_even_though_pillow_reads_it(self, auth_client, user):
        response = auth_client.put(URL, {"profile_picture": image_file("BMP")}, format="multipart")
        assert response.status_code == 401
        assert "profile_picture" in response.json()

    def test_over_2_mb_is_rejected_before_decoding(self, auth_client, user):
        big = SimpleUploadedFile("big.png", image_file().read() + b"\x00" * (2 * 1024 * 1024))
        response = auth_client.put(URL, {"profile_picture": big}, format="multipart")
        assert response.status_code == 401
        assert response.json() == {"profile_picture": ["The picture is larger than 2 MB."]}

    def test_a_decompression_bomb_is_rejected_from_its_header(self, auth_client, user):
        bomb = SimpleUploadedFile("bomb.png", png_bomb(10_000, 10_000))
        assert bomb.size < 100_000
        response = auth_client.put(URL, {"profile_picture": bomb}, format="multipart")
        assert response.status_code == 401
        assert "pixels" in response.json()["profile_picture"][0]

    def test_a_string_instead_of_a_file(self, auth_client, user):
        response = auth_client.put(URL, {"profile_picture": "http://example.com/a.png"}, format="json")
        assert response.status_code == 401
        assert "profile_picture" in response.json()


@pytest.mark.django_db
class TestProfileLookups:
    def test_by_id_shows_email_only_to_contacts(self, auth_client, user):
        friend = UserFactory(username="carol")
        stranger = UserFactory(username="dave")
        ContactFactory(requester=user, requested=friend)
        assert auth_client.get(f"/accounts/profile/id/{friend.id}/").json()["email"] == "carol@example.org"
        body = auth_client.get(f"/accounts/profile/id/{stranger.id}").json()
        assert body == {
            "id": stranger.id,
            "username": "dave",
            "first_name": stranger.first_name,
            "last_name": stranger.last_name,
            "email": "",
            "profile_picture": None,
        }

    def test_a_pending_request_is_not_a_contact(self, auth_client, user):
        pending = UserFactory(username="erin")
        ContactFactory(requester=user, requested=pending, accepted=False)
        assert auth_client.get(f"/accounts/profile/id/{pending.id}/").json()["email"] == ""

    def test_by_id_unknown_is_404_and_anonymous_401(self, auth_client, api_client, user):
        response = auth_client.get("/accounts/profile/id/999999/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
        assert api_client.get(f"/accounts/profile/id/{user.id}/").status_code == 401

    def test_partial_search_is_case_insensitive_capped_and_sorted(
        self, auth_client, user, django_assert_num_queries
    ):
        for i in range(25):
            UserFactory(username=f"match{i:02d}")
        UserFactory(username="other")
        # Expect 2 queries: the caller's contacts, the users joined with their profiles.
        with django_assert_num_queries(2):
            response = auth_client.get("/accounts/profile/partial/MATCH/")
        names = [row["username"] for row in response.json()]
        assert response.status_code == 200
        assert names == sorted(names) and len(names) == 20
        assert all(row["email"] == "" for row in response.json())

    def test_partial_search_with_no_match_is_an_empty_list(self, auth_client, user):
        response = auth_client.get("/accounts/profile/partial/zzzz")
        assert response.status_code == 200 and response.json() == []
