"""The friend-request endpoints: list, send, remove a friend, accept or reject."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import IntegrityError
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from contacts import services
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LIST = "/contacts/friendRequests/"
USER = "/contacts/friendRequests/user/"
ANSWER = "/contacts/friendRequests/request/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


def form(client, method, path, data):
    """Send `data` url-encoded, as an HTML form or the coreapi client would."""
    return getattr(client, method)(path, urlencode(data), content_type=FORM)


def pending(requester, requested):
    return ContactFactory(requester=requester, requested=requested, accepted=False)


# GET /contacts/friendRequests/


@pytest.mark.parametrize("path", [LIST, LIST.rstrip("/")])
def test_it_lists_pending_requests_received_by_id(auth_client, user, other_user, carol, path):
    first = pending(carol, user)
    second = pending(other_user, user)
    pending(user, UserFactory(username="dave"))  # sent by me
    ContactFactory(requester=UserFactory(username="erin"), requested=user, accepted=True)  # friends
    pending(carol, other_user)  # someone else's
    response = auth_client.get(path)
    assert response.status_code == 200
    assert response.json() == [
        {"id": first.pk, "requester_username": "carol"},
        {"id": second.pk, "requester_username": "bob"},
    ]


def test_each_request_exposes_exactly_id_and_requester_username(auth_client, user, other_user):
    pending(other_user, user)
    assert set(auth_client.get(LIST).json()[0]) == {"id", "requester_username"}


def test_it_lists_nothing_as_an_empty_array(auth_client):
    response = auth_client.get(LIST)
    assert response.status_code == 200
    assert response.json() == []


def test_it_paginates_on_request(auth_client, user):
    ids = [pending(UserFactory(username=f"asker{i}"), user).pk for i in range(3)]
    response = auth_client.get(LIST, {"limit": 2, "offset": 1})
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == ids[1:]


def test_it_lists_requests_in_one_query(auth_client, user, django_assert_num_queries):
    for index in range(5):
        pending(UserFactory(username=f"asker{index}"), user)
    # Expect 1 query: pending contacts addressed to me JOIN their requester, ordered by id.
    with django_assert_num_queries(1):
        response = auth_client.get(LIST)
    assert len(response.json()) == 5


def test_a_paginated_page_takes_two_queries(auth_client, user, django_assert_num_queries):
    for index in range(5):
        pending(UserFactory(username=f"asker{index}"), user)
    # Expect 2 queries: COUNT of my pending requests; the page JOIN requester.
    with django_assert_num_queries(2):
        response = auth_client.get(LIST, {"limit": 3})
    assert len(response.json()["results"]) == 3


# POST /contacts/friendRequests/user/


@pytest.mark.parametrize("path", [USER, USER.rstrip("/")])
def test_it_sends_a_request(auth_client, user, other_user, path):
    response = auth_client.post(path, {"requested": "bob"})
    assert response.status_code == 201
    assert response.json() == {"message": "Friend request sent to bob"}
    contact = Contact.objects.get()
    assert (contact.requester, contact.requested, contact.accepted) == (user, other_user, False)


def test_it_sends_a_request_from_a_form(auth_client, other_user):
    response = form(auth_client, "post", USER, {"requested": "bob"})
    assert response.status_code == 201
    assert response.json() == {"message": "Friend request sent to bob"}


def test_it_sends_a_request_from_multipart(auth_client, other_user):
    response = auth_client.post(USER, {"requested": "bob"}, format="multipart")
    assert response.status_code == 201


def test_the_request_then_shows_in_the_receivers_list(client_for, user, other_user):
    client_for(user).post(USER, {"requested": "bob"})
    assert client_for(other_user).get(LIST).json()[0]["requester_username"] == "alice"
    assert client_for(user).get(LIST).json() == []


@pytest.mark.parametrize(
    ("setup", "requested", "message"),
    [
        (None, "alice", "You cannot add yourself to your contacts"),
        (None, "nobody", "User does not exist"),
        ("alice->bob pending", "bob", "You have already sent a request to this user"),
        ("bob->alice pending", "bob", "This user has already sent you a request"),
        ("alice->bob friends", "bob", "You are already friends with this user"),
        ("bob->alice friends", "bob", "You are already friends with this user"),
    ],
)
def test_send_refusals_use_the_seeds_messages(auth_client, user, other_user, setup, requested, message):
    if setup:
        pair, state = setup.split()
        users = {"alice": user, "bob": other_user}
        requester, requested_user = (users[name] for name in pair.split("->"))
        ContactFactory(requester=requester, requested=requested_user, accepted=state == "friends")
    before = Contact.objects.count()
    response = auth_client.post(USER, {"requested": requested})
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert Contact.objects.count() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "requested: This field is required."),
        ({"username": "bob"}, "requested: This field is required."),
        ({"requested": ""}, "requested: This field may not be blank."),
        ({"requested": "   "}, "requested: This field may not be blank."),
        ({"requested": None}, "requested: This field may not be null."),
        ({"requested": True}, "requested: Not a valid string."),
        ({"requested": ["bob"]}, "requested: Not a valid string."),
        ({"requested": {"username": "bob"}}, "requested: Not a valid string."),
        ({"requested": "b" * 151}, "requested: Ensure this field has no more than 150 characters."),
    ],
)
def test_send_rejects_missing_or_malformed_input_naming_the_field(auth_client, other_user, body, message):
    response = auth_client.post(USER, body)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not Contact.objects.exists()


def test_send_reads_a_number_as_a_username(auth_client):
    """JSON numbers are read as text: usernames may be all digits."""
    UserFactory(username="12345")
    response = auth_client.post(USER, {"requested": 12345})
    assert response.status_code == 201
    assert response.json() == {"message": "Friend request sent to 12345"}


def test_send_rejects_a_body_that_is_not_an_object(auth_client):
    response = auth_client.post(USER, ["bob"])
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid data. Expected a dictionary, but got list."}


def test_send_rejects_malformed_json(auth_client):
    response = auth_client.post(USER, '{"requested": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["error"]


def test_crossing_requests_give_one_request_and_the_right_message(client_for, user, other_user):
    assert client_for(user).post(USER, {"requested": "bob"}).status_code == 201
    response = client_for(other_user).post(USER, {"requested": "alice"})
    assert response.status_code == 400
    assert response.json() == {"error": "This user has already sent you a request"}
    assert Contact.objects.count() == 1


def test_a_send_whose_conflicting_row_vanished_is_409_not_500(auth_client, other_user, monkeypatch):
    """The insert lost to a crossing request that was gone again on re-reading: retryable."""
    monkeypatch.setattr(services, "_pair_contact", lambda first, second: None)

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("contact_one_per_pair")

    monkeypatch.setattr(Contact, "save", failing_save)
    response = auth_client.post(USER, {"requested": "bob"})
    assert response.status_code == 409
    assert set(response.json()) == {"detail"}


# DELETE /contacts/friendRequests/user/


@pytest.mark.parametrize("path", [USER, USER.rstrip("/")])
@pytest.mark.parametrize("alice_asked", [True, False])
def test_it_removes_a_friend_with_a_json_body(auth_client, user, other_user, path, alice_asked):
    pair = (user, other_user) if alice_asked else (other_user, user)
    ContactFactory(requester=pair[0], requested=pair[1])
    response = auth_client.delete(path, {"username": "bob"})
    assert response.status_code == 204
    assert response.content == b""
    assert not Contact.objects.exists()


def test_it_removes_a_friend_with_a_form_body(auth_client, user, other_user):
    ContactFactory(requester=user, requested=other_user)
    response = form(auth_client, "delete", USER, {"username": "bob"})
    assert response.status_code == 204
    assert not Contact.objects.exists()


@pytest.mark.parametrize("path", [USER, USER.rstrip("/")])
def test_it_removes_a_friend_named_in_the_query_string(auth_client, user, other_user, path):
    ContactFactory(requester=user, requested=other_user)
    response = auth_client.delete(f"{path}?username=bob")
    assert response.status_code == 204
    assert not Contact.objects.exists()


def test_the_body_wins_over_the_query_string(auth_client, user, other_user, carol):
    ContactFactory(requester=user, requested=other_user)
    ContactFactory(requester=user, requested=carol)
    response = auth_client.delete(f"{USER}?username=carol", {"username": "bob"})
    assert response.status_code == 204
    assert list(Contact.objects.values_list("requested__username", flat=True)) == ["carol"]


def test_removal_is_seen_by_both_friends(client_for, user, other_user):
    ContactFactory(requester=other_user, requested=user)
    client_for(user).delete(USER, {"username": "bob"})
    assert client_for(other_user).get("/contacts/").json()["friends"] == []


@pytest.mark.parametrize(
    ("setup", "username", "message"),
    [
        (None, "nobody", "User does not exist"),
        (None, "bob", "You are not friends with this user"),
        (None, "alice", "You are not friends with this user"),
        ("alice->bob", "bob", "You are not friends with this user"),
        ("bob->alice", "bob", "You are not friends with this user"),
        ("carol->bob friends", "bob", "You are not friends with this user"),
    ],
)
def test_remove_refusals_use_the_seeds_messages(
    auth_client, user, other_user, carol, setup, username, message
):
    """Pending requests (either way) and other people's friendships are never removed."""
    if setup:
        users = {"alice": user, "bob": other_user, "carol": carol}
        pair, _, state = setup.partition(" ")
        requester, requested = (users[name] for name in pair.split("->"))
        ContactFactory(requester=requester, requested=requested, accepted=state == "friends")
    before = Contact.objects.count()
    response = auth_client.delete(USER, {"username": username})
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert Contact.objects.count() == before


