"""The observability smoke module's parts that need no running service: the OTLP sink's
decoding, the throwaway Prometheus config, and when the steps can check a project."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from stackcraft.smoke import observability
from stackcraft.smoke.http import StepError
from stackcraft.smoke.observability import OtlpSink, Telemetry, pending_reason, prepared

TRACE = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")


PROTOBUF = "application/x-protobuf"


def _text(key: str, value: str) -> common_pb2.KeyValue:
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))


def _export(*names: str) -> bytes:
    """An OTLP export of one trace: a server span, then client spans with a database system."""
    spans = [
        trace_pb2.Span(
            trace_id=TRACE,
            span_id=bytes([index + 1] * 8),
            name=name,
            kind=trace_pb2.Span.SPAN_KIND_CLIENT if index else trace_pb2.Span.SPAN_KIND_SERVER,
            attributes=[_text("db.system.name", "sqlite")] if index else [],
        )
        for index, name in enumerate(names)
    ]
    resource = resource_pb2.Resource(attributes=[_text("service.name", "svc")])
    scope = trace_pb2.ScopeSpans(spans=spans)
    resource_spans = trace_pb2.ResourceSpans(resource=resource, scope_spans=[scope])
    return trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[resource_spans]
    ).SerializeToString()


def test_sink_keeps_the_spans_of_a_protobuf_export_with_their_resource() -> None:
    sink = OtlpSink()

    status = sink.receive(
        "/v1/traces", "application/x-protobuf", "", _export("GET /items", "SELECT")
    )

    assert status == 200
    server, query = sink.of_trace(TRACE.hex())
    assert (server.name, server.kind) == ("GET /items", "SPAN_KIND_SERVER")
    assert query.attributes == {"db.system.name": "sqlite"}
    assert server.resource == {"service.name": "svc"}


def test_sink_reads_gzip_and_refuses_what_is_no_trace_export() -> None:
    sink = OtlpSink()

    assert (
        sink.receive("/v1/traces", "application/x-protobuf", "gzip", gzip.compress(_export("a")))
        == 200
    )
    assert sink.receive("/v1/metrics", "application/x-protobuf", "", _export("b")) == 404
    assert sink.receive("/v1/traces", "application/json", "", b"{}") == 415
    assert sink.receive("/v1/traces", "application/x-protobuf", "", b"\xff\xff\xff") == 400
    assert [span.name for span in sink.spans] == ["a"]


def test_sink_answers_exporters_over_http_on_loopback() -> None:
    with OtlpSink() as sink:
        sent = urllib.request.Request(  # noqa: S310 - the sink's own loopback URL
            f"{sink.url}/v1/traces",
            data=_export("GET /healthz"),
            headers={"Content-Type": PROTOBUF},
        )
        with urllib.request.urlopen(sent, timeout=5) as answer:  # noqa: S310
            assert answer.status == 200
        wrong = urllib.request.Request(f"{sink.url}/v1/logs", data=b"", method="POST")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(wrong, timeout=5)  # noqa: S310
    assert refused.value.code == 404
    assert sink.requests == 1


def test_prepared_yields_nothing_without_observability_and_a_sink_for_full() -> None:
    with prepared("none") as none:
        assert none is None
    with prepared("metrics") as metrics:
        assert isinstance(metrics, Telemetry)
        assert metrics.sink is None
        assert set(metrics.server_env()) == {"METRICS_TOKEN", "METRICS_ENABLED"}
    with prepared("full") as full:
        assert full is not None
        assert full.sink is not None
        env = full.server_env()
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == full.sink.url
        assert env["LOG_FORMAT"] == "json"


def _environment(root: Path, *packages: str) -> Path:
    """A project whose .venv holds `packages` (import paths, `opentelemetry/sdk` style)."""
    site = root / ".venv" / "lib" / "python3.13" / "site-packages"
    for package in packages:
        (site / package).mkdir(parents=True)
    return root


def test_steps_wait_for_a_project_that_has_no_metrics_code(tmp_path: Path) -> None:
    bare = _environment(tmp_path, "fastapi")
    assert "no prometheus_client installed" in pending_reason(bare, tracing=False)


def test_steps_run_on_a_project_with_the_contract_libraries(tmp_path: Path) -> None:
    metrics = _environment(tmp_path / "metrics", "prometheus_client")
    assert pending_reason(metrics, tracing=False) == ""
    assert "no opentelemetry-sdk installed" in pending_reason(metrics, tracing=True)
    full = _environment(tmp_path / "full", "prometheus_client", "opentelemetry/sdk")
    assert pending_reason(full, tracing=True) == ""


def _config(root: Path, text: str) -> Path:
    folder = root / "prometheus"
    (folder / "rules").mkdir(parents=True)
    (folder / "rules" / "a.yml").write_text("groups: []\n")
    config = folder / "prometheus.yml"
    config.write_text(text)
    return config


def testthrowaway_config_keeps_the_app_job_and_rules_and_points_at_loopback(
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path,
        "rule_files: [rules/*.yml]\n"
        "scrape_configs:\n"
        "  - job_name: app\n"
        "    metrics_path: /metrics\n"
        "    authorization: {type: Bearer, credentials_file: /run/x}\n"
        "    dns_sd_configs: [{names: [app], type: A, port: 8000}]\n"
        "  - job_name: redis\n"
        "    static_configs: [{targets: ['redis-exporter:9121']}]\n",
    )

    built = observability.throwaway_config(config, app_port=8123, token=tmp_path / "token")

    [job] = built["scrape_configs"]
    assert job["job_name"] == "app"
    assert job["authorization"] == {"type": "Bearer", "credentials_file": str(tmp_path / "token")}
    assert job["static_configs"] == [{"targets": ["127.0.0.1:8123"]}]
    assert "dns_sd_configs" not in job
    assert built["rule_files"] == [str(config.parent / "rules" / "a.yml")]
    yaml.safe_dump(built)


def testthrowaway_config_refuses_an_app_job_without_the_token(tmp_path: Path) -> None:
    config = _config(
        tmp_path, "scrape_configs:\n  - job_name: app\n    static_configs: [{targets: [a:1]}]\n"
    )

    with pytest.raises(StepError, match="sends no bearer token"):
        observability.throwaway_config(config, app_port=1, token=tmp_path / "t")
