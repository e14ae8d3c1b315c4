"""contacts.services: the rules of friend requests, and how they hold under races."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection

from accounts.tests.factories import UserFactory
from contacts import services
from contacts.models import Contact
from contacts.services import ContactError
from contacts.tests.factories import ContactFactory
from oneonone.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


# contact_request_send


def test_send_stores_a_pending_request(user, other_user):
    contact = services.contact_request_send(requester=user, requested_username="bob")
    assert (contact.requester, contact.requested, contact.accepted) == (user, other_user, False)
    assert Contact.objects.get() == contact


def test_send_refuses_yourself(user):
    with pytest.raises(ContactError) as exc:
        services.contact_request_send(requester=user, requested_username="alice")
    assert exc.value.message == "You cannot add yourself to your contacts"
    assert not Contact.objects.exists()


@pytest.mark.parametrize("username", ["nobody", "", "ALICE2", "bob "])
def test_send_refuses_an_unknown_username(user, other_user, username):
    """Usernames match exactly (Django's are case-sensitive), so near misses are unknown."""
    with pytest.raises(ContactError) as exc:
        services.contact_request_send(requester=user, requested_username=username)
    assert exc.value.message == "User does not exist"


def test_send_treats_a_deactivated_user_as_unknown(user):
    """A deactivated account could never answer the request."""
    UserFactory(username="gone", is_active=False)
    with pytest.raises(ContactError) as exc:
        services.contact_request_send(requester=user, requested_username="gone")
    assert exc.value.message == "User does not exist"


@pytest.mark.parametrize(
    ("requester", "accepted", "message"),
    [
        ("alice", False, "You have already sent a request to this user"),
        ("bob", False, "This user has already sent you a request"),
        ("alice", True, "You are already friends with this user"),
        ("bob", True, "You are already friends with this user"),
    ],
)
def test_send_refuses_a_pair_that_already_has_a_row(user, other_user, requester, accepted, message):
    users = {"alice": user, "bob": other_user}
    requested = other_user if requester == "alice" else user
    ContactFactory(requester=users[requester], requested=requested, accepted=accepted)
    with pytest.raises(ContactError) as exc:
        services.contact_request_send(requester=user, requested_username="bob")
    assert exc.value.message == message
    assert Contact.objects.count() == 1


def test_send_answers_a_lost_race_with_the_winners_state(user, other_user, monkeypatch):
    """Bob's crossing request lands between Alice's check and her insert: the constraint
    stops the insert, and Alice is told what is there now instead of getting a 500."""
    ContactFactory(requester=other_user, requested=user, accepted=False)
    real_pair_contact = services._pair_contact
    calls = []

    def stale_first_read(first, second):
        calls.append(1)
        return None if len(calls) == 1 else real_pair_contact(first, second)

    monkeypatch.setattr(services, "_pair_contact", stale_first_read)
    with pytest.raises(ContactError) as exc:
        services.contact_request_send(requester=user, requested_username="bob")
    assert exc.value.message == "This user has already sent you a request"
    assert len(calls) == 2
    # The savepoint rolled back only the failed insert: the connection is still usable.
    assert Contact.objects.get().requester == other_user


def test_send_answers_409_when_the_winning_row_is_gone_again(user, other_user, monkeypatch):
    """Practically never: the row that beat the insert vanished before the re-read."""
    monkeypatch.setattr(services, "_pair_contact", lambda first, second: None)

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("contact_one_per_pair")

    monkeypatch.setattr(Contact, "save", failing_save)
    with pytest.raises(Conflict):
        services.contact_request_send(requester=user, requested_username="bob")


def test_send_after_a_rejection_is_allowed(user, other_user):
    services.contact_request_send(requester=user, requested_username="bob")
    services.contact_request_answer(requested=other_user, requester_username="alice", accept=False)
    contact = services.contact_request_send(requester=user, requested_username="bob")
    assert contact.accepted is False


# contact_request_answer


def test_accept_turns_the_request_into_a_friendship(user, other_user):
    contact = ContactFactory(requester=other_user, requested=user, accepted=False)
    requester = services.contact_request_answer(requested=user, requester_username="bob", accept=True)
    assert requester == other_user
    contact.refresh_from_db()
    assert contact.accepted is True
    assert services.contact_user_ids(user=user) == {other_user.pk}
    assert services.contact_user_ids(user=other_user) == {user.pk}


def test_reject_deletes_the_request_with_one_statement(user, other_user, django_assert_num_queries):
    """Rejecting is a single conditional DELETE (after the user lookup): no read-then-delete
    window in which a concurrent accept could be deleted along with it."""
    ContactFactory(requester=other_user, requested=user, accepted=False)
    # 1. SELECT the requester by username; 2. DELETE ... WHERE accepted = false.
    with django_assert_num_queries(2):
        services.contact_request_answer(requested=user, requester_username="bob", accept=False)
    assert not Contact.objects.exists()


def test_accept_is_a_single_conditional_update(user, other_user, django_assert_num_queries):
    ContactFactory(requester=other_user, requested=user, accepted=False)
    # 1. SELECT the requester by username; 2. UPDATE ... SET accepted = true WHERE accepted = false.
    with django_assert_num_queries(2):
        services.contact_request_answer(requested=user, requester_username="bob", accept=True)


@pytest.mark.parametrize("accept", [True, False])
def test_the_sender_cannot_answer_their_own_request(user, other_user, accept):
    ContactFactory(requester=user, requested=other_user, accepted=False)
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=user, requester_username="bob", accept=accept)
    assert exc.value.message == "No friend request from this user"
    assert Contact.objects.get().accepted is False


