"""The admin process's URLs (APP_ROLE=admin): the Django admin at ADMIN_URL, nothing else.

/healthz and /readyz are answered in every role by core.middleware.ProbeMiddleware, and
static files by whitenoise, before these URLs are looked at.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import URLResolver, path

urlpatterns: list[URLResolver] = [path(settings.ADMIN_URL, admin.site.urls)]
