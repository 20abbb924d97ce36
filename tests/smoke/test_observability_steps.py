"""The smoke's observability steps against a fake service that follows the contract, and
against copies of it that each break the contract one way: every step passes on the first
and fails on each break, naming what is missing.

The fake (tests/smoke/fake_observable_app.py) runs under uvicorn; the `prometheus` step runs
the real Prometheus binary on a rendered project's prometheus.yml and alert rules.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stackcraft.smoke import proxy, services
from stackcraft.smoke.http import StepError, expect
from stackcraft.smoke.observability import (
    OtlpSink,
    check_metrics,
    check_prometheus,
    check_trace,
)
from tests.conftest import REPO_ROOT, generated_project


@dataclass(frozen=True)
class Fake:
    """A running fake service: its base URL, port, token and log file."""

    base: str
    port: int
    token: str
    log: Path


@contextlib.contextmanager
def fake_service(
    tmp_path: Path, *, breaks: str = "", extra: dict[str, str] | None = None
) -> Generator[Fake]:
    """Run the fake under uvicorn on a free loopback port until the block ends."""
    port = services.free_port()
    token = secrets.token_urlsafe(16)
    log = tmp_path / f"fake-{port}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "METRICS_TOKEN": token,
        "FAKE_BREAKS": breaks,
        **(extra or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.smoke.fake_observable_app:app",
        "--host",
        services.LOOPBACK,
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while not services.listening(port):
            assert child.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the fake service did not start"
            time.sleep(0.1)
        base = f"http://{services.LOOPBACK}:{port}"
        # What the smoke run did before its observability steps.
        expect(f"{base}/readyz", 200)
        expect(f"{base}/items", 201, body={"title": "smoke"})
        expect(f"{base}/items", 200)
        yield Fake(base=base, port=port, token=token, log=log)
    finally:
        child.terminate()
        child.wait(timeout=10)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered default project (observability=metrics): its prometheus.yml, rules, nginx."""
    return generated_project(tmp_path_factory.mktemp("observability"))


def test_metrics_step_passes_on_a_service_that_follows_the_contract(tmp_path: Path) -> None:
    with fake_service(tmp_path) as fake:
        summary, counts = check_metrics(fake.base, fake.token, database=True)

    assert "/healthz +3, <unmatched> +1" in summary
    assert "/items/{item_id}" in summary
    assert counts["GET /healthz 2xx"] >= 3
    assert counts["POST /items 2xx"] == 1


@pytest.mark.parametrize(
    ("breaks", "says"),
    [
        ("open-metrics", "answered 200, expected 401"),
        ("raw-path", "raw paths"),
        ("no-readiness", "no readiness_check_up"),
        ("wrong-buckets", "not the contract's"),
    ],
)
def test_metrics_step_names_what_a_broken_service_lacks(
    tmp_path: Path, breaks: str, says: str
) -> None:
    with fake_service(tmp_path, breaks=breaks) as fake, pytest.raises(StepError) as failure:
        check_metrics(fake.base, fake.token, database=True)

    assert says in str(failure.value)


def test_metrics_step_checks_nginx_hides_metrics(tmp_path: Path, project: Path) -> None:
    with (
        fake_service(tmp_path) as fake,
        proxy.served_by_nginx(project, app_port=fake.port) as edge,
    ):
        summary, _ = check_metrics(fake.base, fake.token, edge=edge)

    assert "404 through nginx" in summary


def test_metrics_step_fails_when_nginx_routes_metrics(tmp_path: Path, project: Path) -> None:
    exposed = tmp_path / "exposed"
    shutil.copytree(project / "deploy", exposed / "deploy")
    config = exposed / "deploy" / "nginx" / "conf.d" / "default.conf"
    config.write_text(config.read_text().replace("location = /metrics", "location = /hidden"))
    with (
        fake_service(tmp_path) as fake,
        proxy.served_by_nginx(exposed, app_port=fake.port) as edge,
        pytest.raises(StepError) as failure,
    ):
        check_metrics(fake.base, fake.token, edge=edge)

    assert f"{edge}/metrics answered 401, expected 404" in str(failure.value)


def test_prometheus_step_counts_the_smoke_requests_by_route(tmp_path: Path, project: Path) -> None:
    config = project / "deploy" / "observability" / "prometheus" / "prometheus.yml"
    with fake_service(tmp_path) as fake:
        _, counts = check_metrics(fake.base, fake.token)
        summary = check_prometheus(config, app_port=fake.port, token=fake.token, expected=counts)

    assert "/healthz" in summary
    assert "/items" in summary
    assert "4 alert rules evaluate" in summary


def test_prometheus_step_fails_when_the_scrape_is_refused(tmp_path: Path, project: Path) -> None:
    config = project / "deploy" / "observability" / "prometheus" / "prometheus.yml"
    wrong = secrets.token_urlsafe(16)
    with fake_service(tmp_path) as fake, pytest.raises(StepError) as failure:
        check_prometheus(config, app_port=fake.port, token=wrong, expected={"GET /healthz 2xx": 1})

    assert "could not scrape the app" in str(failure.value)
    assert "401" in str(failure.value)


def test_prometheus_step_fails_when_it_finds_fewer_requests(tmp_path: Path, project: Path) -> None:
    config = project / "deploy" / "observability" / "prometheus" / "prometheus.yml"
    with fake_service(tmp_path) as fake, pytest.raises(StepError) as failure:
        check_prometheus(
            config,
            app_port=fake.port,
            token=fake.token,
            expected={"GET /healthz 2xx": 10_000},
            seconds=10,
        )

    assert "/metrics showed 10000" in str(failure.value)


def _traced(sink: OtlpSink) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_SERVICE_NAME": "svc",
        "ENVIRONMENT": "production",
    }


def test_trace_step_passes_when_spans_and_log_line_share_the_trace_id(tmp_path: Path) -> None:
    with OtlpSink() as sink, fake_service(tmp_path, extra=_traced(sink)) as fake:
        summary = check_trace(
            fake.base, sink, log=fake.log, service="svc", environment="production"
        )

    assert "server span 'GET /items', database span 'SELECT items'" in summary
    assert "log line 'fake.access' carries the trace id" in summary


@pytest.mark.parametrize(
    ("breaks", "says"),
    [
        ("no-db-span", "no database span (db.system)"),
        ("no-trace-log", "the request's log line has trace_id None"),
        ("no-export", "reached the OTLP sink"),
    ],
)
def test_trace_step_names_what_a_broken_service_lacks(
    tmp_path: Path, breaks: str, says: str
) -> None:
    with (
        OtlpSink() as sink,
        fake_service(tmp_path, breaks=breaks, extra=_traced(sink)) as fake,
        pytest.raises(StepError) as failure,
    ):
        check_trace(
            fake.base, sink, log=fake.log, service="svc", environment="production", seconds=5
        )

    assert says in str(failure.value)


def test_trace_step_checks_the_resource_attributes(tmp_path: Path) -> None:
    with (
        OtlpSink() as sink,
        fake_service(tmp_path, extra=_traced(sink)) as fake,
        pytest.raises(StepError) as failure,
    ):
        check_trace(fake.base, sink, log=fake.log, service="another", environment="production")

    assert "service.name is 'svc', want 'another'" in str(failure.value)
