"""Smoke steps for observability=metrics|full, checked against the contract both frameworks
follow (docs/observability.md): names, labels, the token on /metrics, spans and log lines.

- `metrics`: /metrics refuses a request without the bearer token (and nginx answers 404 for
  it), parses with prometheus_client's parser, holds every metric family of the contract,
  and counts requests this step makes by route template (never the raw path).
- `prometheus`: a real Prometheus (the `prometheus` binary, throwaway, on loopback, in a
  temporary folder) runs the project's scrape job for the app and its alert rules; a query
  for `http_requests_total` returns the smoke's requests, and every rule evaluates.
- `traces and logs` (full): one request to the item list, sent with a trace id of our own,
  reaches an OTLP/HTTP sink on loopback as a server span and a database span of that trace,
  and the service's JSON log line for that request carries the same trace id.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import yaml
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from prometheus_client.parser import text_string_to_metric_families

from stackcraft.errors import CheckFailedError
from stackcraft.smoke import proxy, services
from stackcraft.smoke.http import Answer, StepError, expect, request

__all__ = [
    "LATENCY_BUCKETS",
    "OtlpSink",
    "Telemetry",
    "check_metrics",
    "check_prometheus",
    "check_trace",
    "pending_reason",
    "prepared",
    "steps",
    "throwaway_config",
]

# The contract's histogram buckets for http_request_duration_seconds, in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
PROMETHEUS_INSTALL = (
    "install the prometheus binary (Debian/Ubuntu, without the daemon: apt-get download "
    "prometheus && dpkg-deb -x prometheus_*.deb /tmp/p && install /tmp/p/usr/bin/prometheus "
    "/usr/local/bin/)"
)
SPANS_SECONDS = 15.0
SCRAPE_SECONDS = 20.0
STARTUP_SECONDS = 30.0
_STATUS_CLASS = re.compile(r"^[1-5]xx$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


# ---------------------------------------------------------------- the run's set-up


@dataclass(frozen=True)
class Telemetry:
    """What a smoke run sets and checks when the project's observability is on."""

    tracing: bool
    token: str
    sink: OtlpSink | None

    def server_env(self) -> dict[str, str]:
        """The variables the booted service needs: the token, and where spans go."""
        env = {"METRICS_TOKEN": self.token, "METRICS_ENABLED": "true"}
        if self.sink is not None:
            env |= {
                "OTEL_EXPORTER_OTLP_ENDPOINT": self.sink.url,
                # Spans leave every 200 ms instead of every 5 s: the step waits for them.
                "OTEL_BSP_SCHEDULE_DELAY": "200",
                "LOG_FORMAT": "json",
            }
        return env


@contextlib.contextmanager
def prepared(observability: str) -> Generator[Telemetry | None]:
    """Yield what the run needs for `observability` (None when it is `none`); with `full`,
    an OTLP/HTTP sink listens on loopback until the block ends."""
    if observability not in {"metrics", "full"}:
        yield None
        return
    token = secrets.token_urlsafe(32)
    if observability == "metrics":
        yield Telemetry(tracing=False, token=token, sink=None)
        return
    with OtlpSink() as sink:
        yield Telemetry(tracing=True, token=token, sink=sink)


def pending_reason(project: Path, *, tracing: bool) -> str:
    """Why the steps cannot check this project yet, or "" when they can.

    The contract's code lives in the generated service (issue 11, its framework half). A
    project whose environment holds no Prometheus client (or, for full, no OpenTelemetry SDK),
    directly or through another package, has no /metrics or spans to check, and the steps
    say so instead of failing on them. Read after the install step, from the project's .venv.
    """
    installed = [
        folder
        for site in sorted(project.glob(".venv/lib/python*/site-packages"))
        for folder in (site / "prometheus_client", site / "opentelemetry" / "sdk")
        if folder.is_dir()
    ]
    names = {folder.name for folder in installed}
    if "prometheus_client" not in names:
        return "the project's code serves no metrics yet (no prometheus_client installed)"
    if tracing and "sdk" not in names:
        return "the project's code exports no traces yet (no opentelemetry-sdk installed)"
    return ""


