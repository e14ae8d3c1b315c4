"""Accounts and token routes."""

from __future__ import annotations

from django.urls import re_path

from accounts import views
from oneonone.routers import slash_optional_path

urlpatterns = [
    slash_optional_path("accounts/register", views.RegisterView.as_view(), name="register"),
    slash_optional_path("accounts/login", views.LoginView.as_view(), name="login"),
    slash_optional_path("accounts/profile", views.ProfileView.as_view(), name="profile"),
    re_path(
        r"^accounts/profile/id/(?P<user_id>[0-9]{1,18})/?$",
        views.ProfileByIdView.as_view(),
        name="profile-by-id",
    ),
    re_path(
        r"^accounts/profile/partial/(?P<text>[^/]+)/?$",
        views.ProfileSearchView.as_view(),
        name="profile-search",
    ),
    slash_optional_path("api/token", views.ThrottledTokenObtainPairView.as_view(), name="token"),
    slash_optional_path("api/token/refresh", views.PublicTokenRefreshView.as_view(), name="token-refresh"),
]
