"""The attachments' URLs, and the local store's upload and download paths."""

from django.urls import URLPattern, path

from ..core.converters import ID
from . import views

urlpatterns: list[URLPattern] = [
    path(
        f"items/<{ID}:item_id>/attachments",
        views.ItemAttachmentsView.as_view(),
        name="item-attachments",
    ),
    path("attachments/<uuid:attachment_id>", views.AttachmentView.as_view(), name="attachment"),
    path("uploads/<str:token>", views.UploadView.as_view(), name="upload"),
    path("files/<str:token>", views.DownloadView.as_view(), name="download"),
]