def steps(
    telemetry: Telemetry,
    *,
    project: Path,
    base: str,
    app_port: int,
    headers: Mapping[str, str],
    log: Path,
    slug: str,
    environment: str,
    database: bool,
) -> list[tuple[str, Callable[[], str]]]:
    """The observability steps for one smoke run, in order: (name, action) each."""
    seen: dict[str, float] = {}

    def metrics() -> str:
        with contextlib.ExitStack() as stack:
            edge = None
            if (project / "deploy" / "nginx" / "conf.d" / "default.conf").is_file():
                edge = stack.enter_context(proxy.served_by_nginx(project, app_port=app_port))
            detail, counts = check_metrics(
                base, telemetry.token, edge=edge, database=database, headers=headers
            )
        seen.update(counts)
        return detail

    def scrape() -> str:
        config = project / "deploy" / "observability" / "prometheus" / "prometheus.yml"
        return check_prometheus(config, app_port=app_port, token=telemetry.token, expected=seen)

    chosen: list[tuple[str, Callable[[], str]]] = [("metrics", metrics), ("prometheus", scrape)]
    if telemetry.sink is not None:
        sink = telemetry.sink

        def traces() -> str:
            return check_trace(
                base, sink, log=log, headers=headers, service=slug, environment=environment
            )

        chosen.append(("traces and logs", traces))
    return chosen


# ---------------------------------------------------------------- /metrics


@dataclass(frozen=True)
class _Sample:
    name: str
    labels: dict[str, str]
    value: float


def scrape_metrics(base: str, token: str) -> tuple[dict[str, str], list[_Sample]]:
    """Return the metric families' types by name and every sample of `base`/metrics.

    Raises:
        StepError: when /metrics does not answer 200 to the token or does not parse.
    """
    answer = expect(f"{base}/metrics", 200, headers={"Authorization": f"Bearer {token}"})
    text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as error:
        raise StepError(f"/metrics does not parse as Prometheus text: {error}") from error
    types = {family.name: family.type for family in families}
    samples = [
        _Sample(name=s.name, labels=dict(s.labels), value=float(s.value))
        for family in families
        for s in family.samples
    ]
    return types, samples


def check_metrics(
    base: str,
    token: str,
    *,
    edge: str | None = None,
    database: bool = False,
    headers: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, float]]:
    """Check /metrics against the contract; return a summary and the request counts by
    `METHOD route status` after this step's own requests.

    Raises:
        StepError: naming the first thing the contract wants that /metrics lacks.
    """
    _refused_without_token(base, edge)
    _, before = scrape_metrics(base, token)
    raw_id = str(900_000_000 + secrets.randbelow(99_999_999))
    unmatched = f"/smoke-no-such-path-{secrets.token_hex(4)}"
    for _ in range(3):
        expect(f"{base}/healthz", 200)
    _answered(f"{base}{unmatched}", 404)
    request(f"{base}/items/{raw_id}", headers=dict(headers or {}))
    types, after = scrape_metrics(base, token)

    _expect_families(types, after, database=database)
    counts = _counts(after, "http_requests_total")
    delta = _delta(_counts(before, "http_requests_total"), counts)
    raw = sorted({key for key in counts if raw_id in key or unmatched in key})
    if raw:
        raise StepError(f"route labels hold raw paths, not route templates: {raw[0]}")
    healthz = delta.get("GET /healthz 2xx", 0)
    if healthz != 3:
        raise StepError(
            f'http_requests_total{{method="GET", route="/healthz", status="2xx"}} grew '
            f"by {healthz:g} over 3 requests to /healthz"
        )
    if delta.get("GET <unmatched> 4xx", 0) < 1:
        raise StepError(
            f'a 404 for {unmatched} was not counted as route="<unmatched>", status="4xx" '
            f"(counts that grew: {_shown(delta)})"
        )
    durations = _delta(
        _counts(before, "http_request_duration_seconds_count"),
        _counts(after, "http_request_duration_seconds_count"),
    )
    if durations.get("GET /healthz 2xx", 0) != 3:
        raise StepError(
            "http_request_duration_seconds_count for GET /healthz 2xx grew by "
            f"{durations.get('GET /healthz 2xx', 0):g} over 3 requests"
        )
    _expect_buckets(after)
    earlier = [route for route in ("/readyz", "/items") if _route_count(counts, route) == 0]
    if earlier:
        raise StepError(f"the smoke's earlier requests to {earlier[0]} are not counted by route")
    routes = sorted({key.split(" ")[1] for key in counts})
    summary = f"{len(types)} families; /healthz +3, <unmatched> +1; routes: {', '.join(routes)}" + (
        "; 401 without the token, 404 through nginx" if edge else "; 401 without the token"
    )
    return summary, counts


