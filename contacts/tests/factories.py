from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from contacts.models import Contact


class ContactFactory(DjangoModelFactory):
    """A friendship (accepted) by default; pass `accepted=False` for a pending request."""

    class Meta:
        model = Contact

    requester = factory.SubFactory(UserFactory)
    requested = factory.SubFactory(UserFactory)
    accepted = True
