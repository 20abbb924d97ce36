"""Security headers on every response, and the admin's place per APP_ROLE."""

from django.conf import settings
from django.core.checks import CheckMessage, Tags, run_checks
from pytest_django import Settings
from rest_framework.test import APIClient


def test_responses_carry_security_headers(client: APIClient) -> None:
    response = client.get("/healthz")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_api_responses_forbid_loading_anything(client: APIClient) -> None:
    response = client.get("/healthz")

    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "cdn.jsdelivr.net" not in response.headers["Content-Security-Policy"]


def test_error_responses_carry_security_headers_too(client: APIClient) -> None:
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_hsts_is_sent_over_https_only(client: APIClient) -> None:
    over_http = client.get("/healthz")
    over_https = client.get("/healthz", secure=True)

    assert "Strict-Transport-Security" not in over_http.headers
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_api_process_does_not_serve_the_admin(client: APIClient) -> None:
    assert client.get(f"/{settings.ADMIN_URL}login/").status_code == 404


def middleware_warnings() -> list[CheckMessage]:
    """Return the deploy checks' warnings about missing security middleware (core.W001)."""
    found = run_checks(tags=[Tags.security], include_deployment_checks=True)
    return [message for message in found if message.id == "core.W001"]


def test_the_deploy_checks_find_the_security_middleware_by_subclass(settings: Settings) -> None:
    assert middleware_warnings() == []

    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if not path.endswith(".XFrameOptionsMiddleware")
    ]
    [warning] = middleware_warnings()

    assert "XFrameOptionsMiddleware" in warning.msg
