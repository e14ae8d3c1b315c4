"""Contacts serializers: the request and response shapes of CONTRACT section 3.

Input serializers only check shapes (present, a string, not too long); whether the named
user exists and what the pair's state allows is decided by `contacts.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import StoredEmailField
from contacts.models import Contact

User = get_user_model()

USERNAME_MAX_LENGTH = 150

ACCEPT_WORDS = {"true": True, "accept": True, "false": False, "reject": False}
ACTION_INVALID = 'Must be true or false ("accept" or "reject" also work).'


class ContactUserSerializer(serializers.ModelSerializer):
    """A friend: the fields clients need to invite them. Friends see each other's email."""

    email = StoredEmailField()
    profile_picture = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "profile_picture"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_profile_picture(self, user: Any) -> str | None:
        """Absolute URL of the picture, or null (no picture, or no profile row yet)."""
        profile = getattr(user, "profile", None)
        if profile is None or not profile.profile_picture:
            return None
        url = profile.profile_picture.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ContactListSerializer(serializers.Serializer):
    """`GET /contacts/`: `friends` (usernames, the seed's shape) and `contacts` (objects)."""

    friends = serializers.ListField(child=serializers.CharField(), read_only=True)
    contacts = ContactUserSerializer(many=True, read_only=True)


class FriendRequestSerializer(serializers.ModelSerializer):
    """A pending request the caller received."""

    requester_username = serializers.CharField(source="requester.username", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "requester_username"]
        read_only_fields = fields


def _username_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(max_length=USERNAME_MAX_LENGTH, help_text=help_text)


class FriendRequestSendSerializer(serializers.Serializer):
    """Input of `POST /contacts/friendRequests/user/`."""

    requested = _username_field("Username of the user to send a friend request to.")


class FriendRemoveSerializer(serializers.Serializer):
    """Input of `DELETE /contacts/friendRequests/user/` (body, or `?username=`)."""

    username = _username_field("Username of the friend to remove.")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "boolean"},
            {"type": "string", "enum": ["true", "false", "accept", "reject"]},
        ],
        "description": 'true/"accept" accepts, false/"reject" rejects (strings case-insensitive).',
    }
)
class FriendRequestActionField(serializers.Field):
    """`true`/`false`, or the strings "true"/"false"/"accept"/"reject" in any case.

    Form-encoded and multipart bodies (the coreapi client) send every value as a string,
    hence the string forms. Anything else (numbers, "yes", lists...) is refused rather than
    guessed, since a wrong guess would accept or delete a request.
    """

    default_error_messages = {"invalid": ACTION_INVALID}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        word = data.strip().lower() if isinstance(data, str) else None
        if word in ACCEPT_WORDS:
            return ACCEPT_WORDS[word]
        raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")

    def to_representation(self, value: bool) -> bool:
        return value


class FriendRequestAnswerSerializer(serializers.Serializer):
    """Input of `POST /contacts/friendRequests/request/`."""

    username = _username_field("Username of the user whose request you answer.")
    action = FriendRequestActionField(help_text="true to accept, false to reject.")


class MessageSerializer(serializers.Serializer):
    """`{"message": "..."}`: the success body of the contacts writes."""

    message = serializers.CharField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    """`{"error": "..."}`: every refusal of the contacts endpoints (the seed's shape)."""

    error = serializers.CharField(read_only=True)
