"""Django admin for calendars, invitations, availabilities and meetings.

Staff look things up by calendar name and by username, filter by state (finalized, timezone,
preference, dates), and see a calendar's invitations inline. Related users and calendars are
chosen with autocomplete (never a select of every user) and lists join what they print.
"""

from __future__ import annotations

from django.contrib import admin

from calendars.models import Availability, Calendar, Invitee, Meet


class InviteeInline(admin.TabularInline):
    model = Invitee
    extra = 0
    fields = ["invitee", "deadline", "reminder_sent_at", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["invitee"]
    show_change_link = True


class MeetInline(admin.TabularInline):
    model = Meet
    extra = 0
    fields = ["meeter", "start_period", "end_period"]
    autocomplete_fields = ["meeter"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "start_date", "end_date", "timezone", "meeting_duration", "finalized"]
    list_filter = ["finalized", "timezone", "start_date"]
    search_fields = ["name", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    date_hierarchy = "start_date"
    readonly_fields = ["created_at"]
    inlines = [InviteeInline, MeetInline]


@admin.register(Invitee)
class InviteeAdmin(admin.ModelAdmin):
    list_display = ["invitee", "calendar", "deadline", "reminder_sent_at", "created_at"]
    list_filter = ["calendar__finalized", "deadline"]
    search_fields = ["invitee__username", "invitee__email", "calendar__name", "calendar__owner__username"]
    list_select_related = ["invitee", "calendar"]
    autocomplete_fields = ["calendar", "invitee"]
    readonly_fields = ["created_at"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "calendar", "start_period", "end_period", "preference"]
    list_filter = ["preference", "calendar__finalized", "start_period"]
    search_fields = ["user__username", "calendar__name", "calendar__owner__username"]
    list_select_related = ["user", "calendar"]
    autocomplete_fields = ["calendar", "user"]
    date_hierarchy = "start_period"


@admin.register(Meet)
class MeetAdmin(admin.ModelAdmin):
    list_display = ["meeter", "calendar", "start_period", "end_period"]
    list_filter = ["calendar__finalized", "start_period"]
    search_fields = ["meeter__username", "calendar__name", "calendar__owner__username"]
    list_select_related = ["meeter", "calendar"]
    autocomplete_fields = ["calendar", "meeter"]
    date_hierarchy = "start_period"
