"""The admin process (APP_ROLE=admin): the Django admin at ADMIN_URL, the probes, no API."""

import pytest
from django.test import Client
from pytest_django import Settings


@pytest.fixture
def admin_process(settings: Settings) -> Settings:
    """Serve the admin process's URLs (config/admin_urls.py), as APP_ROLE=admin does."""
    settings.ROOT_URLCONF = "config.admin_urls"
    return settings


@pytest.mark.usefixtures("admin_process")
def test_the_admin_login_page_loads_with_its_own_policy(client: Client, settings: Settings) -> None:
    response = client.get(f"/{settings.ADMIN_URL}login/")

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.usefixtures("admin_process")
def test_a_staff_user_reaches_the_admin_index(admin_client: Client, settings: Settings) -> None:
    response = admin_client.get(f"/{settings.ADMIN_URL}")

    assert response.status_code == 200
    assert b"Items" in response.content


@pytest.mark.usefixtures("admin_process")
def test_the_admin_process_serves_the_probes_but_not_the_api(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/items").status_code == 404
