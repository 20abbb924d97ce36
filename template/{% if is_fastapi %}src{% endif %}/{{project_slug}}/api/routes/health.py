"""Liveness and readiness probes, for GET and for HEAD (headers only, as probes often ask)."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from ...core.db import ping_database
from ...core.readiness import Probe
from ...schemas import Health, Readiness

router = APIRouter(tags=["health"])

READYZ_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Readiness, "description": "Not ready"}
}
# HEAD answers carry no body, so their schema names no content.
READYZ_HEAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Not ready; GET /readyz says why"}
}


@router.get("/healthz")
async def healthz() -> Health:
    """Liveness: the process answers. No I/O, so a slow database never restarts it."""
    return Health()


@router.head("/healthz", response_class=Response)
async def healthz_head() -> Response:
    """Liveness, as GET /healthz answers it, without a body."""
    return Response()


@router.get("/readyz", response_model=Readiness, responses=READYZ_RESPONSES)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: every dependency answers; 503 names the ones that do not."""
    report = await _readiness(request)
    return JSONResponse(report.model_dump(), status_code=_status_code(report))


@router.head("/readyz", response_class=Response, responses=READYZ_HEAD_RESPONSES)
async def readyz_head(request: Request) -> Response:
    """Readiness, as GET /readyz answers it, without a body."""
    return Response(status_code=_status_code(await _readiness(request)))


async def _readiness(request: Request) -> Readiness:
    state = request.app.state
    # The database, then each configured dependency the app registered (integrations/).
    probes: dict[str, Probe] = {
        "database": lambda: ping_database(state.engine),
        **state.dependency_probes,
    }
    checks = state.readiness_checks
    results = await asyncio.gather(*(checks.check(name, probe) for name, probe in probes.items()))
    checks = dict(zip(probes, results, strict=True))
    ready = all(result == "ok" for result in results)
    return Readiness(status="ok" if ready else "unavailable", checks=checks)


def _status_code(report: Readiness) -> int:
    ready = report.status == "ok"
    return status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
