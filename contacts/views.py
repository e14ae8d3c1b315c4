"""Contacts endpoints (CONTRACT section 3): friends, friend requests, answers, removal.

One view per path, each method: validate the input → one service call → serialize. Every
refusal, bad input included, answers `400 {"error": "..."}` as the seed documents for these
endpoints; an input error names its field (`"requested: This field is required."`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from contacts import serializers, services
from contacts.models import Contact
from oneonone.schema import AutoSchema

UNAUTHORIZED = OpenApiResponse(description="Missing or invalid access token")


def _error(message: str) -> Response:
    return Response({"error": message}, status=status.HTTP_400_BAD_REQUEST)


def _input_error(errors: Any) -> Response:
    """The first input error as `{"error": "<field>: <message>"}` (no field for whole-body errors)."""
    field, messages = next(iter(errors.items()))
    message = str(messages[0]) if isinstance(messages, list) else str(messages)
    return _error(message if field == api_settings.NON_FIELD_ERRORS_KEY else f"{field}: {message}")


def _error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=serializers.ErrorSerializer, description=description)


class RequestBodyOnDeleteSchema(AutoSchema):
    """Also documents a request body on DELETE, which drf-spectacular leaves out by default.

    `DELETE /contacts/friendRequests/user/` takes `{"username"}` in its body (the seed's
    input format), and the coreapi client builds its `-p username=...` field from it.
    """

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class ContactListView(GenericAPIView):
    serializer_class = serializers.ContactListSerializer
    pagination_class = None  # an object, not a list

    @extend_schema(
        summary="Your friends",
        responses={200: serializers.ContactListSerializer, 401: UNAUTHORIZED},
    )
    def get(self, request: Request) -> Response:
        """Obtain the list of username of friends of the user.

        `friends` lists usernames (the original's shape); `contacts` gives the same users as
        objects (`id`, names, email, absolute `profile_picture` URL or null), which clients
        need to invite them. Both are sorted by username, case-insensitively. Friends see
        each other's email; nobody else's appears here.
        """
        friends = list(services.contact_friends(user=request.user))
        data = {"friends": [friend.username for friend in friends], "contacts": friends}
        return Response(self.get_serializer(data).data)


class FriendRequestListView(GenericAPIView):
    serializer_class = serializers.FriendRequestSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return services.contact_requests_received(user=self.request.user)

    @extend_schema(
        summary="Friend requests you received",
        responses={200: serializers.FriendRequestSerializer(many=True), 401: UNAUTHORIZED},
    )
    def get(self, request: Request) -> Response:
        """Obtain the list of friend requests that the user has received but not accepted yet.

        Ordered by id (oldest first). `?limit=`/`?offset=` switch to a paginated object.
        """
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return Response(self.get_serializer(queryset, many=True).data)


class FriendRequestUserView(GenericAPIView):
    error_body_key = "error"  # a body that does not parse: 400 {"error"} too
    schema = RequestBodyOnDeleteSchema()

    def get_serializer_class(self) -> type[drf_serializers.Serializer]:
        if self.request is not None and self.request.method == "DELETE":
            return serializers.FriendRemoveSerializer
        return serializers.FriendRequestSendSerializer

    @extend_schema(
        summary="Send a friend request",
        request=serializers.FriendRequestSendSerializer,
        responses={
            201: serializers.MessageSerializer,
            400: _error_response(
                "error: You cannot add yourself to your contacts / User does not exist / You have "
                "already sent a request to this user / This user has already sent you a request / "
                "You are already friends with this user / a message naming a missing or invalid "
                "`requested`"
            ),
            401: UNAUTHORIZED,
            409: OpenApiResponse(
                description="The pair changed while the request was being stored (a crossing "
                "request appeared and vanished again); send it again"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Send a friend request to the user with the username specified.

        Success: `{"message": "Friend request sent to <username>"}`. Deactivated users
        cannot be asked ("User does not exist").
        """
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return _input_error(serializer.errors)
        try:
            contact = services.contact_request_send(
                requester=request.user, requested_username=serializer.validated_data["requested"]
            )
        except services.ContactError as exc:
            return _error(exc.message)
        return Response(
            {"message": f"Friend request sent to {contact.requested.username}"},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Remove a friend",
        request=serializers.FriendRemoveSerializer,
        responses={
            204: OpenApiResponse(description="Friendship removed (no body)"),
            400: _error_response(
                "error: User does not exist / You are not friends with this user / a message "
                "naming a missing or invalid `username`"
            ),
            401: UNAUTHORIZED,
        },
    )
    def delete(self, request: Request) -> Response:
        """Delete a friend from user's contact list.

        The username comes from the body (`{"username": ...}`, JSON or form) or, when the
        body has none, from the query string (`?username=`, for clients that cannot send a
        DELETE body; it is not declared as a separate parameter so that generated clients see
        one `username` field). Only a friendship is removed; a pending request
        answers "You are not friends with this user". `204` with no body.
        """
        data = request.data
        if not (isinstance(data, Mapping) and "username" in data) and "username" in request.query_params:
            data = {"username": request.query_params["username"]}
        serializer = self.get_serializer(data=data)
        if not serializer.is_valid():
            return _input_error(serializer.errors)
        try:
            services.contact_remove(user=request.user, username=serializer.validated_data["username"])
        except services.ContactError as exc:
            return _error(exc.message)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FriendRequestAnswerView(GenericAPIView):
    error_body_key = "error"  # a body that does not parse: 400 {"error"} too
    serializer_class = serializers.FriendRequestAnswerSerializer

    @extend_schema(
        summary="Accept or reject a friend request",
        responses={
            200: serializers.MessageSerializer,
            400: _error_response(
                "error: User does not exist / No friend request from this user / a message naming "
                "a missing or invalid `username` or `action`"
            ),
            401: UNAUTHORIZED,
        },
    )
    def post(self, request: Request) -> Response:
        """Accept or reject a friend request.

        `action`: true or "accept" accepts, false or "reject" rejects (strings in any case,
        as form bodies send them). Only the user who received the request can answer it;
        a rejected request is deleted, so the sender may ask again. Success:
        `{"message": "User with username: <username> has been accepted"}` (or "rejected").
        """
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return _input_error(serializer.errors)
        accept = serializer.validated_data["action"]
        try:
            requester = services.contact_request_answer(
                requested=request.user,
                requester_username=serializer.validated_data["username"],
                accept=accept,
            )
        except services.ContactError as exc:
            return _error(exc.message)
        outcome = "accepted" if accept else "rejected"
        return Response({"message": f"User with username: {requester.username} has been {outcome}"})
