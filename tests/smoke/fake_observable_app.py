"""A small ASGI service that follows the observability contract (docs/observability.md), for
testing the smoke's observability steps before the generated services implement it.

Run it with uvicorn (`uvicorn tests.smoke.fake_observable_app:app`); it reads the contract's
settings (METRICS_TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, APP_VERSION,
ENVIRONMENT) and writes one JSON log line per request on stdout. FAKE_BREAKS (a comma-separated
list) makes it break the contract on purpose, one way per name:

  open-metrics   /metrics answers without the token
  raw-path       the route label is the raw path, not the route template
  no-readiness   no readiness_check_up gauge
  wrong-buckets  the latency histogram uses prometheus_client's default buckets
  no-db-span     the item list runs its "query" without a database span
  no-trace-log   log lines carry no trace id
  no-export      spans are made but never exported
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BREAKS = frozenset(filter(None, os.environ.get("FAKE_BREAKS", "").split(",")))
TOKEN = os.environ.get("METRICS_TOKEN", "")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

registry = CollectorRegistry()
ProcessCollector(registry=registry)
REQUESTS = Counter(
    "http_requests", "Requests served.", ["method", "route", "status"], registry=registry
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Request duration.",
    ["method", "route", "status"],
    registry=registry,
    buckets=Histogram.DEFAULT_BUCKETS if "wrong-buckets" in BREAKS else BUCKETS,
)
IN_PROGRESS = Gauge(
    "http_requests_in_progress", "Requests being served.", ["method", "route"], registry=registry
)
POOL = Gauge("db_pool_connections", "Pool connections.", ["state"], registry=registry)
POOL.labels(state="in_use").set(0)
POOL.labels(state="idle").set(2)
READY = (
    None
    if "no-readiness" in BREAKS
    else Gauge("readiness_check_up", "Readiness checks.", ["check"], registry=registry)
)

resource = Resource.create(
    {
        "service.name": os.environ.get("OTEL_SERVICE_NAME", "fake"),
        "service.version": os.environ.get("APP_VERSION") or "0.1.0",
        "deployment.environment": os.environ.get("ENVIRONMENT", "local"),
    }
)
provider = TracerProvider(resource=resource)
if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") and "no-export" not in BREAKS:
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
tracer = provider.get_tracer("fake_observable_app")

ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/healthz$"), "/healthz"),
    (re.compile(r"^/readyz$"), "/readyz"),
    (re.compile(r"^/items$"), "/items"),
    (re.compile(r"^/items/[^/]+$"), "/items/{item_id}"),
)


def _route(path: str) -> str | None:
    return next((template for pattern, template in ROUTES if pattern.match(path)), None)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI entry point: /metrics, /healthz, /readyz, /items[/{item_id}]."""
    if scope["type"] != "http":
        return
    path, method = str(scope["path"]), str(scope["method"])
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    if path == "/metrics":
        await _metrics(headers, send)
        return
    template = _route(path)
    route = path if "raw-path" in BREAKS else (template or "<unmatched>")
    carrier = {"traceparent": headers.get("traceparent", "")}
    token = context.attach(propagate.extract(carrier))
    started = time.perf_counter()
    IN_PROGRESS.labels(method=method, route=route).inc()
    try:
        name = f"{method} {template or path}"
        with tracer.start_as_current_span(name, kind=trace.SpanKind.SERVER):
            status, body = _answer(path, method, template)
            _log(headers.get("x-request-id"), f"{method} {path} {status}")
    finally:
        IN_PROGRESS.labels(method=method, route=route).dec()
        context.detach(token)
    status_class = f"{status // 100}xx"
    DURATION.labels(method=method, route=route, status=status_class).observe(
        time.perf_counter() - started
    )
    REQUESTS.labels(method=method, route=route, status=status_class).inc()
    await _send_json(send, status, body)


def _answer(path: str, method: str, template: str | None) -> tuple[int, object]:
    if template == "/healthz":
        return 200, {"status": "ok"}
    if template == "/readyz":
        if READY is not None:
            READY.labels(check="database").set(1)
        return 200, {"status": "ready"}
    if template == "/items" and method == "GET":
        if "no-db-span" in BREAKS:
            return 200, {"items": [], "total": 0}
        with tracer.start_as_current_span("SELECT items", kind=trace.SpanKind.CLIENT) as span:
            span.set_attribute("db.system.name", "sqlite")
            span.set_attribute("db.query.text", "SELECT * FROM items")
        return 200, {"items": [], "total": 0}
    if template == "/items" and method == "POST":
        return 201, {"id": 1}
    if template == "/items/{item_id}":
        return 404, {"detail": "Not Found"}
    return 404, {"detail": f"{path} not found"}


async def _metrics(headers: dict[str, str], send: Send) -> None:
    if "open-metrics" not in BREAKS and headers.get("authorization") != f"Bearer {TOKEN}":
        await _send_json(send, 401, {"detail": "Not authenticated"})
        return
    payload = generate_latest(registry)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _log(request_id: str | None, message: str) -> None:
    span = trace.get_current_span().get_span_context()
    traced = span.is_valid and "no-trace-log" not in BREAKS
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "INFO",
        "logger": "fake.access",
        "message": message,
        "request_id": request_id,
        "trace_id": f"{span.trace_id:032x}" if traced else None,
        "span_id": f"{span.span_id:016x}" if traced else None,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def _send_json(send: Send, status: int, body: object) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
