"""The admin process (APP_ROLE=admin): the Django admin at ADMIN_URL, the probes, no API."""

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
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


@pytest.mark.usefixtures("admin_process")
def test_a_staff_user_adds_a_user_whose_email_is_stored_in_lower_case(
    admin_client: Client, settings: Settings, django_user_model: type[AbstractBaseUser]
) -> None:
    response = admin_client.post(
        f"/{settings.ADMIN_URL}users/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a long enough password",
            "password2": "a long enough password",
        },
    )

    assert response.status_code == 302
    user = django_user_model.objects.get(email="new.person@example.com")
    assert user.check_password("a long enough password")
