"""GET /events."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("events", views.EventStreamView.as_view(), name="events"),
]
