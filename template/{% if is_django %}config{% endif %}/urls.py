"""The API process's URLs (APP_ROLE=api): probes, docs, accounts and items.

Each of the project's apps that has a `urls` module serves it from the root, in
INSTALLED_APPS order: core (probes and docs), users (accounts, when auth is jwt) and items.
The admin is served by its own process (APP_ROLE=admin, config/admin_urls.py), and by this
one only on a developer's machine (ADMIN_WITH_API in config/settings/local.py).
"""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import module_has_submodule

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(f"{app.name}.urls"))
    for app in apps.get_app_configs()
    if app.name.startswith(f"{settings.PACKAGE}.")
    and app.module is not None
    and module_has_submodule(app.module, "urls")
]
if settings.ADMIN_WITH_API:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))

# Errors the API answers in JSON, like every other response (core/errors.py).
handler400 = f"{settings.PACKAGE}.core.errors.bad_request"
handler403 = f"{settings.PACKAGE}.core.errors.permission_denied"
handler404 = f"{settings.PACKAGE}.core.errors.not_found"
handler500 = f"{settings.PACKAGE}.core.errors.server_error"
