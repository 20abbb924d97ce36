"""The probes' URLs, and the API docs' (as DOCS_MODE says: core/docs.py)."""

from django.urls import URLPattern, path

from . import docs, views

# core.middleware.ProbeMiddleware answers these paths itself, ahead of host checks; they are
# routed here as well so that the OpenAPI schema describes them.
probe_urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

urlpatterns: list[URLPattern] = [*probe_urlpatterns, *docs.urlpatterns]