@pytest.mark.parametrize("accept", [True, False])
def test_nobody_can_answer_a_request_addressed_to_someone_else(user, other_user, carol, accept):
    ContactFactory(requester=user, requested=other_user, accepted=False)
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=carol, requester_username="alice", accept=accept)
    assert exc.value.message == "No friend request from this user"
    assert Contact.objects.get().accepted is False


@pytest.mark.parametrize("accept", [True, False])
def test_answering_a_friendship_is_refused_and_keeps_it(user, other_user, accept):
    """Rejecting must not be a back door to unfriend, nor accepting a no-op success."""
    ContactFactory(requester=other_user, requested=user, accepted=True)
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=user, requester_username="bob", accept=accept)
    assert exc.value.message == "No friend request from this user"
    assert Contact.objects.get().accepted is True


def test_a_second_accept_is_refused(user, other_user):
    ContactFactory(requester=other_user, requested=user, accepted=False)
    services.contact_request_answer(requested=user, requester_username="bob", accept=True)
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=user, requester_username="bob", accept=True)
    assert exc.value.message == "No friend request from this user"
    assert Contact.objects.count() == 1


def test_answer_refuses_an_unknown_username(user):
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=user, requester_username="nobody", accept=True)
    assert exc.value.message == "User does not exist"


def test_answer_with_nothing_pending(user, other_user):
    with pytest.raises(ContactError) as exc:
        services.contact_request_answer(requested=user, requester_username="bob", accept=True)
    assert exc.value.message == "No friend request from this user"


# contact_remove


@pytest.mark.parametrize("alice_asked", [True, False])
def test_remove_ends_the_friendship_whoever_asked_first(user, other_user, alice_asked):
    pair = (user, other_user) if alice_asked else (other_user, user)
    ContactFactory(requester=pair[0], requested=pair[1], accepted=True)
    services.contact_remove(user=user, username="bob")
    assert not Contact.objects.exists()


@pytest.mark.parametrize("alice_asked", [True, False])
def test_remove_leaves_a_pending_request_alone(user, other_user, alice_asked):
    pair = (user, other_user) if alice_asked else (other_user, user)
    ContactFactory(requester=pair[0], requested=pair[1], accepted=False)
    with pytest.raises(ContactError) as exc:
        services.contact_remove(user=user, username="bob")
    assert exc.value.message == "You are not friends with this user"
    assert Contact.objects.count() == 1


def test_remove_touches_only_the_named_pair(user, other_user, carol):
    ContactFactory(requester=user, requested=other_user)
    ContactFactory(requester=carol, requested=user)
    ContactFactory(requester=other_user, requested=carol)
    services.contact_remove(user=user, username="bob")
    assert services.contact_user_ids(user=user) == {carol.pk}
    assert services.contact_user_ids(user=other_user) == {carol.pk}


def test_remove_refuses_an_unknown_username(user):
    with pytest.raises(ContactError) as exc:
        services.contact_remove(user=user, username="nobody")
    assert exc.value.message == "User does not exist"


