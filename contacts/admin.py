"""Django admin for contacts: staff find a pair by either username and filter by state."""

from __future__ import annotations

from django.contrib import admin

from contacts.models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "requester", "requested", "accepted", "created_at"]
    list_display_links = ["id", "requester"]
    list_filter = ["accepted", "created_at"]
    search_fields = ["requester__username", "requested__username"]
    list_select_related = ["requester", "requested"]
    # Autocomplete (UserAdmin has search_fields) instead of a select of every user.
    autocomplete_fields = ["requester", "requested"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
