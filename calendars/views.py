"""Calendars, invitees and availabilities (CONTRACT sections 4 to 6, and section 8's extra lists).

Every view resolves the calendar in its URL once (`CalendarNestedMixin`) and checks the rules
of `calendars.permissions` in the contract's order: 401 → missing calendar 404 → stranger 403
→ finalized 410 → invitee deadline 410 → nested object 404 → object-level 403. A method a route
does not have is 405 for every signed-in caller, before any calendar lookup.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from calendars import notifications, selectors, services
from calendars.ics import calendar_document
from calendars.ics import filename as ics_filename
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.permissions import (
    CalendarNotFinalized,
    InviteeDeadlineNotPassed,
    IsAvailabilityUser,
    IsCalendarInvitee,
    IsCalendarOwner,
    IsCalendarOwnerOrInvitee,
)
from calendars.serializers import (
    AvailabilityFilterSerializer,
    AvailabilitySerializer,
    CalendarSerializer,
    CalendarUpdateSerializer,
    DetailSerializer,
    EmailSentSerializer,
    EmptySerializer,
    FinalizeSerializer,
    InviteeSerializer,
    InviteeUpdateSerializer,
    MeetSerializer,
    ScheduleEditSerializer,
    ScheduleGeneratedSerializer,
    UserSummarySerializer,
)
from calendars.throttling import CalendarEmailThrottle

FINALIZED_MESSAGE = "Calendar has been successfully finalized."

PermissionList = list[type[BasePermission]]


def _answer(description: str, serializer: Any = DetailSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


NOT_AUTHENTICATED = _answer("Not authenticated")
NOT_OWNER = _answer("Not owner")
NOT_OWNER_OR_INVITEE = _answer("Not owner or invitee")
INVALID_CALENDAR = _answer("Invalid calendar")
FINALIZED = _answer("Calendar is finalized")
FIELD_ERRORS = OpenApiResponse(description='Invalid input: {"<field>": ["<message>", ...]}')
DELETED = _answer("Deleted: {}", EmptySerializer)


def _path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, int, OpenApiParameter.PATH, description=f"A unique integer value identifying {what}."
    )


CALENDAR_ID = _path_id("id", "this calendar")
NESTED_CALENDAR_ID = _path_id("calendar_id", "the calendar")
INVITEE_ID = _path_id("id", "this invitee")
AVAILABILITY_ID = _path_id("id", "this availability")


class CalendarNestedMixin:
    """Resolves the calendar named in the URL once per request, and the caller's role in it.

    For any viewset under `/calendars/{calendar_id}/` (the schedule routes reuse it): set
    `action_permissions` (action → permission classes, e.g. `[IsAuthenticated, IsCalendarOwner,
    CalendarNotFinalized]`) and build querysets from `self.calendar`. Provides:
    - `calendar`: the calendar (with `owner`), or 404: one query, cached for the request;
    - `is_calendar_owner`, and `invitation`: the caller's `Invitee` row or None (one query,
      only when the caller is not the owner);
    - `get_object()` in `get_queryset()`, else 404 `{"detail": "Not found."}`;
    - `context["calendar"]` for serializers (naive datetimes are read in its timezone);
    - malformed bodies are a 400 even on writes that ignore their body (finalize, DELETEs).
    An action missing from `action_permissions` is owner-only, so a forgotten entry fails closed.
    """

    calendar_url_kwarg = "calendar_id"
    action_permissions: dict[str, PermissionList] = {}
    kwargs: dict[str, Any]
    request: Request

    @cached_property
    def calendar(self) -> Calendar:
        calendar = (
            Calendar.objects.select_related("owner").filter(pk=self.kwargs[self.calendar_url_kwarg]).first()
        )
        if calendar is None:
            raise NotFound()
        return calendar

    @property
    def is_calendar_owner(self) -> bool:
        return self.calendar.owner_id == self.request.user.pk

    @cached_property
    def invitation(self) -> Invitee | None:
        if self.is_calendar_owner:
            return None
        return selectors.invitation_for(calendar=self.calendar, user=self.request.user)

    def get_object(self) -> Any:
        """DRF's lookup in `get_queryset()`, answering the seed's `{"detail": "Not found."}`."""
        try:
            return super().get_object()  # type: ignore[misc]
        except Http404 as exc:
            raise NotFound() from exc

    def get_permissions(self) -> list[BasePermission]:
        if not hasattr(self, "action"):  # a plain APIView: its own permission_classes
            return super().get_permissions()  # type: ignore[misc]
        if self.action is None:  # a method this route does not have: 405 for the signed-in
            classes: PermissionList = [IsAuthenticated]
        elif self.action in self.action_permissions:
            classes = self.action_permissions[self.action]
        elif self.action == "metadata" and self.calendar_url_kwarg not in self.kwargs:
            classes = [IsAuthenticated]
        elif self.action == "metadata":
            classes = [IsAuthenticated, IsCalendarOwnerOrInvitee]
        else:
            classes = [IsAuthenticated, IsCalendarOwner]
        return [permission() for permission in classes]

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        if not getattr(self, "swagger_fake_view", False) and self.calendar_url_kwarg in self.kwargs:
            context["calendar"] = self.calendar
        return context

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method not in SAFE_METHODS and getattr(self, "action", True) is not None:
            request.data  # noqa: B018 (parse now: a body that does not parse is a 400)


class ListMixin:
    """`list` that pages only when asked (`?limit`/`?offset`), else a plain array."""

    def list_response(self, queryset: Any, serializer_class: type[BaseSerializer] | None = None) -> Response:
        view: Any = self
        serializer_class = serializer_class or view.get_serializer_class()
        context = view.get_serializer_context()
        page = view.paginate_queryset(queryset)
        if page is not None:
            return view.get_paginated_response(serializer_class(page, many=True, context=context).data)
        return Response(serializer_class(queryset, many=True, context=context).data)


# Calendars ---------------------------------------------------------------------------------

_calendar_owner_write: PermissionList = [IsAuthenticated, IsCalendarOwner, CalendarNotFinalized]
_calendar_list_responses = {200: CalendarSerializer(many=True), 401: NOT_AUTHENTICATED}


class CalendarViewSet(CalendarNestedMixin, ListMixin, viewsets.ModelViewSet):
    """Calendars: the caller's own, and those they are invited to."""

    queryset = Calendar.objects.none()
    serializer_class = CalendarSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]{1,18}"
    calendar_url_kwarg = "id"
    action_permissions = {
        "list": [IsAuthenticated],
        "create": [IsAuthenticated],
        "owned": [IsAuthenticated],
        "owned_unfinalized": [IsAuthenticated],
        "invited": [IsAuthenticated],
        "status": [IsAuthenticated],
        "retrieve": [IsAuthenticated, IsCalendarOwnerOrInvitee],
        "update": _calendar_owner_write,
        "partial_update": _calendar_owner_write,
        # Deleting the whole calendar and finalizing stay possible once it is finalized.
        "destroy": [IsAuthenticated, IsCalendarOwner],
        "finalize": [IsAuthenticated, IsCalendarOwner],
    }

    def get_queryset(self) -> QuerySet[Calendar]:
        if getattr(self, "swagger_fake_view", False):
            return Calendar.objects.none()
        user = self.request.user
        if self.action == "owned_unfinalized":
            return selectors.calendars_owned(user=user, finalized=False)
        if self.action == "invited":
            return selectors.calendars_invited(user=user)
        if self.action == "status":
            return selectors.calendars_awaiting_availability(user=user)
        return selectors.calendars_owned(user=user)

    def get_object(self) -> Calendar:
        calendar = self.calendar
        self.check_object_permissions(self.request, calendar)
        return calendar

    @extend_schema(summary="Obtain the list of all calendars created by the currently authenticated user",
                   responses=_calendar_list_responses)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain the list of all calendars created by the currently authenticated user."""
        return self.list_response(self.get_queryset())

    @extend_schema(
        summary="Create a new calendar",
        responses={200: CalendarSerializer, 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a new calendar.

        `start_date` = `end_date` is a one-day calendar; dates in the past are allowed.
        `timezone` (IANA name, default UTC) is the zone the dates and any datetime without an
        offset are read in; `meeting_duration` is in minutes (5 to 480, a multiple of 5, default 30).
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        calendar = services.calendar_create(owner=request.user, **serializer.validated_data)
        return Response(self.get_serializer(calendar).data)

    @extend_schema(
        summary="Obtain calendar details",
        parameters=[CALENDAR_ID],
        responses={200: CalendarSerializer, 401: NOT_AUTHENTICATED, 403: NOT_OWNER_OR_INVITEE,
                   404: INVALID_CALENDAR},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain calendar details (its owner and its invitees may read it)."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Update the name of a calendar",
        parameters=[CALENDAR_ID],
        request=CalendarUpdateSerializer,
        responses={200: CalendarSerializer, 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED,
                   403: NOT_OWNER, 404: INVALID_CALENDAR, 410: FINALIZED},
    )
    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        """Updates the name of a calendar (owner only).

        Users cannot modify a start or end date once the calendar has been created: they may be
        sent (the coreapi client sends them) but must equal the stored ones. `timezone` may
        change while every stored availability and meeting stays inside the calendar's window
        in the new zone; `meeting_duration` may change while no schedule exists.
        """
        calendar = self.get_object()
        serializer = CalendarUpdateSerializer(calendar, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {
            key: value
            for key, value in serializer.validated_data.items()
            if key in ("name", "timezone", "meeting_duration")
        }
        calendar = services.calendar_update(calendar=calendar, **changes)
        return Response(self.get_serializer(calendar).data)

    @extend_schema(
        summary="Update some fields of a calendar",
        parameters=[CALENDAR_ID],
        request=CalendarUpdateSerializer,
        responses={200: CalendarSerializer, 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED,
                   403: NOT_OWNER, 404: INVALID_CALENDAR, 410: FINALIZED},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Like update, with every field optional."""
        return self.update(request, partial=True)

    @extend_schema(
        summary="Delete the calendar and everything in it",
        parameters=[CALENDAR_ID],
        responses={200: DELETED, 401: NOT_AUTHENTICATED, 403: NOT_OWNER, 404: INVALID_CALENDAR},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Deletes the calendar, and removes all associated content with the calendar.

        Owner only; also works on a finalized calendar.
        """
        services.calendar_delete(calendar=self.get_object())
        return Response({})

    @extend_schema(
        summary="Finalize the calendar",
        parameters=[CALENDAR_ID],
        request=FinalizeSerializer,
        responses={200: _answer(FINALIZED_MESSAGE), 400: _answer("This calendar is already finalized."),
                   401: NOT_AUTHENTICATED, 403: NOT_OWNER, 404: INVALID_CALENDAR},
    )
    @action(detail=True, methods=["put"])
    def finalize(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Finalizes the calendar, preventing any further changes to the calendar.

        Does not require any input: `name`, `start_date` and `end_date`, which the coreapi
        client sends, are accepted and ignored. Afterwards every write under the calendar
        answers 410; reads keep working and the owner can still delete it.
        """
        services.calendar_finalize(calendar=self.get_object())
        return Response({"detail": FINALIZED_MESSAGE})

    @extend_schema(summary="Calendars you own", responses=_calendar_list_responses)
    @action(detail=False, methods=["get"])
    def owned(self, request: Request) -> Response:
        """Calendars you own (the same list as `GET /calendars/`)."""
        return self.list_response(self.get_queryset())

    @extend_schema(summary="Calendars you own that are not finalized", responses=_calendar_list_responses)
    @action(detail=False, methods=["get"], url_path="owned/unfinalized", url_name="owned-unfinalized")
    def owned_unfinalized(self, request: Request) -> Response:
        """Calendars you own that are not finalized yet."""
        return self.list_response(self.get_queryset())

    @extend_schema(summary="Calendars you are invited to", responses=_calendar_list_responses)
    @action(detail=False, methods=["get"])
    def invited(self, request: Request) -> Response:
        """Calendars you are invited to (finalized ones included)."""
        return self.list_response(self.get_queryset())

    @extend_schema(summary="Calendars waiting for your availability", responses=_calendar_list_responses)
    @action(detail=False, methods=["get"])
    def status(self, request: Request) -> Response:
        """Calendars you are invited to and have not submitted any availability for yet.

        Finalized calendars and those whose deadline has passed are included: the list says
        what is missing, the calendar's own fields say whether it can still be given.
        """
        return self.list_response(self.get_queryset())


# Invitees ----------------------------------------------------------------------------------

_owner_read: PermissionList = [IsAuthenticated, IsCalendarOwner]
_owner_write: PermissionList = [IsAuthenticated, IsCalendarOwner, CalendarNotFinalized]
_invitee_detail_responses = {401: NOT_AUTHENTICATED, 403: NOT_OWNER,
                             404: _answer("Invalid calendar or invite")}


@extend_schema_view(
    list=extend_schema(
        summary="Obtain the list of all invitees of a calendar",
        responses={200: InviteeSerializer(many=True), 401: NOT_AUTHENTICATED, 403: NOT_OWNER,
                   404: INVALID_CALENDAR},
    ),
    retrieve=extend_schema(
        summary="Obtain details of a specific invitee",
        parameters=[INVITEE_ID],
        responses={200: InviteeSerializer, **_invitee_detail_responses},
    ),
)
@extend_schema(parameters=[NESTED_CALENDAR_ID])
class InviteeViewSet(CalendarNestedMixin, ListMixin, viewsets.ModelViewSet):
    """Invitations to one calendar; its owner manages them, an invitee may only decline."""

    queryset = Invitee.objects.none()
    serializer_class = InviteeSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]{1,18}"
    action_permissions = {
        "list": _owner_read,
        "retrieve": _owner_read,
        "uninvited": _owner_read,
        "metadata": _owner_read,
        "create": _owner_write,
        "update": _owner_write,
        "partial_update": _owner_write,
        "destroy": _owner_write,
        "remove_invitation": [IsAuthenticated, IsCalendarOwnerOrInvitee, IsCalendarInvitee,
                              CalendarNotFinalized],
    }

    def get_queryset(self) -> QuerySet[Invitee]:
        if getattr(self, "swagger_fake_view", False):
            return Invitee.objects.none()
        return selectors.invitees_with_status(calendar=self.calendar)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain the list of all invitees of a calendar (owner only)."""
        return self.list_response(self.get_queryset())

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain details of a specific invitee (owner only)."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Invite a new user to be in a calendar",
        responses={200: InviteeSerializer, 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED, 403: NOT_OWNER,
                   404: INVALID_CALENDAR, 410: FINALIZED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invite a new user to be in a calendar (owner only).

        `invitee` is the user id of one of your accepted contacts, not yet invited. `deadline`
        (optional) is the last instant they can add availability: any future instant, also
        after the calendar ends; by default the end of the calendar's window.
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitee_create(
            calendar=self.calendar,
            invitee_id=serializer.validated_data["invitee_id"],
            deadline=serializer.validated_data.get("deadline"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)

    @extend_schema(
        summary="Update the deadline of an invitee",
        parameters=[INVITEE_ID],
        request=InviteeUpdateSerializer,
        responses={200: InviteeSerializer, 400: FIELD_ERRORS, **_invitee_detail_responses, 410: FINALIZED},
    )
    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        """Updates the deadline for the invitee to add an availability (no other fields can be
        modified; `invitee`, if sent, must be the current one)."""
        invitation = self.get_object()
        serializer = InviteeUpdateSerializer(
            invitation, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        invitation = services.invitee_update(
            invitation=invitation, deadline=serializer.validated_data.get("deadline")
        )
        return Response(self.get_serializer(invitation).data)

    @extend_schema(
        summary="Update the deadline of an invitee",
        parameters=[INVITEE_ID],
        request=InviteeUpdateSerializer,
        responses={200: InviteeSerializer, 400: FIELD_ERRORS, **_invitee_detail_responses, 410: FINALIZED},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Like update, with every field optional."""
        return self.update(request, partial=True)

    @extend_schema(
        summary="Delete the invite",
        parameters=[INVITEE_ID],
        responses={200: DELETED, **_invitee_detail_responses, 410: FINALIZED},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Deletes the invite, and removes all associated content with the invitee: their
        availabilities and meeting in this calendar."""
        services.invitee_delete(invitation=self.get_object())
        return Response({})

    @extend_schema(
        summary="Your contacts not yet invited to this calendar",
        responses={200: UserSummarySerializer(many=True), 401: NOT_AUTHENTICATED, 403: NOT_OWNER,
                   404: INVALID_CALENDAR},
    )
    @action(detail=False, methods=["get"])
    def uninvited(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The owner's accepted contacts who are not invited to this calendar yet (owner only)."""
        return self.list_response(selectors.uninvited_contacts(calendar=self.calendar), UserSummarySerializer)

    @extend_schema(
        summary="Decline your invitation to this calendar",
        request=None,
        responses={200: DELETED, 401: NOT_AUTHENTICATED,
                   403: _answer("Not owner or invitee / the owner is not invited"),
                   404: INVALID_CALENDAR, 410: FINALIZED},
    )
    @action(detail=False, methods=["delete"], url_path="remove-invitation", url_name="remove-invitation")
    def remove_invitation(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Decline your own invitation: it goes with your availabilities and meeting in this
        calendar. Possible after your deadline too; not once the calendar is finalized."""
        services.invitee_delete(invitation=self.invitation, declined=True)
        return Response({})


# Availabilities ----------------------------------------------------------------------------

_availability_read: PermissionList = [IsAuthenticated, IsCalendarOwnerOrInvitee, IsAvailabilityUser]
_availability_write: PermissionList = [
    IsAuthenticated,
    IsCalendarOwnerOrInvitee,
    CalendarNotFinalized,
    InviteeDeadlineNotPassed,
    IsAvailabilityUser,
]
_availability_gone = _answer("Calendar is finalized / Deadline has passed")
_availability_detail_responses = {
    401: NOT_AUTHENTICATED,
    403: _answer("Not owner or invitee / You do not have permission to perform this action."),
    404: _answer("Invalid calendar or availability"),
}


@extend_schema(parameters=[NESTED_CALENDAR_ID])
class AvailabilityViewSet(CalendarNestedMixin, ListMixin, viewsets.ModelViewSet):
    """Availability windows in one calendar: the owner's and each invitee's."""

    queryset = Availability.objects.none()
    serializer_class = AvailabilitySerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]{1,18}"
    action_permissions = {
        "list": _availability_read,
        "retrieve": _availability_read,
        "create": _availability_write,
        "update": _availability_write,
        "partial_update": _availability_write,
        "destroy": _availability_write,
        "bulk_delete": _availability_write,
    }

    def get_queryset(self) -> QuerySet[Availability]:
        if getattr(self, "swagger_fake_view", False):
            return Availability.objects.none()
        return selectors.availabilities_visible_to(calendar=self.calendar, user=self.request.user)

    @extend_schema(
        summary="Obtain the list of all availabilities provided for a calendar",
        parameters=[AvailabilityFilterSerializer],
        responses={200: AvailabilitySerializer(many=True), 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED,
                   403: NOT_OWNER_OR_INVITEE, 404: INVALID_CALENDAR},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain the list of all availabilities provided for a calendar.

        The owner sees everyone's; an invitee sees only their own. `?user=<id>` keeps one user's.
        """
        filters = AvailabilityFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        availabilities = self.get_queryset()
        if "user" in filters.validated_data:
            availabilities = availabilities.filter(user_id=filters.validated_data["user"])
        return self.list_response(availabilities)

    @extend_schema(
        summary="Obtain details of a specific availability provided by a user",
        parameters=[AVAILABILITY_ID],
        responses={200: AvailabilitySerializer, **_availability_detail_responses},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain details of a specific availability provided by a user.

        The owner may read any in the calendar; an invitee only their own (others: 404).
        """
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Create a new availability for a calendar",
        responses={200: AvailabilitySerializer, 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED,
                   403: NOT_OWNER_OR_INVITEE, 404: INVALID_CALENDAR, 410: _availability_gone},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a new availability for a calendar, always as the caller.

        `[start_period, end_period)` must lie in the calendar's window (start_date 00:00 to the
        end of end_date, in its timezone), end after start. Times without an offset are read in
        the calendar's timezone. Windows may touch or overlap. Invitees: until their deadline.
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        availability = services.availability_create(
            calendar=self.calendar, user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(availability).data)

    @extend_schema(
        summary="Updates the time period or preference level for a specific availability",
        parameters=[AVAILABILITY_ID],
        responses={200: AvailabilitySerializer, 400: FIELD_ERRORS, **_availability_detail_responses,
                   410: _availability_gone},
    )
    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        """Updates the time period or preference level for a specific availability (its own
        user only: the owner reading an invitee's gets 403 on writes)."""
        availability = self.get_object()
        serializer = self.get_serializer(availability, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        availability = services.availability_update(availability=availability, **serializer.validated_data)
        return Response(self.get_serializer(availability).data)

    @extend_schema(
        summary="Update some fields of an availability",
        parameters=[AVAILABILITY_ID],
        responses={200: AvailabilitySerializer, 400: FIELD_ERRORS, **_availability_detail_responses,
                   410: _availability_gone},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Like update, with every field optional."""
        return self.update(request, partial=True)

    @extend_schema(
        summary="Deletes the availability period",
        parameters=[AVAILABILITY_ID],
        responses={200: DELETED, **_availability_detail_responses, 410: _availability_gone},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Deletes the availability period (its own user only)."""
        services.availability_delete(availability=self.get_object())
        return Response({})

    @extend_schema(
        summary="Delete all your availabilities in this calendar",
        request=None,
        responses={200: DELETED, 401: NOT_AUTHENTICATED, 403: NOT_OWNER_OR_INVITEE,
                   404: INVALID_CALENDAR, 410: _availability_gone},
    )
    @action(detail=False, methods=["delete"], url_path="bulk-delete", url_name="bulk-delete")
    def bulk_delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete all of your own availabilities in this calendar (never anyone else's).

        The same rules as deleting one: not once finalized, and for invitees not after their
        deadline.
        """
        services.availability_delete_all(calendar=self.calendar, user=request.user)
        return Response({})


# Schedule ----------------------------------------------------------------------------------

SCHEDULE_CREATED = "Schedule created successfully."


@extend_schema(parameters=[NESTED_CALENDAR_ID])
class ScheduleViewSet(CalendarNestedMixin, ListMixin, viewsets.GenericViewSet):
    """The calendar's schedule: one route, `/calendars/{calendar_id}/schedule/`, four methods.

    Routed explicitly in `calendars.urls` (GET list, POST create, PUT update, DELETE destroy)
    because PUT and DELETE act on the whole schedule, not on one meeting.
    """

    queryset = Meet.objects.none()
    serializer_class = MeetSerializer
    action_permissions = {
        "list": [IsAuthenticated, IsCalendarOwnerOrInvitee],
        "create": _owner_write,
        "update": _owner_write,
        "destroy": _owner_write,
    }

    def get_queryset(self) -> QuerySet[Meet]:
        if getattr(self, "swagger_fake_view", False):
            return Meet.objects.none()
        return selectors.meets_visible_to(calendar=self.calendar, user=self.request.user)

    def get_object(self) -> Calendar:
        """The schedule is the calendar's: what a PUT changes (DRF's OPTIONS asks for it)."""
        return self.calendar

    def get_serializer_class(self) -> type[BaseSerializer]:
        """A PUT's body is `ScheduleEditSerializer` (OPTIONS describes it); meetings otherwise."""
        if getattr(self, "request", None) is not None and self.request.method == "PUT":
            return ScheduleEditSerializer
        return MeetSerializer

    @extend_schema(
        summary="Obtain the list of meets that make up a schedule for the calendar",
        responses={200: MeetSerializer(many=True), 401: NOT_AUTHENTICATED, 403: NOT_OWNER_OR_INVITEE,
                   404: INVALID_CALENDAR},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Obtain the list of meets that make up a schedule for the calendar.

        The owner sees every meeting; an invitee only their own. Ordered by id, which follows
        start time for schedules this API stored.
        """
        return self.list_response(self.get_queryset())

    @extend_schema(
        summary="Generate a new optimal schedule, replacing the old one",
        request=None,
        responses={200: ScheduleGeneratedSerializer, 401: NOT_AUTHENTICATED, 403: NOT_OWNER,
                   404: INVALID_CALENDAR, 410: FINALIZED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """DELETES OLD SCHEDULE IF EXISTS, then generates a new suggested schedule (owner only).

        Needs no body. For each current invitee at most one meeting of the calendar's
        `meeting_duration`, starting on a 5-minute boundary (UTC), inside one of the owner's
        and one of the invitee's windows (windows at most a minute apart join up), never two
        meetings at once. The schedule is optimal: first the most invitees, then the highest
        total of owner + invitee preference, then the earliest meetings, then by invitee id, so
        the same data give the same schedule. `unscheduled` says why each other invitee has no
        meeting; `optimal` is false only if the solver's time limit cut the search short.
        """
        outcome = services.schedule_generate(calendar=self.calendar)
        data = {"detail": SCHEDULE_CREATED, **vars(outcome)}
        return Response(ScheduleGeneratedSerializer(data, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Replace the schedule with your own",
        request=ScheduleEditSerializer,
        responses={200: MeetSerializer(many=True), 400: FIELD_ERRORS, 401: NOT_AUTHENTICATED,
                   403: NOT_OWNER, 404: INVALID_CALENDAR, 410: FINALIZED},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace the schedule with your own edit (owner only); answers the new list.

        `meets`: `[{"meeter": <user id>, "start_period": ...[, "end_period": ...]}, ...]`. Each
        meeter is a current invitee, at most once; each meeting is `meeting_duration` long
        (`end_period`, if sent, must say so), inside the calendar's window, and overlaps no
        other. Meetings outside someone's availability are allowed. `[]` empties the schedule.
        Errors are keyed by the faulty meeting's index, e.g. `{"meets": {"1": {"start_period":
        ["..."]}}}` (a `meets` that is not a list: `{"meets": {"non_field_errors": [...]}}`);
        nothing changes then.
        """
        serializer = ScheduleEditSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        drafts = [
            services.MeetDraft(item["meeter"], item["start_period"], item.get("end_period"))
            for item in serializer.validated_data["meets"]
        ]
        try:
            meets = services.schedule_replace(calendar=self.calendar, meets=drafts)
        except services.ScheduleEditInvalid as exc:
            errors = {str(index): fields for index, fields in exc.item_errors.items()}
            raise ValidationError({"meets": errors}) from exc
        return Response(MeetSerializer(meets, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Deletes the meeting period for a schedule",
        responses={200: DELETED, 401: NOT_AUTHENTICATED, 403: NOT_OWNER, 404: INVALID_CALENDAR,
                   410: FINALIZED},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Deletes the meeting period for a schedule: every meeting of the calendar (owner only).

        Returns a 200 OK response if the deletion is successful, with empty JSON response.
        """
        services.schedule_delete(calendar=self.calendar)
        return Response({})


# Email and calendar export (CONTRACT section 8) ----------------------------------------------

class EmailUnavailable(APIException):
    """HTTP 503: the mail server could not be reached or refused the messages."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Email could not be sent; try again later."
    default_code = "email_unavailable"


_email_reminders: PermissionList = [IsAuthenticated, IsCalendarOwner, CalendarNotFinalized]
_email_common_responses = {
    401: NOT_AUTHENTICATED,
    403: NOT_OWNER,
    429: _answer("Too many email requests for this calendar (CALENDAR_EMAIL_RATE); see Retry-After"),
    503: _answer(EmailUnavailable.default_detail),
}


@extend_schema(parameters=[CALENDAR_ID])
class CalendarEmailViewSet(CalendarNestedMixin, viewsets.GenericViewSet):
    """Emails about one calendar that its owner sends: reminders and the final schedule.

    Three POST routes under `/calendars/{id}/email/`, mapped explicitly in `calendars.urls`.
    Owner only; limited per calendar (`calendars.throttling`). One message per recipient;
    recipients who opted out of email (or have no address) get nothing and are counted in
    `detail`, not in `sent`. A mail server that fails answers 503.
    """

    queryset = Invitee.objects.none()
    serializer_class = EmptySerializer
    calendar_url_kwarg = "id"
    lookup_field = "invitee__username"
    lookup_url_kwarg = "username"
    throttle_classes = [CalendarEmailThrottle]
    action_permissions = {
        "remind_all": _email_reminders,
        "remind_one": _email_reminders,
        "send_schedule": [IsAuthenticated, IsCalendarOwner],
    }

    def get_queryset(self) -> QuerySet[Invitee]:
        """The calendar's invitations, ready to write to (user, profile, availability status)."""
        if getattr(self, "swagger_fake_view", False):
            return Invitee.objects.none()
        return selectors.invitees_with_status(calendar=self.calendar).select_related("invitee__profile")

    def _sent(self, send: Any, noun: str) -> Response:
        try:
            delivery = send()
        except notifications.EmailDeliveryFailed as exc:
            raise EmailUnavailable() from exc
        return Response(EmailSentSerializer({"detail": delivery.summary(noun), "sent": delivery.sent}).data)

    @extend_schema(
        summary="Remind every invitee who has not given availability",
        request=None,
        responses={200: EmailSentSerializer, **_email_common_responses, 404: INVALID_CALENDAR,
                   410: FINALIZED},
    )
    def remind_all(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Remind every invitee who has not given availability (owner only).

        One email to each invitee without any availability in the calendar, naming it, you,
        their deadline (in the calendar's timezone) and a link to add availability. Invitees
        whose deadline has passed are skipped (move their deadline first), as are those who
        opted out of email; `detail` counts both, `sent` the messages sent. `410` once the
        calendar is finalized.
        """
        return self._sent(lambda: notifications.remind_pending(calendar=self.calendar), "reminder")

    @extend_schema(
        summary="Remind one invitee to give availability",
        operation_id="calendars_email_username_create",
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH,
                                     description="The username of an invitee of this calendar.")],
        request=None,
        responses={200: EmailSentSerializer, **_email_common_responses,
                   404: _answer("Invalid calendar, or no invitee with this username"),
                   410: _answer("Calendar is finalized / Deadline has passed")},
    )
    def remind_one(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Remind one invitee to give availability (owner only).

        Sent whether or not they already gave some (they may add more). `404` for a username
        that is not invited to this calendar; `410 {"detail": "Deadline has passed"}` once
        their deadline has passed (move it first); `sent` is 0 if they opted out of email.
        (A user named `finalize` is reminded through `POST /calendars/{id}/email/`: the path
        `email/finalize` sends the schedule.)
        """
        invitation = self.get_object()
        return self._sent(lambda: notifications.remind_invitee(invitation=invitation), "reminder")

    @extend_schema(
        summary="Email everyone their meetings of the finalized schedule",
        request=None,
        responses={200: EmailSentSerializer, 400: _answer(notifications.ScheduleNotFinal.default_message),
                   **_email_common_responses, 404: INVALID_CALENDAR},
    )
    def send_schedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Email everyone their meetings of the finalized schedule (owner only).

        Each invitee with a meeting gets theirs, and you get all of them, each message with an
        `.ics` attachment (see `GET /calendars/{calendar_id}/schedule/ics`); times in the
        calendar's timezone. Invitees without a meeting get nothing. The same emails go out by
        themselves when the calendar is finalized; this sends them again. `400 {"detail":
        "Calendar is not finalized"}` before that.
        """
        return self._sent(lambda: notifications.send_schedule(calendar=self.calendar), "schedule email")


class ICalendarRenderer(BaseRenderer):
    """`text/calendar`: lets a calendar application ask for it in `Accept`."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode(self.charset)


@extend_schema(parameters=[NESTED_CALENDAR_ID])
class ScheduleICSViewSet(CalendarNestedMixin, viewsets.GenericViewSet):
    """The schedule as an iCalendar file: `/calendars/{calendar_id}/schedule/ics` (GET)."""

    queryset = Meet.objects.none()
    serializer_class = MeetSerializer
    # JSON first: errors and OPTIONS are JSON; text/calendar is there so `Accept` may ask for it.
    renderer_classes = [JSONRenderer, ICalendarRenderer]
    action_permissions = {"ics": [IsAuthenticated, IsCalendarOwnerOrInvitee]}

    def get_queryset(self) -> QuerySet[Meet]:
        if getattr(self, "swagger_fake_view", False):
            return Meet.objects.none()
        return selectors.meets_visible_to(calendar=self.calendar, user=self.request.user)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Anything but the file itself (an error, OPTIONS) is JSON, whatever `Accept` says."""
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Download the schedule as an iCalendar (.ics) file",
        responses={
            (200, "text/calendar"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="An iCalendar document (RFC 5545) with one VEVENT per meeting",
            ),
            (401, "application/json"): NOT_AUTHENTICATED,
            (403, "application/json"): NOT_OWNER_OR_INVITEE,
            (404, "application/json"): INVALID_CALENDAR,
            (406, "application/json"): _answer("An Accept header that allows neither text/calendar nor JSON"),
        },
    )
    def ics(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """Download the schedule as an iCalendar (.ics) file, to import or subscribe to.

        The owner gets every meeting, an invitee their own; no meetings give a valid file
        without events. One VEVENT per meeting: UID `meet-<calendar id>-<meeter id>@<host of
        FRONTEND_URL>`, the same whenever the schedule is regenerated, so importing the file
        again updates events instead of duplicating them (SEQUENCE grows with each change);
        DTSTART/DTEND in UTC; SUMMARY the calendar's name and the other person; ORGANIZER the
        owner; ATTENDEEs the owner and the invitee (mailto: addresses); STATUS TENTATIVE until
        the calendar is finalized, then CONFIRMED.
        """
        document = calendar_document(calendar=self.calendar, meets=self.get_queryset(), viewer=request.user)
        response = HttpResponse(document, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ics_filename(self.calendar)}"'
        return response
