"""The Contact model's invariants, held by the database as well as by `full_clean()`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_rejects_a_row_crossing_an_existing_request_in_the_database():
    """A→B and B→A cannot both exist: two crossing requests would otherwise both be stored."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Contact.objects.create(requester=alice, requested=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(requester=bob, requested=alice)
    assert Contact.objects.count() == 1


def test_it_rejects_a_row_crossing_an_existing_friendship_in_the_database():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    ContactFactory(requester=alice, requested=bob, accepted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(requester=bob, requested=alice, accepted=True)


def test_it_rejects_a_duplicate_request_in_the_database():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Contact.objects.create(requester=alice, requested=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(requester=alice, requested=bob)


def test_it_rejects_a_self_contact_in_the_database():
    alice = UserFactory(username="alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(requester=alice, requested=alice)
    assert not Contact.objects.exists()


def test_full_clean_reports_the_pair_constraint():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    Contact.objects.create(requester=alice, requested=bob)
    with pytest.raises(ValidationError, match="contact_one_per_pair"):
        Contact(requester=bob, requested=alice).full_clean()


def test_full_clean_reports_the_self_constraint():
    alice = UserFactory(username="alice")
    with pytest.raises(ValidationError, match="contact_not_self"):
        Contact(requester=alice, requested=alice).full_clean()


def test_it_allows_one_user_in_many_pairs():
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    Contact.objects.create(requester=alice, requested=bob)
    Contact.objects.create(requester=carol, requested=alice)
    Contact.objects.create(requester=bob, requested=carol)
    assert Contact.objects.count() == 3


def test_a_new_contact_is_pending():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    assert Contact.objects.create(requester=alice, requested=bob).accepted is False


@pytest.mark.parametrize(("accepted", "state"), [(False, "pending"), (True, "friends")])
def test_str_names_both_users_and_the_state(accepted, state):
    contact = ContactFactory.build(
        requester=UserFactory.build(username="alice"),
        requested=UserFactory.build(username="bob"),
        accepted=accepted,
    )
    assert str(contact) == f"alice → bob ({state})"


# The admin of this model (contacts/admin.py).


def test_admin_lists_searches_and_filters_contacts(admin_client):
    ContactFactory(requester=UserFactory(username="alice"), requested=UserFactory(username="bob"))
    ContactFactory(
        requester=UserFactory(username="carol"), requested=UserFactory(username="dave"), accepted=False
    )
    listing = admin_client.get("/admin/contacts/contact/")
    assert listing.status_code == 200
    assert b"alice" in listing.content and b"carol" in listing.content
    searched = admin_client.get("/admin/contacts/contact/", {"q": "dave"})
    assert searched.status_code == 200
    assert [c.requested.username for c in searched.context["cl"].result_list] == ["dave"]
    filtered = admin_client.get("/admin/contacts/contact/", {"accepted__exact": "1"})
    assert [c.requester.username for c in filtered.context["cl"].result_list] == ["alice"]


def test_admin_change_form_uses_autocomplete_for_users(admin_client):
    contact = ContactFactory()
    response = admin_client.get(f"/admin/contacts/contact/{contact.pk}/change/")
    assert response.status_code == 200
    assert b"admin-autocomplete" in response.content
