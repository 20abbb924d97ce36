"""The example job: enqueue one on an item, then read its status until it has finished."""

import logging
import uuid

from asgiref.sync import sync_to_async
from drf_spectacular.utils import OpenApiResponse, extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ..core.api import AsyncAPIView
from ..items.models import items_of
from .models import Job, jobs_of
from .serializers import JobSerializer
from .tasks import enqueue_process_item, finish_job

logger = logging.getLogger(__name__)

# What a client should wait before retrying while the broker is down.
RETRY_AFTER_SECONDS = 5
QUEUE_UNAVAILABLE = "The task queue is unavailable; try again shortly"


class ItemJobsView(AsyncAPIView):
    """The jobs of an item: enqueue one."""

    @extend_schema(
        operation_id="items_jobs_create",
        request=None,
        responses={
            status.HTTP_202_ACCEPTED: JobSerializer,
            status.HTTP_404_NOT_FOUND: OpenApiResponse(description="No such item (or not yours)"),
            status.HTTP_503_SERVICE_UNAVAILABLE: OpenApiResponse(
                description="The database or the task queue is unavailable; see Retry-After"
            ),
        },
        tags=["jobs"],
    )
    async def post(self, request: Request, item_id: int) -> Response:
        """Enqueue the example job on an item (it counts the item's words); poll GET /jobs/{id}."""
        if not await items_of(request.user).filter(pk=item_id).aexists():
            raise NotFound("Item not found")
        job = await Job.objects.acreate(item_id=item_id)
        answer = JobSerializer(job).data
        try:
            # Blocking: a network send, or with no broker the task itself, in the request's
            # thread (where its queries run too).
            await sync_to_async(enqueue_process_item)(job.pk)
        except (BrokerError, OSError) as error:
            logger.warning("Could not enqueue job %s: %r", job.pk, error)
            await sync_to_async(finish_job)(job.pk, error="The task queue is unavailable")
            return Response(
                {"detail": QUEUE_UNAVAILABLE},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class JobDetailView(AsyncAPIView):
    """One job: read its status."""

    @extend_schema(
        responses={
            status.HTTP_200_OK: JobSerializer,
            status.HTTP_404_NOT_FOUND: OpenApiResponse(description="No such job (or not yours)"),
        },
        tags=["jobs"],
    )
    async def get(self, request: Request, job_id: uuid.UUID) -> Response:
        """Return a job: its status, and its result or error once it has finished."""
        job = await jobs_of(request.user).filter(pk=job_id).afirst()
        if job is None:
            raise NotFound("Job not found")
        return Response(JobSerializer(job).data)