def test_remove_twice_is_refused_the_second_time(auth_client, user, other_user):
    ContactFactory(requester=user, requested=other_user)
    assert auth_client.delete(USER, {"username": "bob"}).status_code == 204
    response = auth_client.delete(USER, {"username": "bob"})
    assert response.status_code == 400
    assert response.json() == {"error": "You are not friends with this user"}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (USER, None, "username: This field is required."),
        (USER, {}, "username: This field is required."),
        (USER, {"requested": "bob"}, "username: This field is required."),
        (USER, {"username": ""}, "username: This field may not be blank."),
        (f"{USER}?username=", None, "username: This field may not be blank."),
        (USER, {"username": None}, "username: This field may not be null."),
        (USER, {"username": False}, "username: Not a valid string."),
        (USER, {"username": ["bob"]}, "username: Not a valid string."),
        (USER, {"username": "b" * 151}, "username: Ensure this field has no more than 150 characters."),
    ],
)
def test_remove_rejects_missing_or_malformed_input_naming_the_field(
    auth_client, user, other_user, path, body, message
):
    ContactFactory(requester=user, requested=other_user)
    response = auth_client.delete(path, body) if body is not None else auth_client.delete(path)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert Contact.objects.count() == 1


def test_get_on_the_user_route_is_405(auth_client):
    assert auth_client.get(USER).status_code == 405
    assert auth_client.put(USER, {"requested": "bob"}).status_code == 405


