"""The items' URLs: /items and /items/<id> (1 to 2**63-1), without trailing slashes."""

from django.urls import URLPattern, path

from ..core.converters import ID
from . import views

urlpatterns: list[URLPattern] = [
    path("items", views.ItemListView.as_view(), name="items"),
    path(f"items/<{ID}:item_id>", views.ItemDetailView.as_view(), name="item"),
]
