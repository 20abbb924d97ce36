"""The items' URLs: /items and /items/<id>, without trailing slashes."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("items", views.ItemListView.as_view(), name="items"),
    path("items/<int:item_id>", views.ItemDetailView.as_view(), name="item"),
]
