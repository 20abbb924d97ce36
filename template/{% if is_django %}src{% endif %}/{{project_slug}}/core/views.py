"""Liveness and readiness probes: GET, and HEAD without the body."""

from drf_spectacular.utils import extend_schema  # pyright: ignore[reportUnknownVariableType] - unparameterized Serializer
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .api import AsyncAPIView
from .readiness import check_dependencies
from .serializers import HealthSerializer, ReadinessSerializer


class ProbeView(AsyncAPIView):
    """A probe: anyone may call it, no token is read."""

    authentication_classes = ()
    permission_classes = (AllowAny,)


class HealthView(ProbeView):
    """Liveness."""

    # core.schema: no database behind it, so no 503 to document.
    uses_database = False

    @extend_schema(responses=HealthSerializer, tags=["health"])
    async def get(self, request: Request) -> Response:
        """Liveness: the process answers. No I/O, so a slow database never restarts it."""
        return Response({"status": "ok"})


class ReadinessView(ProbeView):
    """Readiness."""

    @extend_schema(
        responses={status.HTTP_200_OK: ReadinessSerializer, 503: ReadinessSerializer},
        tags=["health"],
    )
    async def get(self, request: Request) -> Response:
        """Readiness: every dependency answers; 503 names the ones that do not."""
        checks = await check_dependencies()
        ready = all(result == "ok" for result in checks.values())
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


healthz = HealthView.as_view()
readyz = ReadinessView.as_view()