# POST /contacts/friendRequests/request/


@pytest.mark.parametrize("action", [True, "true", "True", "TRUE", "accept", "Accept", " accept "])
def test_it_accepts_a_request(auth_client, user, other_user, action):
    contact = pending(other_user, user)
    response = auth_client.post(ANSWER, {"username": "bob", "action": action})
    assert response.status_code == 200
    assert response.json() == {"message": "User with username: bob has been accepted"}
    contact.refresh_from_db()
    assert contact.accepted is True


@pytest.mark.parametrize("action", [False, "false", "False", "reject", "REJECT"])
def test_it_rejects_a_request_and_deletes_it(auth_client, user, other_user, action):
    pending(other_user, user)
    response = auth_client.post(ANSWER, {"username": "bob", "action": action})
    assert response.status_code == 200
    assert response.json() == {"message": "User with username: bob has been rejected"}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("action", "outcome"), [("True", "accepted"), ("false", "rejected")])
def test_it_answers_from_a_form(auth_client, user, other_user, action, outcome):
    """Form bodies (the coreapi client) carry the action as a string."""
    pending(other_user, user)
    response = form(auth_client, "post", ANSWER, {"username": "bob", "action": action})
    assert response.status_code == 200
    assert response.json() == {"message": f"User with username: bob has been {outcome}"}


def test_it_answers_without_the_trailing_slash(auth_client, user, other_user):
    pending(other_user, user)
    response = auth_client.post(ANSWER.rstrip("/"), {"username": "bob", "action": "accept"})
    assert response.status_code == 200


def test_accepting_makes_both_users_friends(client_for, user, other_user):
    client_for(other_user).post(USER, {"requested": "alice"})
    client_for(user).post(ANSWER, {"username": "bob", "action": True})
    assert client_for(user).get("/contacts/").json()["friends"] == ["bob"]
    assert client_for(other_user).get("/contacts/").json()["friends"] == ["alice"]
    assert client_for(user).get(LIST).json() == []


def test_after_a_rejection_the_sender_may_ask_again(client_for, user, other_user):
    client_for(other_user).post(USER, {"requested": "alice"})
    client_for(user).post(ANSWER, {"username": "bob", "action": False})
    assert client_for(other_user).post(USER, {"requested": "alice"}).status_code == 201


@pytest.mark.parametrize("action", [True, False])
def test_the_sender_cannot_answer_their_own_request(auth_client, user, other_user, action):
    pending(user, other_user)
    response = auth_client.post(ANSWER, {"username": "bob", "action": action})
    assert response.status_code == 400
    assert response.json() == {"error": "No friend request from this user"}
    assert Contact.objects.get().accepted is False


@pytest.mark.parametrize("action", [True, False])
def test_nobody_else_can_answer_a_request(client_for, user, other_user, carol, action):
    """Carol cannot accept or reject the request Alice sent to Bob."""
    pending(user, other_user)
    response = client_for(carol).post(ANSWER, {"username": "alice", "action": action})
    assert response.status_code == 400
    assert response.json() == {"error": "No friend request from this user"}
    assert Contact.objects.get().accepted is False


