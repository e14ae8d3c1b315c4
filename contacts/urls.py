"""Contacts routes (CONTRACT section 3); each answers with and without its trailing slash."""

from __future__ import annotations

from contacts import views
from oneonone.routers import slash_optional_path

urlpatterns = [
    slash_optional_path("contacts", views.ContactListView.as_view(), name="contacts"),
    slash_optional_path(
        "contacts/friendRequests", views.FriendRequestListView.as_view(), name="friend-requests"
    ),
    slash_optional_path(
        "contacts/friendRequests/user", views.FriendRequestUserView.as_view(), name="friend-request-user"
    ),
    slash_optional_path(
        "contacts/friendRequests/request",
        views.FriendRequestAnswerView.as_view(),
        name="friend-request-answer",
    ),
]
