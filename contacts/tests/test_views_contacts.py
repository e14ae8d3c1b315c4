"""GET /contacts/: the caller's friends, as usernames and as objects."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

CONTACT_KEYS = {"id", "username", "first_name", "last_name", "email", "profile_picture"}


def befriend(user, name, *, user_asked=True, **fields):
    other = UserFactory(username=name, **fields)
    pair = (user, other) if user_asked else (other, user)
    ContactFactory(requester=pair[0], requested=pair[1], accepted=True)
    return other


@pytest.mark.parametrize("path", ["/contacts/", "/contacts"])
def test_it_lists_friends_with_and_without_the_trailing_slash(auth_client, user, path):
    befriend(user, "bob")
    response = auth_client.get(path)
    assert response.status_code == 200
    assert response.json()["friends"] == ["bob"]


def test_it_returns_usernames_and_contact_objects_sorted_by_username(auth_client, user):
    """Friends in both directions; the sort ignores case so "Carol" sits between b and d."""
    dave = befriend(user, "dave", user_asked=False, first_name="Dave", last_name="D")
    bob = befriend(user, "bob", first_name="Bob", last_name="B")
    carol = befriend(user, "Carol", user_asked=False, first_name="Carol", last_name="C")
    response = auth_client.get("/contacts/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"friends", "contacts"}
    assert body["friends"] == ["bob", "Carol", "dave"]
    assert body["contacts"] == [
        {
            "id": friend.pk,
            "username": friend.username,
            "first_name": friend.first_name,
            "last_name": friend.last_name,
            "email": friend.email,
            "profile_picture": None,
        }
        for friend in (bob, carol, dave)
    ]


def test_it_returns_empty_lists_without_friends(auth_client):
    response = auth_client.get("/contacts/")
    assert response.status_code == 200
    assert response.json() == {"friends": [], "contacts": []}


def test_contact_objects_expose_exactly_the_allowed_keys(auth_client, user):
    """No password, is_staff, last_login or anything else of the friend's account."""
    befriend(user, "bob", is_staff=True)
    contact = auth_client.get("/contacts/").json()["contacts"][0]
    assert set(contact) == CONTACT_KEYS
    assert "pbkdf2" not in str(contact) and "md5$" not in str(contact)


def test_it_never_shows_people_who_are_not_friends(auth_client, user):
    """Pending requests either way and other people's friendships stay out, emails included."""
    ContactFactory(requester=user, requested=UserFactory(username="asked"), accepted=False)
    ContactFactory(requester=UserFactory(username="asking"), requested=user, accepted=False)
    ContactFactory(requester=UserFactory(username="x"), requested=UserFactory(username="y"))
    UserFactory(username="stranger")
    befriend(user, "bob")
    response = auth_client.get("/contacts/")
    assert response.json()["friends"] == ["bob"]
    for name in ("asked", "asking", "x", "y", "stranger"):
        assert f"{name}@example.org".encode() not in response.content


def test_each_user_sees_only_their_own_friends(client_for, user, other_user):
    befriend(user, "carol")
    befriend(other_user, "dave")
    assert client_for(user).get("/contacts/").json()["friends"] == ["carol"]
    assert client_for(other_user).get("/contacts/").json()["friends"] == ["dave"]


def test_profile_picture_is_an_absolute_url_or_null(auth_client, user):
    """With a picture: its absolute URL; with a profile but no picture, or with no profile
    row at all (users created before profiles, or by the admin): null."""
    pictured = befriend(user, "bob")
    profile = Profile.objects.create(user=pictured)
    profile.profile_picture.save("face.png", ContentFile(b"not decoded here"), save=True)
    Profile.objects.create(user=befriend(user, "carol"))
    befriend(user, "dave")  # no Profile row
    contacts = auth_client.get("/contacts/").json()["contacts"]
    assert contacts[0]["profile_picture"] == f"http://testserver{profile.profile_picture.url}"
    assert [c["profile_picture"] for c in contacts[1:]] == [None, None]


def test_it_does_not_paginate_the_object(auth_client, user):
    befriend(user, "bob")
    befriend(user, "carol")
    response = auth_client.get("/contacts/", {"limit": 1})
    assert response.json()["friends"] == ["bob", "carol"]


def test_it_lists_friends_in_one_query(auth_client, user, django_assert_num_queries):
    """No N+1 over friends or their profiles, however many friends there are."""
    for index in range(5):
        friend = befriend(user, f"friend{index}", user_asked=index % 2 == 0)
        profile = Profile.objects.create(user=friend)
        profile.profile_picture.save(f"p{index}.png", ContentFile(b"x"), save=True)
    ContactFactory(requester=UserFactory(username="pending"), requested=user, accepted=False)
    # Expect 1 query: the users whose id is in (friends I asked) or (friends who asked me),
    # LEFT JOIN their profile, ordered by username. (force_authenticate: no auth query.)
    with django_assert_num_queries(1):
        response = auth_client.get("/contacts/")
    assert len(response.json()["contacts"]) == 5


def test_anonymous_gets_401(api_client):
    response = api_client.get("/contacts/")
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_garbled_token_gets_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get("/contacts/").status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_get_405(auth_client, method):
    assert getattr(auth_client, method)("/contacts/").status_code == 405


def test_there_is_no_contact_detail_route(auth_client, user, other_user):
    """Contacts are addressed by username through friendRequests/user, never by row id."""
    contact = ContactFactory(requester=user, requested=other_user)
    assert auth_client.delete(f"/contacts/{contact.pk}/").status_code == 404
    assert auth_client.get(f"/contacts/{contact.pk}").status_code == 404
