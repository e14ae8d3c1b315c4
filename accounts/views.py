"""Accounts endpoints (CONTRACT sections 2 and 8): register, login, tokens, profiles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.fields import CharField
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import serializers, services
from accounts.throttling import LoginFailureThrottle
from contacts.services import contact_user_ids
from oneonone.parsers import JSONParser

User = get_user_model()


class PublicEndpointMixin:
    """Public endpoints ignore any Authorization header: a stale token must not break them."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class RegisterView(PublicEndpointMixin, GenericAPIView):
    serializer_class = serializers.RegisterSerializer

    @extend_schema(
        summary="Register a new user",
        responses={201: serializers.RegisterSerializer, 400: OpenApiResponse(description="Field errors")},
    )
    def post(self, request: Request) -> Response:
        """Register a new user with given user data."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("confirm_password")
        user = services.user_register(**data)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(PublicEndpointMixin, GenericAPIView):
    serializer_class = serializers.LoginSerializer

    @extend_schema(
        summary="Log in",
        # Both fields are required (a missing one answers 400 "Both fields are required"); the
        # serializer checks that itself to give the seed's message, so it is documented here.
        request=inline_serializer("Login", {"username": CharField(), "password": CharField()}),
        responses={
            200: serializers.TokenPairSerializer,
            400: OpenApiResponse(
                description="non_field_errors: Both fields are required / "
                "Username and password do not match / User not activated"
            ),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After"),
        },
    )
    def post(self, request: Request) -> Response:
        """Login the user with given credentials. `token` repeats `access` for the web client."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        throttle = LoginFailureThrottle(request, username)
        throttle.check()
        user = User.objects.filter(username=username).first()
        if user is None or not user.check_password(serializer.validated_data["password"]):
            throttle.record_failure()
            raise ValidationError({"non_field_errors": [serializers.CREDENTIALS_DO_NOT_MATCH]})
        if not user.is_active:
            throttle.record_failure()
            raise ValidationError({"non_field_errors": [serializers.USER_NOT_ACTIVATED]})
        return Response(serializers.TokenPairSerializer.for_user(user))


class ThrottledTokenObtainPairView(TokenObtainPairView):
    """simplejwt's `/api/token/`, with the same failed-login throttle as `/accounts/login/`."""

    authentication_classes: list[Any] = []

    @extend_schema(
        responses={
            200: TokenObtainPairSerializer,
            400: OpenApiResponse(description="Field errors: username or password missing"),
            401: OpenApiResponse(description="No active account found with the given credentials"),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After"),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        throttle = LoginFailureThrottle(request, str(username or ""))
        throttle.check()
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            throttle.record_failure()
            raise


@extend_schema_view(
    post=extend_schema(
        responses={
            200: serializers.TokenRefreshSerializer,
            400: OpenApiResponse(description="Field errors: refresh missing"),
            401: OpenApiResponse(
                description="Invalid, expired or blacklisted refresh token, a deleted or inactive "
                "user, or a token issued before a password change"
            ),
        },
    )
)
class PublicTokenRefreshView(TokenRefreshView):
    authentication_classes: list[Any] = []


class ProfileView(GenericAPIView):
    serializer_class = serializers.ProfileUpdateSerializer
    # Multipart first, so the coreapi client uploads the picture with `-f profile_picture=...`.
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(summary="Your profile", responses={200: serializers.ProfileSerializer})
    def get(self, request: Request) -> Response:
        """Get the profile details for the logged-in user through the access token."""
        profile = services.profile_get_or_create(user=request.user)
        return Response(serializers.ProfileSerializer(profile, context={"request": request}).data)

    @extend_schema(
        summary="Update your profile",
        responses={
            200: serializers.ProfileSerializer,
            401: OpenApiResponse(
                description="Bad token, or invalid fields (as the original documents): "
                "non_field_errors Enter current password first / Current password is "
                "incorrect / Password must match, or a field-keyed error"
            ),
        },
    )
    def put(self, request: Request) -> Response:
        """Update only the given fields. Changing the password needs current_password,
        new_password and confirm_password, and revokes all earlier tokens."""
        # partial: a form body without `email_notifications` must not read as "false".
        serializer = self.get_serializer(data=request.data, partial=True)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_401_UNAUTHORIZED)
        fields = dict(serializer.validated_data)
        picture = None
        clear_picture = False
        if "profile_picture" in fields:
            upload = fields.pop("profile_picture")
            clear_picture = upload is None
            if upload is not None:
                try:
                    picture = services.picture_decode(upload=upload)
                except DjangoValidationError as exc:
                    return Response(exc.message_dict, status=status.HTTP_401_UNAUTHORIZED)
        try:
            profile = services.profile_update(
                user=request.user, fields=fields, picture=picture, clear_picture=clear_picture
            )
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_401_UNAUTHORIZED)
        return Response(serializers.ProfileSerializer(profile, context={"request": request}).data)


class ProfileLookupMixin:
    serializer_class = serializers.PublicProfileSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["email_visible_to"] = contact_user_ids(user=self.request.user) | {  # type: ignore[attr-defined]
            self.request.user.pk  # type: ignore[attr-defined]
        }
        return context

    def get_queryset(self) -> QuerySet[Any]:
        return User.objects.filter(is_active=True).select_related("profile").order_by("username")


class ProfileByIdView(ProfileLookupMixin, GenericAPIView):
    @extend_schema(summary="Another user's profile", responses={200: serializers.PublicProfileSerializer})
    def get(self, request: Request, user_id: int) -> Response:
        """A user's public profile; the email is shown only to their contacts."""
        user = get_object_or_404(self.get_queryset(), pk=user_id)
        return Response(self.get_serializer(user).data)


class ProfileSearchView(ProfileLookupMixin, GenericAPIView):
    pagination_class = None
    max_results = 20

    @extend_schema(
        summary="Search users by username",
        responses={200: serializers.PublicProfileSerializer(many=True)},
    )
    def get(self, request: Request, text: str) -> Response:
        """Users whose username contains `text` (case-insensitive), at most 20."""
        if "\x00" in text:  # no username holds a NUL (and PostgreSQL refuses one in a query)
            return Response([])
        users = self.get_queryset().filter(username__icontains=text)[: self.max_results]
        return Response(self.get_serializer(users, many=True).data)