def _refused_without_token(base: str, edge: str | None) -> None:
    bare = _answered(f"{base}/metrics", 401)
    if not isinstance(bare.body, dict):
        raise StepError("/metrics without the token answered 401 but not with a JSON body")
    _answered(f"{base}/metrics", 401, headers={"Authorization": "Bearer not-the-token"})
    if edge is not None:
        _answered(f"{edge}/metrics", 404)


def _answered(url: str, status: int, headers: dict[str, str] | None = None) -> Answer:
    try:
        answer = request(url, headers=headers)
    except OSError as error:
        raise StepError(f"GET {url}: nothing answered: {error}") from error
    if answer.status != status:
        raise StepError(f"GET {url} answered {answer.status}, expected {status}")
    return answer


_REQUIRED: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("http_requests", "counter", frozenset({"method", "route", "status"})),
    ("http_request_duration_seconds", "histogram", frozenset({"method", "route", "status"})),
    ("http_requests_in_progress", "gauge", frozenset({"method", "route"})),
    ("readiness_check_up", "gauge", frozenset({"check"})),
)


def _expect_families(types: Mapping[str, str], samples: list[_Sample], *, database: bool) -> None:
    for family, kind, labels in _REQUIRED:
        if family not in types:
            raise StepError(f"/metrics has no {family} ({kind}) family")
        if types[family] != kind:
            raise StepError(f"{family} is a {types[family]}, not a {kind}")
        names = {f"{family}_total"} if kind == "counter" else {family, f"{family}_count"}
        found = [s for s in samples if s.name in names]
        missing = sorted(labels - set(found[0].labels)) if found else sorted(labels)
        if missing:
            raise StepError(f"{family} lacks the label(s) {', '.join(missing)}")
    statuses = {s.labels.get("status", "") for s in samples if s.name == "http_requests_total"}
    bad = sorted(status for status in statuses if not _STATUS_CLASS.match(status))
    if bad:
        raise StepError(f"http_requests_total's status label is '{bad[0]}', not a class like 2xx")
    database_up = sorted(
        {
            s.value
            for s in samples
            if s.name == "readiness_check_up" and s.labels.get("check") == "database"
        }
    )
    if database_up != [1.0]:
        shown = ", ".join(f"{value:g}" for value in database_up) or "absent"
        raise StepError(
            f'readiness_check_up{{check="database"}} is {shown} after /readyz answered 200 (want 1)'
        )
    if database:
        states = {s.labels.get("state") for s in samples if s.name == "db_pool_connections"}
        if not {"in_use", "idle"} <= states:
            raise StepError('/metrics has no db_pool_connections{state="in_use"|"idle"}')
    if not any(name.startswith("process_") for name in types):
        raise StepError("/metrics has no process_* metrics (memory, CPU)")


def _expect_buckets(samples: list[_Sample]) -> None:
    bounds = {
        float(s.labels["le"])
        for s in samples
        if s.name == "http_request_duration_seconds_bucket" and s.labels.get("le") != "+Inf"
    }
    wanted = {float(bound) for bound in LATENCY_BUCKETS}
    if bounds != wanted:
        shown = ", ".join(f"{b:g}" for b in sorted(bounds))
        raise StepError(f"http_request_duration_seconds has buckets {shown}, not the contract's")


