"""Calendar routes: `/calendars/{id}` and the nested `/calendars/{calendar_id}/<resource>/{id}`.

Every route answers with and without its trailing slash (`oneonone.routers`). Ids match
`[0-9]+` only, so `/calendars/owned`, `/calendars/status`, `.../invitee/uninvited` and the
like can never be taken for an id, and a non-numeric id is a 404, not a 500.

More routes under a calendar (the schedule) register on `calendar_router`, e.g.
`calendar_router.register("schedule", ScheduleViewSet, basename="calendar-schedule")`.
"""

from __future__ import annotations

from calendars import views
from oneonone.routers import OptionalSlashNestedRouter, OptionalSlashRouter

router = OptionalSlashRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")

# lookup="calendar" + CalendarViewSet.lookup_url_kwarg "id" → the nested kwarg `calendar_id`.
calendar_router = OptionalSlashNestedRouter(router, "calendars", lookup="calendar")
calendar_router.register("invitee", views.InviteeViewSet, basename="calendar-invitee")
calendar_router.register("availabilities", views.AvailabilityViewSet, basename="calendar-availability")

urlpatterns = [*router.urls, *calendar_router.urls]
