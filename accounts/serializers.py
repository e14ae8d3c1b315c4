"""Accounts serializers: the request and response shapes of CONTRACT section 2."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as BaseTokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.authentication import token_user_id
from accounts.models import Profile

User = get_user_model()

PASSWORD_MUST_MATCH = "Password must match"  # noqa: S105 (a message)
BOTH_FIELDS_REQUIRED = "Both fields are required"
CREDENTIALS_DO_NOT_MATCH = "Username and password do not match"
USER_NOT_ACTIVATED = "User not activated"
ENTER_CURRENT_PASSWORD = "Enter current password first"  # noqa: S105 (a message)
CURRENT_PASSWORD_INCORRECT = "Current password is incorrect"  # noqa: S105 (a message)


class RegisterSerializer(serializers.ModelSerializer):
    """Input of `POST /accounts/register/`; its output is the four public fields."""

    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    confirm_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "password", "confirm_password"]
        extra_kwargs = {
            "first_name": {"required": True, "allow_blank": False},
            "last_name": {"required": True, "allow_blank": False},
            "email": {"required": True, "allow_blank": False},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["password"] != attrs["confirm_password"]:
            raise serializers.ValidationError({"confirm_password": [PASSWORD_MUST_MATCH]})
        candidate = User(
            username=attrs["username"],
            first_name=attrs["first_name"],
            last_name=attrs["last_name"],
            email=attrs["email"],
        )
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    """`{username, password}`; presence is checked here, credentials by the view."""

    username = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("username") or not attrs.get("password"):
            raise serializers.ValidationError(BOTH_FIELDS_REQUIRED)
        return attrs


class TokenPairSerializer(serializers.Serializer):
    """Output of login: `token` is the same access token (the web client reads `token`)."""

    refresh = serializers.CharField()
    access = serializers.CharField()
    token = serializers.CharField()

    @classmethod
    def for_user(cls, user: Any) -> dict[str, str]:
        refresh = RefreshToken.for_user(user)
        access = str(refresh.access_token)
        return {"refresh": str(refresh), "access": access, "token": access}


class TokenRefreshSerializer(BaseTokenRefreshSerializer):
    """simplejwt's refresh, answering 401 (not 500) for a deleted user, and refusing tokens
    issued before a password change (their password-hash claim no longer matches)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user_id = token_user_id(refresh.payload)
        user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        if jwt_settings.CHECK_REVOKE_TOKEN and refresh.payload.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The password has changed; log in again.", "password_changed")
        return super().validate(attrs)


@extend_schema_field(
    {
        "type": "string",
        "anyOf": [{"format": "email"}, {"maxLength": 0}],
        "description": "An email address, or empty for an account that has none (e.g. made in the admin)",
    }
)
class StoredEmailField(serializers.CharField):
    """A stored user's email, for output: `auth.User.email` may be blank, so the schema must
    allow `""` besides an address (declaring `format: email` alone was a schema violation)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class UserSerializer(serializers.ModelSerializer):
    email = StoredEmailField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email"]
        read_only_fields = fields


class ProfileSerializer(serializers.ModelSerializer):
    """`{"user": {...}, "profile_picture": <absolute URL or null>, "email_notifications"}`."""

    user = UserSerializer(read_only=True)
    profile_picture = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = ["user", "profile_picture", "email_notifications"]
        read_only_fields = fields

    def get_profile_picture(self, profile: Profile) -> str | None:
        if not profile.profile_picture:
            return None
        request = self.context.get("request")
        url = profile.profile_picture.url
        return request.build_absolute_uri(url) if request is not None else url


class PictureField(serializers.FileField):
    """An uploaded file, or an empty value (`""`/`null`) meaning "remove the picture"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, allow_empty_file=True, **kwargs)

    def to_internal_value(self, data: Any) -> UploadedFile | None:
        if data in ("", None):
            return None
        if not isinstance(data, UploadedFile):
            raise serializers.ValidationError("Upload an image file, or send an empty value to remove it.")
        return data


class ProfileUpdateSerializer(serializers.Serializer):
    """Input of `PUT /accounts/profile/`: every field optional, only the given ones change."""

    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    profile_picture = PictureField(required=False)
    email_notifications = serializers.BooleanField(required=False)
    current_password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, max_length=128
    )
    new_password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, max_length=128
    )
    confirm_password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, write_only=True, max_length=128
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = attrs.pop("current_password", "")
        new = attrs.pop("new_password", "")
        confirm = attrs.pop("confirm_password", "")
        if not (current or new or confirm):
            return attrs
        user = self.context["request"].user
        if not current:
            raise serializers.ValidationError(ENTER_CURRENT_PASSWORD)
        if not user.check_password(current):
            raise serializers.ValidationError(CURRENT_PASSWORD_INCORRECT)
        if not new or new != confirm:
            raise serializers.ValidationError(PASSWORD_MUST_MATCH)
        try:
            password_validation.validate_password(new, user=user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        attrs["password"] = new
        return attrs


class PublicProfileSerializer(serializers.ModelSerializer):
    """Another user's profile: the email only for their contacts (else `""`)."""

    email = serializers.SerializerMethodField()
    profile_picture = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "profile_picture"]
        read_only_fields = fields

    def get_email(self, user: Any) -> str:
        visible: set[int] = self.context["email_visible_to"]
        return user.email if user.pk in visible else ""

    def get_profile_picture(self, user: Any) -> str | None:
        profile = getattr(user, "profile", None)
        if profile is None or not profile.profile_picture:
            return None
        return self.context["request"].build_absolute_uri(profile.profile_picture.url)
