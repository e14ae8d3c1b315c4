"""Calendar routes: `/calendars/{id}` and the nested `/calendars/{calendar_id}/<resource>/{id}`.

Every route answers with and without its trailing slash (`oneonone.routers`). Ids match
`[0-9]+` only, so `/calendars/owned`, `/calendars/status`, `.../invitee/uninvited` and the
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

urlpatterns = [
    *router.urls,
    *calendar_router.urls,
    re_path(r"^calendars/(?P<calendar_id>[0-9]+)/schedule/?$", schedule, name="calendar-schedule"),
]
