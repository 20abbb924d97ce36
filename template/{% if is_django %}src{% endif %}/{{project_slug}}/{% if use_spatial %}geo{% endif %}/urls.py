"""GET /items/nearby (a path the item ids' converter never matches: it takes digits only)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("items/nearby", views.NearbyView.as_view(), name="items-nearby"),
]