def test_remove_refuses_a_stranger_and_yourself(user, other_user):
    for username in ("bob", "alice"):
        with pytest.raises(ContactError) as exc:
            services.contact_remove(user=user, username=username)
        assert exc.value.message == "You are not friends with this user"


def test_remove_works_for_a_deactivated_friend(user):
    gone = UserFactory(username="gone", is_active=False)
    ContactFactory(requester=user, requested=gone)
    services.contact_remove(user=user, username="gone")
    assert not Contact.objects.exists()


# Selectors


def test_friends_are_only_accepted_contacts_in_username_order(user):
    for name, alice_asked in (("Zed", True), ("bob", False), ("Carol", True), ("dave", False)):
        other = UserFactory(username=name)
        pair = (user, other) if alice_asked else (other, user)
        ContactFactory(requester=pair[0], requested=pair[1])
    ContactFactory(requester=user, requested=UserFactory(username="pending1"), accepted=False)
    ContactFactory(requester=UserFactory(username="pending2"), requested=user, accepted=False)
    ContactFactory(requester=UserFactory(username="x"), requested=UserFactory(username="y"))
    names = [friend.username for friend in services.contact_friends(user=user)]
    assert names == ["bob", "Carol", "dave", "Zed"]


def test_requests_received_are_pending_ones_addressed_to_the_user_by_id(user, other_user, carol):
    first = ContactFactory(requester=carol, requested=user, accepted=False)
    second = ContactFactory(requester=UserFactory(username="dave"), requested=user, accepted=False)
    ContactFactory(requester=user, requested=other_user, accepted=False)  # sent, not received
    ContactFactory(requester=UserFactory(username="erin"), requested=user, accepted=True)  # friends
    ContactFactory(requester=carol, requested=other_user, accepted=False)  # someone else's
    assert list(services.contact_requests_received(user=user)) == [first, second]


def test_contact_user_ids_is_symmetric_and_ignores_pending(user, other_user, carol):
    ContactFactory(requester=user, requested=other_user)
    ContactFactory(requester=carol, requested=user, accepted=False)
    assert services.contact_user_ids(user=user) == {other_user.pk}
    assert services.contact_user_ids(user=other_user) == {user.pk}
    assert services.contact_user_ids(user=carol) == set()


# Real concurrency (PostgreSQL only: SQLite serialises writers and its in-memory test
# database is not shared between threads).


def _run_together(*calls):
    """Run each call in its own thread (own DB connection), started together; return the
    results in order: the value returned, or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_crossing_requests_at_once_store_one_row_and_refuse_the_other(monkeypatch):
    """Both requests pass the pair check before either inserts (a barrier in `save` makes
    sure), so the database constraint decides; the loser gets a 400 message, not a 500."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    in_save = threading.Barrier(2)
    real_save = Contact.save

    def save_after_both_checked(self, *args, **kwargs):
        in_save.wait(timeout=10)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Contact, "save", save_after_both_checked)
    results = _run_together(
        lambda: services.contact_request_send(requester=alice, requested_username="bob"),
        lambda: services.contact_request_send(requester=bob, requested_username="alice"),
    )
    winners = [r for r in results if isinstance(r, Contact)]
    losers = [r for r in results if isinstance(r, ContactError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].message == "This user has already sent you a request"
    assert Contact.objects.count() == 1
    assert Contact.objects.get().pk == winners[0].pk


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_succeed_once():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Contact.objects.create(requester=bob, requested=alice)

    def accept():
        return services.contact_request_answer(requested=alice, requester_username="bob", accept=True)

    results = _run_together(accept, accept)
    assert sum(1 for r in results if r == bob) == 1, results
    errors = [r for r in results if isinstance(r, ContactError)]
    assert [e.message for e in errors] == ["No friend request from this user"]
    assert Contact.objects.get().accepted is True


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_accept_and_reject_at_once_leave_a_consistent_pair():
    """Whichever answer lands first wins; the other is refused, never half-applied."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Contact.objects.create(requester=bob, requested=alice)
    results = _run_together(
        lambda: services.contact_request_answer(requested=alice, requester_username="bob", accept=True),
        lambda: services.contact_request_answer(requested=alice, requester_username="bob", accept=False),
    )
    errors = [r for r in results if isinstance(r, ContactError)]
    assert len(errors) == 1, results
    accepted_won = results[0] == bob
    assert Contact.objects.filter(accepted=True).exists() is accepted_won
    assert Contact.objects.count() == (1 if accepted_won else 0)
