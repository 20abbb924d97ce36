"""Liveness and readiness probes, and the JSON 404 of every unknown path."""

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .readiness import check_dependencies
from .serializers import HealthSerializer, ReadinessSerializer


@extend_schema(responses=HealthSerializer, tags=["health"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def healthz(request: Request) -> Response:
    """Liveness: the process answers. No I/O, so a slow database never restarts it."""
    return Response({"status": "ok"})


@extend_schema(
    responses={status.HTTP_200_OK: ReadinessSerializer, 503: ReadinessSerializer},
    tags=["health"],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def readyz(request: Request) -> Response:
    """Readiness: every dependency answers; 503 names the ones that do not."""
    checks = check_dependencies()
    ready = all(result == "ok" for result in checks.values())
    return Response(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    """Answer an unknown path in JSON, as the API answers everything else."""
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