def _counts(samples: Iterable[_Sample], name: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for s in samples:
        if s.name != name:
            continue
        key = f"{s.labels.get('method')} {s.labels.get('route')} {s.labels.get('status')}"
        counts[key] = counts.get(key, 0.0) + s.value
    return counts


def _delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {
        key: value - before.get(key, 0.0)
        for key, value in after.items()
        if value - before.get(key, 0.0)
    }


def _route_count(counts: Mapping[str, float], route: str) -> float:
    return sum(value for key, value in counts.items() if key.split(" ")[1] == route)


def _shown(counts: Mapping[str, float]) -> str:
    return ", ".join(f"{key} +{value:g}" for key, value in sorted(counts.items())) or "none"


# ---------------------------------------------------------------- a real Prometheus


def prometheus_binary() -> str:
    """Return the prometheus binary's path.

    Raises:
        StepError: when it is not installed (saying how to install it).
    """
    found = shutil.which("prometheus")
    if found is None:
        raise StepError(f"prometheus is not installed: {PROMETHEUS_INSTALL}")
    return found


def check_prometheus(
    config: Path,
    *,
    app_port: int,
    token: str,
    expected: Mapping[str, float],
    seconds: float = SCRAPE_SECONDS,
) -> str:
    """Run a throwaway Prometheus with the project's `app` scrape job pointed at loopback
    `app_port` and its alert rules; return a summary once a query finds the requests.

    `expected` are request counts (`METHOD route status` to count) /metrics showed; the
    query must return at least as many for each within `seconds`.

    Raises:
        StepError: when Prometheus does not start, cannot scrape, finds fewer requests, or a
            rule fails to evaluate.
    """
    binary = prometheus_binary()
    if not config.is_file():
        raise StepError(f"'{config}' not found: the project ships no Prometheus config")
    with tempfile.TemporaryDirectory(prefix="stackcraft-prometheus-") as scratch:
        folder = Path(scratch)
        (folder / "token").write_text(token)
        (folder / "prometheus.yml").write_text(
            yaml.safe_dump(throwaway_config(config, app_port=app_port, token=folder / "token"))
        )
        port = services.free_port()
        with (folder / "prometheus.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - the real binary, our own arguments
                [
                    binary,
                    f"--config.file={folder / 'prometheus.yml'}",
                    f"--storage.tsdb.path={folder / 'data'}",
                    f"--web.listen-address={services.LOOPBACK}:{port}",
                ],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                api = f"http://{services.LOOPBACK}:{port}"
                _wait_ready(api, process, folder / "prometheus.log")
                return _query_until_counted(api, expected, folder / "prometheus.log", seconds)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def throwaway_config(config: Path, *, app_port: int, token: Path) -> dict[str, Any]:
    """The project's config, kept to its `app` job and rules, scraping loopback every second."""
    try:
        loaded = cast("dict[str, Any]", yaml.safe_load(config.read_text()) or {})
    except yaml.YAMLError as error:
        raise StepError(f"{config.name} does not parse: {error}") from error
    jobs = cast("list[dict[str, Any]]", loaded.get("scrape_configs") or [])
    app = next((job for job in jobs if job.get("job_name") == "app"), None)
    if app is None:
        raise StepError(f"{config.name} has no scrape job named 'app'")
    job: dict[str, Any] = {
        key: value
        for key, value in app.items()
        if key not in {"static_configs", "dns_sd_configs", "file_sd_configs"}
    }
    authorization = cast("dict[str, Any] | None", job.get("authorization"))
    if authorization is None or "credentials_file" not in authorization:
        raise StepError(
            f"{config.name}'s app job sends no bearer token (authorization.credentials_file)"
        )
    job["authorization"] = {**authorization, "credentials_file": str(token)}
    job["static_configs"] = [{"targets": [f"{services.LOOPBACK}:{app_port}"]}]
    job["scrape_interval"] = "1s"
    rules = [
        str(path)
        for pattern in cast("list[str]", loaded.get("rule_files") or [])
        for path in sorted(config.parent.glob(pattern))
    ]
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": rules,
        "scrape_configs": [job],
    }


def _wait_ready(api: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = log.read_text(errors="replace").strip().splitlines() or ["(no output)"]
            raise StepError(f"prometheus exited {process.returncode}: {lines[-1][:300]}")
        with contextlib.suppress(OSError):
            if request(f"{api}/-/ready").status == 200:
                return
        time.sleep(0.2)
    raise StepError(f"prometheus was not ready within {STARTUP_SECONDS:g}s")


def _query_until_counted(api: str, expected: Mapping[str, float], log: Path, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    found: dict[str, float] = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, StepError):
            found = _instant(api, 'sum by (method, route, status) (http_requests_total{job="app"})')
        short = {key: n for key, n in expected.items() if found.get(key, 0.0) < n}
        if found and not short:
            return _with_rules(api, found)
        # A refused scrape (a wrong token, say) will not right itself: say so at once.
        if refused := _scrape_error(api):
            raise StepError(f"Prometheus could not scrape the app: {refused}")
        time.sleep(0.5)
    if not found:
        tail = [ln for ln in log.read_text(errors="replace").splitlines() if "level=error" in ln]
        raise StepError(
            "a query for http_requests_total returned nothing within "
            f"{seconds:g}s" + (f": {tail[-1][:200]}" if tail else "")
        )
    key, wanted = next((k, n) for k, n in expected.items() if found.get(k, 0.0) < n)
    raise StepError(
        f"Prometheus counted {found.get(key, 0.0):g} {key} requests; /metrics showed {wanted:g}"
    )


def _api(api: str, path: str, **params: str) -> dict[str, Any]:
    query = urllib.parse.urlencode(params)
    answer = expect(f"{api}{path}" + (f"?{query}" if query else ""), 200)
    body = cast("dict[str, Any]", answer.body)
    return cast("dict[str, Any]", body.get("data") or {})


def _instant(api: str, promql: str) -> dict[str, float]:
    data = _api(api, "/api/v1/query", query=promql)
    result = cast("list[dict[str, Any]]", data.get("result") or [])
    found: dict[str, float] = {}
    for series in result:
        labels = cast("dict[str, str]", series.get("metric") or {})
        key = f"{labels.get('method')} {labels.get('route')} {labels.get('status')}"
        found[key] = float(cast("list[Any]", series["value"])[1])
    return found


def _scrape_error(api: str) -> str:
    with contextlib.suppress(OSError, StepError, KeyError):
        targets = cast("list[dict[str, Any]]", _api(api, "/api/v1/targets")["activeTargets"])
        for target in targets:
            if target.get("health") != "up" and target.get("lastError"):
                return str(target["lastError"])
    return ""


def _with_rules(api: str, found: Mapping[str, float]) -> str:
    # Each rule is evaluated once a second; give every group one evaluation.
    time.sleep(1.5)
    groups = cast("list[dict[str, Any]]", _api(api, "/api/v1/rules").get("groups") or [])
    rules = [rule for group in groups for rule in cast("list[dict[str, Any]]", group["rules"])]
    broken = [rule for rule in rules if rule.get("health") == "err"]
    if broken:
        rule = broken[0]
        raise StepError(f"alert rule {rule.get('name')} does not evaluate: {rule.get('lastError')}")
    total = sum(found.values())
    routes = sorted({key.split(" ")[1] for key in found})
    return (
        f"http_requests_total: {total:g} requests over {len(routes)} routes "
        f"({', '.join(routes)}); {len(rules)} alert rules evaluate"
    )


# ---------------------------------------------------------------- traces and logs


@dataclass(frozen=True)
class SpanRecord:
    """One span the sink received, with its resource's attributes."""

    trace_id: str
    span_id: str
    name: str
    kind: str
    attributes: dict[str, object]
    resource: dict[str, object]


@dataclass
class OtlpSink:
    """An OTLP/HTTP traces receiver on loopback (protobuf, as OpenTelemetry's exporters send
    it), keeping every span it receives. Use it as a context manager."""

    spans: list[SpanRecord] = field(default_factory=list[SpanRecord])
    requests: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The base URL exporters are given (OTEL_EXPORTER_OTLP_ENDPOINT)."""
        if self._server is None:
            raise CheckFailedError("the OTLP sink is not running")
        return f"http://{services.LOOPBACK}:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status = sink.receive(
                    self.path,
                    self.headers.get("Content-Type", ""),
                    self.headers.get("Content-Encoding", ""),
                    self.rfile.read(int(self.headers.get("Content-Length") or 0)),
                )
                body = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the smoke report says what matters."""

        self._server = ThreadingHTTPServer((services.LOOPBACK, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def receive(self, path: str, content_type: str, encoding: str, payload: bytes) -> int:
        """Keep the spans of one export request; return the HTTP status to answer."""
        if path.rstrip("/") != "/v1/traces":
            return 404
        if "protobuf" not in content_type:
            return 415
        if encoding == "gzip":
            payload = gzip.decompress(payload)
        message = trace_service_pb2.ExportTraceServiceRequest()
        try:
            message.ParseFromString(payload)
        except DecodeError:
            return 400
        received = [
            SpanRecord(
                trace_id=span.trace_id.hex(),
                span_id=span.span_id.hex(),
                name=span.name,
                kind=trace_pb2.Span.SpanKind.Name(span.kind),
                attributes=_attributes(span.attributes),
                resource=_attributes(resource_spans.resource.attributes),
            )
            for resource_spans in message.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        with self._lock:
            self.spans.extend(received)
            self.requests += 1
        return 200

    def of_trace(self, trace_id: str) -> list[SpanRecord]:
        """The spans received so far for `trace_id`."""
        with self._lock:
            return [span for span in self.spans if span.trace_id == trace_id]


def _attributes(pairs: Iterable[common_pb2.KeyValue]) -> dict[str, object]:
    values: dict[str, object] = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        values[pair.key] = getattr(pair.value, kind) if kind else None
    return values


def check_trace(
    base: str,
    sink: OtlpSink,
    *,
    log: Path,
    headers: Mapping[str, str] | None = None,
    service: str,
    environment: str,
    seconds: float = SPANS_SECONDS,
) -> str:
    """Send GET /items with a trace id of our own; check its spans and its log line (spans
    are awaited up to `seconds`).

    Raises:
        StepError: naming the span, attribute or log field the contract wants and is missing.
    """
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    request_id = f"smoke-trace-{secrets.token_hex(6)}"
    sent = {
        **(headers or {}),
        "traceparent": f"00-{trace_id}-{parent}-01",
        "X-Request-ID": request_id,
    }
    expect(f"{base}/items", 200, headers=sent)
    spans = _wait_for_spans(sink, trace_id, seconds)
    server = next((s for s in spans if s.kind == "SPAN_KIND_SERVER"), None)
    if server is None:
        raise StepError(f"no server span of trace {trace_id} (got: {_names(spans)})")
    db = next((s for s in spans if _is_database_span(s)), None)
    if db is None:
        raise StepError(
            f"no database span (db.system) in trace {trace_id}, a cache's aside "
            f"(got: {_names(spans)})"
        )
    _expect_resource(server, service=service, environment=environment)
    logged = _log_line(log, request_id=request_id, trace_id=trace_id)
    return (
        f"trace {trace_id[:8]}...: server span '{server.name}', database span '{db.name}' "
        f"({len(spans)} spans); log line '{logged}' carries the trace id"
    )


# db.system values of caches and brokers: their spans carry db.system too, but are not the
# relational database's.
_NOT_DATABASES = frozenset({"redis", "memcached"})


def _is_database_span(span: SpanRecord) -> bool:
    system = span.attributes.get("db.system.name", span.attributes.get("db.system"))
    return system is not None and str(system) not in _NOT_DATABASES


def _wait_for_spans(sink: OtlpSink, trace_id: str, seconds: float) -> list[SpanRecord]:
    deadline = time.monotonic() + seconds
    spans: list[SpanRecord] = []
    while time.monotonic() < deadline:
        spans = sink.of_trace(trace_id)
        kinds = {s.kind for s in spans}
        has_db = any(_is_database_span(s) for s in spans)
        if "SPAN_KIND_SERVER" in kinds and has_db:
            return spans
        if "SPAN_KIND_SERVER" in kinds:
            # The server span ends last: its children were exported with it or before.
            deadline = min(deadline, time.monotonic() + 2)
        time.sleep(0.2)
    if not spans:
        raise StepError(
            f"no span of trace {trace_id} reached the OTLP sink within {seconds:g}s "
            f"({sink.requests} export requests received): is OTEL_EXPORTER_OTLP_ENDPOINT "
            "used, and traceparent honoured?"
        )
    return spans


def _names(spans: list[SpanRecord]) -> str:
    return ", ".join(f"{s.name} ({s.kind.removeprefix('SPAN_KIND_').lower()})" for s in spans)


def _expect_resource(span: SpanRecord, *, service: str, environment: str) -> None:
    resource = span.resource
    if resource.get("service.name") != service:
        raise StepError(
            f"spans' service.name is {resource.get('service.name')!r}, want {service!r}"
        )
    if resource.get("deployment.environment") != environment:
        raise StepError(
            f"spans' deployment.environment is {resource.get('deployment.environment')!r}, "
            f"want {environment!r}"
        )
    if not resource.get("service.version"):
        raise StepError("spans carry no service.version resource attribute")


def _log_line(log: Path, *, request_id: str, trace_id: str) -> str:
    """Return the logger of the request's JSON log line that carries `trace_id`."""
    deadline = time.monotonic() + 5
    ours: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        ours = [line for line in _json_lines(log) if line.get("request_id") == request_id]
        carrying = [line for line in ours if line.get("trace_id") == trace_id]
        if carrying:
            span_id = str(carrying[0].get("span_id"))
            if not _HEX16.match(span_id):
                raise StepError(f"the log line's span_id {span_id!r} is not 16 lowercase hex")
            return str(carrying[0].get("logger"))
        time.sleep(0.2)
    if not ours:
        raise StepError(f"no JSON log line has request_id {request_id!r} (the request's)")
    shown = ours[0].get("trace_id")
    if shown is not None and not _HEX32.match(str(shown)):
        raise StepError(f"the log line's trace_id {shown!r} is not 32 lowercase hex")
    raise StepError(f"the request's log line has trace_id {shown!r}, not the trace's {trace_id}")


def _json_lines(log: Path) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for raw in log.read_text(errors="replace").splitlines():
        start = raw.find("{")
        if start < 0:
            continue
        with contextlib.suppress(json.JSONDecodeError):
            loaded: object = json.loads(raw[start:])
            if isinstance(loaded, dict):
                lines.append(cast("dict[str, Any]", loaded))
    return lines
