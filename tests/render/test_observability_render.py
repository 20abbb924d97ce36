"""What observability puts into shared files: the compose profile's services, nginx's
/metrics block, the generated secrets, and the dashboard's and Prometheus's per-service parts.

The file table of test_render_variants.py checks which files exist for each answer set;
these check what the files say, on the answer sets that differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from stackcraft.checks import render_problems
from tests.render.conftest import Render

VARIANTS: dict[str, dict[str, object]] = {
    "none": {"observability": "none"},
    "metrics-celery-rabbitmq": {
        "observability": "metrics",
        "task_queue": "celery",
        "broker": "rabbitmq",
        "cache": "none",
    },
    "full-django-sqlite": {"observability": "full", "framework": "django", "database": "sqlite"},
}


@pytest.fixture(params=list(VARIANTS), ids=list(VARIANTS))
def rendered(request: pytest.FixtureRequest, render: Render) -> tuple[str, Path]:
    name = cast("str", request.param)
    result = render(VARIANTS[name])
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    assert result.project_dir is not None
    assert render_problems(result.project_dir) == []
    return name, result.project_dir


def _yaml(path: Path) -> dict[str, Any]:
    return cast("dict[str, Any]", yaml.safe_load(path.read_text()))


def test_compose_profile_holds_the_services_the_answers_ask_for(
    rendered: tuple[str, Path],
) -> None:
    name, project = rendered
    services = cast("dict[str, dict[str, Any]]", _yaml(project / "compose.yaml")["services"])
    profiled = {key for key, spec in services.items() if spec.get("profiles")}
    expected = {
        "none": set[str](),
        "metrics-celery-rabbitmq": {"prometheus", "grafana", "postgres-exporter"},
        "full-django-sqlite": {"prometheus", "grafana", "redis-exporter", "alloy", "loki", "tempo"},
    }[name]
    assert profiled == expected
    assert all(services[key]["profiles"] == ["observability"] for key in profiled)
    for key in profiled & {"prometheus", "grafana", "alloy"}:
        ports = cast("list[str]", services[key]["ports"])
        assert all(port.startswith("127.0.0.1:") for port in ports), ports


def test_nginx_hides_metrics_exactly_when_the_app_serves_them(rendered: tuple[str, Path]) -> None:
    name, project = rendered
    config = (project / "deploy/nginx/conf.d/default.conf").read_text()
    assert ("location = /metrics" in config) == (name != "none")
    assert "access_log /dev/stdout json;" in config


def test_generated_env_holds_the_metrics_token_and_grafana_password(
    rendered: tuple[str, Path],
) -> None:
    name, project = rendered
    values = dict(
        line.split("=", 1)
        for line in (project / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    if name == "none":
        assert "METRICS_TOKEN" not in values
        return
    assert len(values["METRICS_TOKEN"]) >= 40
    assert len(values["GRAFANA_ADMIN_PASSWORD"]) >= 24


def test_dashboard_and_prometheus_follow_the_worker_and_exporters(
    rendered: tuple[str, Path],
) -> None:
    name, project = rendered
    if name == "none":
        assert not (project / "deploy/observability").exists()
        return
    folder = project / "deploy/observability"
    dashboard = json.loads((folder / "grafana/dashboards/service.json").read_text())
    titles = {panel["title"] for panel in dashboard["panels"]}
    celery = name == "metrics-celery-rabbitmq"
    assert ("Queue length" in titles) == celery
    assert {"Request rate by route", "Latency p50 / p95 / p99", "Readiness checks"} <= titles
    config = _yaml(folder / "prometheus/prometheus.yml")
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    # The Celery variant runs PostgreSQL and no Redis; the Django one SQLite and Redis.
    expected = {"app", "prometheus"} | ({"worker", "postgres"} if celery else {"redis"})
    assert jobs == expected
    datasources = _yaml(folder / "grafana/provisioning/datasources/prometheus.yml")
    exemplars = datasources["datasources"][0]["jsonData"].get("exemplarTraceIdDestinations")
    assert bool(exemplars) == (name == "full-django-sqlite")
