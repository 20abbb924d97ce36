"""The jobs' URLs: /items/<id>/jobs to enqueue one, /jobs/<uuid> to read it."""

from django.urls import URLPattern, path

from ..core.converters import ID
from . import views

urlpatterns: list[URLPattern] = [
    path(f"items/<{ID}:item_id>/jobs", views.ItemJobsView.as_view(), name="item-jobs"),
    path("jobs/<uuid:job_id>", views.JobDetailView.as_view(), name="job"),
]
