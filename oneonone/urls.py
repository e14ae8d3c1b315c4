"""Root URL configuration.

Each app owns its routes in `<app>/urls.py`; every route answers with and without its
trailing slash (see `oneonone.routers`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from oneonone.docs import CoreAPIDocsView
from oneonone.routers import slash_optional_path

urlpatterns = [
    path("admin/", admin.site.urls),
    slash_optional_path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    slash_optional_path(
        "api/schema/swagger-ui", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"
    ),
    slash_optional_path("api/schema/redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Core JSON for the coreapi CLI, HTML for browsers (oneonone.docs); before the app routes.
    slash_optional_path("docs", CoreAPIDocsView.as_view(), name="docs"),
    path("", include("accounts.urls")),
    path("", include("contacts.urls")),
    path("", include("calendars.urls")),
]


# JSON, not HTML, for errors raised outside DRF's views (e.g. a path that matches no route).
handler400 = "oneonone.exceptions.bad_request"
handler403 = "oneonone.exceptions.permission_denied"
handler404 = "oneonone.exceptions.page_not_found"
handler500 = "oneonone.exceptions.server_error"


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files (profile pictures), served by the app unless a proxy does it."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", serve_media, name="media"),
    ]