def test_a_second_accept_is_refused(auth_client, user, other_user):
    pending(other_user, user)
    assert auth_client.post(ANSWER, {"username": "bob", "action": True}).status_code == 200
    response = auth_client.post(ANSWER, {"username": "bob", "action": True})
    assert response.status_code == 400
    assert response.json() == {"error": "No friend request from this user"}
    assert Contact.objects.get().accepted is True


@pytest.mark.parametrize(
    ("setup", "username", "message"),
    [
        (None, "nobody", "User does not exist"),
        (None, "bob", "No friend request from this user"),
        (None, "alice", "No friend request from this user"),
        ("friends", "bob", "No friend request from this user"),
    ],
)
def test_answer_refusals_use_the_seeds_messages(auth_client, user, other_user, setup, username, message):
    if setup:
        ContactFactory(requester=other_user, requested=user, accepted=True)
    response = auth_client.post(ANSWER, {"username": username, "action": False})
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert Contact.objects.count() == (1 if setup else 0)


ACTION_INVALID = 'action: Must be true or false ("accept" or "reject" also work).'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"username": "bob"}, "action: This field is required."),
        ({"username": "bob", "action": ""}, ACTION_INVALID),
        ({"username": "bob", "action": "yes"}, ACTION_INVALID),
        ({"username": "bob", "action": "maybe"}, ACTION_INVALID),
        ({"username": "bob", "action": 1}, ACTION_INVALID),
        ({"username": "bob", "action": ["accept"]}, ACTION_INVALID),
        ({"username": "bob", "action": {"accept": True}}, ACTION_INVALID),
        ({"username": "bob", "action": None}, "action: This field may not be null."),
        ({"action": True}, "username: This field is required."),
        ({"username": "", "action": True}, "username: This field may not be blank."),
        ({"username": 7.5, "action": True}, "User does not exist"),  # a number is read as text
        ({"username": ["bob"], "action": True}, "username: Not a valid string."),
        ({}, "username: This field is required."),
    ],
)
def test_answer_rejects_missing_or_unreadable_input_naming_the_field(
    auth_client, user, other_user, body, message
):
    pending(other_user, user)
    response = auth_client.post(ANSWER, body)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert Contact.objects.get().accepted is False


def test_answer_rejects_an_unreadable_form_action(auth_client, user, other_user):
    pending(other_user, user)
    response = form(auth_client, "post", ANSWER, {"username": "bob", "action": "on"})
    assert response.status_code == 400
    assert response.json() == {"error": ACTION_INVALID}


def test_get_on_the_answer_route_is_405(auth_client):
    assert auth_client.get(ANSWER).status_code == 405


# Every route


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("get", LIST.rstrip("/")),
        ("post", USER),
        ("post", USER.rstrip("/")),
        ("delete", USER),
        ("delete", f"{USER}?username=bob"),
        ("post", ANSWER),
        ("post", ANSWER.rstrip("/")),
    ],
)
def test_anonymous_gets_401_and_changes_nothing(api_client, user, other_user, method, path):
    ContactFactory(requester=other_user, requested=user, accepted=False)
    ContactFactory(requester=user, requested=UserFactory(username="carol"), accepted=True)
    body = {"requested": "bob", "username": "bob", "action": True}
    response = getattr(api_client, method)(path, body)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert sorted(Contact.objects.values_list("accepted", flat=True)) == [False, True]


@pytest.mark.parametrize("path", ["/contacts/", LIST, USER, ANSWER])
def test_options_never_fails(auth_client, path):
    assert auth_client.options(path).status_code == 200


def test_the_schema_declares_every_input_field():
    """The coreapi client builds `-p` fields from the schema: each write must declare its
    body, including DELETE, which drf-spectacular would otherwise leave without one."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths, components = schema["paths"], schema["components"]["schemas"]

    def body_fields(operation):
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = components[ref.rsplit("/", 1)[1]]
        return set(component["properties"]), set(component["required"])

    assert body_fields(paths["/contacts/friendRequests/user/"]["post"]) == ({"requested"}, {"requested"})
    assert body_fields(paths["/contacts/friendRequests/user/"]["delete"]) == ({"username"}, {"username"})
    assert body_fields(paths["/contacts/friendRequests/request/"]["post"]) == (
        {"username", "action"},
        {"username", "action"},
    )
    for path, method, codes in [
        ("/contacts/", "get", {"200", "401"}),
        ("/contacts/friendRequests/", "get", {"200", "400", "401"}),  # 400: a bad ?limit/?offset
        ("/contacts/friendRequests/user/", "post", {"201", "400", "401", "409", "415"}),
        ("/contacts/friendRequests/user/", "delete", {"204", "400", "401", "415"}),
        ("/contacts/friendRequests/request/", "post", {"200", "400", "401", "415"}),
    ]:
        assert set(paths[path][method]["responses"]) == codes, (path, method)
    assert "requestBody" not in paths["/contacts/"]["get"]
