"""Configuration from the environment, production refusal, CORS and trailing slashes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
GOOD_JWT = "jwt-" + "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvutsrq"


def load_settings(**env):
    """Import the settings module in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "JWT_SIGNING_KEY"}}
    clean.update(env)
    code = "import oneonone.settings as s; print(s.DEBUG, s.SIMPLE_JWT['SIGNING_KEY'] != s.SECRET_KEY)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


class TestProductionSettings:
    def test_development_needs_no_environment(self):
        result = load_settings()
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["True", "True"]

    @pytest.mark.parametrize(
        "env",
        [
            {"DEBUG": "false"},
            {"DEBUG": "false", "SECRET_KEY": GOOD_KEY},
            {"DEBUG": "false", "JWT_SIGNING_KEY": GOOD_JWT},
            {"DEBUG": "false", "SECRET_KEY": "short", "JWT_SIGNING_KEY": GOOD_JWT},
            {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "JWT_SIGNING_KEY": GOOD_KEY},
        ],
        ids=["no-keys", "no-jwt-key", "no-secret-key", "short-secret", "same-keys"],
    )
    def test_production_refuses_to_start_without_real_keys(self, env):
        result = load_settings(**env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr

    def test_production_starts_with_real_keys(self):
        result = load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY, JWT_SIGNING_KEY=GOOD_JWT)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["False", "True"]

    def test_check_deploy_passes_with_no_warnings(self):
        env = {**os.environ, "DEBUG": "false", "SECRET_KEY": GOOD_KEY, "JWT_SIGNING_KEY": GOOD_JWT}
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
class TestCors:
    def preflight(self, client, origin):
        return client.options(
            "/calendars/",
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
        )

    def test_configured_origin_is_allowed_with_the_authorization_header(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://app.oneonone.example"]
        response = self.preflight(client, "https://app.oneonone.example")
        assert response["Access-Control-Allow-Origin"] == "https://app.oneonone.example"
        assert "authorization" in response["Access-Control-Allow-Headers"].lower()

    def test_localhost_any_port_is_allowed_in_debug(self, client):
        response = self.preflight(client, "http://localhost:5173")
        assert response["Access-Control-Allow-Origin"] == "http://localhost:5173"

    def test_other_origins_get_no_cors_headers(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://app.oneonone.example"]
        response = self.preflight(client, "https://evil.example")
        assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
class TestMalformedRequests:
    @pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/", "/api/token/", "/calendars/"])
    def test_a_body_over_the_upload_limit_is_400_not_500(self, api_client, user, url):
        api_client.force_authenticate(user)
        body = '{"name": "' + "x" * 3_000_000 + '"}'
        response = api_client.post(url, body, content_type="application/json")
        assert response.status_code in (400, 413)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "asset"),
    [
        ("/api/schema/swagger-ui/", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/schema/redoc/", "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_the_api_browsers_load_their_scripts_from_this_server(client, settings, page, asset):
    """No CDN: Swagger UI and ReDoc work offline (drf-spectacular-sidecar).

    whitenoise serves the app's static files (from the finders here, as under `make run`;
    from STATIC_ROOT after `collectstatic` in production)."""
    settings.WHITENOISE_USE_FINDERS = True
    html = client.get(page).content.decode()
    assert asset in html
    assert "cdn.jsdelivr.net" not in html
    response = client.get(asset)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    response.close()
