"""Staff find users and profiles in the Django admin."""

from __future__ import annotations

import pytest

from accounts.models import Profile
from accounts.tests.factories import UserFactory


@pytest.fixture
def staff_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.django_db
class TestAccountsAdmin:
    def test_users_can_be_searched_and_filtered(self, staff_client):
        UserFactory(username="findme", email="findme@example.org")
        UserFactory(username="dormant", is_active=False)
        page = staff_client.get("/admin/auth/user/", {"q": "findme"})
        assert page.status_code == 200
        assert b"findme@example.org" in page.content
        inactive = staff_client.get("/admin/auth/user/", {"is_active__exact": "0"})
        assert b"dormant" in inactive.content and b"findme" not in inactive.content

    def test_a_user_page_shows_the_profile_inline(self, staff_client):
        user = UserFactory(username="carol")
        Profile.objects.create(user=user, email_notifications=False)
        page = staff_client.get(f"/admin/auth/user/{user.pk}/change/")
        assert page.status_code == 200
        assert b"email_notifications" in page.content

    def test_profiles_can_be_searched_and_filtered(self, staff_client):
        Profile.objects.create(user=UserFactory(username="quiet"), email_notifications=False)
        Profile.objects.create(user=UserFactory(username="loud"))
        page = staff_client.get("/admin/accounts/profile/", {"email_notifications__exact": "0"})
        assert page.status_code == 200
        assert b"quiet" in page.content and b"loud" not in page.content
        assert b"loud" in staff_client.get("/admin/accounts/profile/", {"q": "loud"}).content

    def test_non_staff_are_sent_to_the_login_page(self, client, user):
        client.force_login(user)
        response = client.get("/admin/auth/user/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
