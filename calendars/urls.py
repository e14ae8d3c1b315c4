"""Calendar routes: `/calendars/{id}` and the nested `/calendars/{calendar_id}/<resource>/{id}`.

Every route answers with and without its trailing slash (`oneonone.routers`). Ids match
`[0-9]{1,18}` only, so `/calendars/owned`, `/calendars/status`, `.../invitee/uninvited` and the
like can never be taken for an id, and a non-numeric id is a 404, not a 500.

More routes under a calendar register on `calendar_router`. The schedule is one route with
four methods on the whole schedule (`/calendars/{calendar_id}/schedule/`: GET, POST, PUT,
DELETE), which no router route gives, so it is mapped explicitly.
"""

from __future__ import annotations

from django.urls import re_path

from calendars import views
from oneonone.routers import OptionalSlashNestedRouter, OptionalSlashRouter

router = OptionalSlashRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")

# lookup="calendar" + CalendarViewSet.lookup_url_kwarg "id" → the nested kwarg `calendar_id`.
calendar_router = OptionalSlashNestedRouter(router, "calendars", lookup="calendar")
calendar_router.register("invitee", views.InviteeViewSet, basename="calendar-invitee")
calendar_router.register("availabilities", views.AvailabilityViewSet, basename="calendar-availability")

schedule = views.ScheduleViewSet.as_view(
    {"get": "list", "post": "create", "put": "update", "delete": "destroy"}
)

# The web client's extras (CONTRACT section 8): the email routes take the calendar as `{id}`,
# as the contract writes them; `email/finalize` comes before `email/{username}`.
email = views.CalendarEmailViewSet
schedule_ics = views.ScheduleICSViewSet.as_view({"get": "ics"})

urlpatterns = [
    *router.urls,
    *calendar_router.urls,
    re_path(r"^calendars/(?P<calendar_id>[0-9]{1,18})/schedule/?$", schedule, name="calendar-schedule"),
    re_path(
        r"^calendars/(?P<calendar_id>[0-9]{1,18})/schedule/ics/?$", schedule_ics, name="calendar-schedule-ics"
    ),
    re_path(
        r"^calendars/(?P<id>[0-9]{1,18})/email/?$",
        email.as_view({"post": "remind_all"}),
        name="calendar-email",
    ),
    re_path(
        r"^calendars/(?P<id>[0-9]{1,18})/email/finalize/?$",
        email.as_view({"post": "send_schedule"}),
        name="calendar-email-finalize",
    ),
    re_path(
        r"^calendars/(?P<id>[0-9]{1,18})/email/(?P<username>[^/\x00]+)/?$",
        email.as_view({"post": "remind_one"}),
        name="calendar-email-user",
    ),
]
