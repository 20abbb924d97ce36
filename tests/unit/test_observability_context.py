"""What the observability answer adds to the derived lists: compose services and volumes,
the app's compose variables, .env.example settings and README sections."""

from __future__ import annotations

import pytest

from extensions.context import DerivedContext, derive_context
from tests.unit.test_extensions import FULL_ANSWERS

PROFILE = ["prometheus", "grafana", "postgres-exporter", "redis-exporter"]
TRACING = ["alloy", "loki", "tempo"]


def _derived(**answers: object) -> DerivedContext:
    return derive_context({**FULL_ANSWERS, **answers})


@pytest.mark.parametrize(
    ("observability", "services", "volumes"),
    [
        ("none", [], []),
        ("metrics", PROFILE, ["prometheus-data", "grafana-data"]),
        (
            "full",
            PROFILE + TRACING,
            ["prometheus-data", "grafana-data", "alloy-data", "loki-data"],
        ),
    ],
)
def test_compose_lists_add_the_profile_for_observability(
    observability: str, services: list[str], volumes: list[str]
) -> None:
    derived = _derived(observability=observability)
    assert derived.get("compose_services", []) == ["db", "redis", *services]
    assert derived.get("compose_volumes", []) == ["db-data", "redis-data", *volumes]


def test_exporters_follow_the_services_compose_runs() -> None:
    bare = _derived(database="sqlite", cache="none")
    assert bare.get("compose_services", []) == ["prometheus", "grafana"]
    broker = _derived(database="sqlite", cache="none", task_queue="celery", broker="redis")
    assert "redis-exporter" in broker.get("compose_services", [])
    rabbit = _derived(database="sqlite", cache="none", task_queue="celery", broker="rabbitmq")
    assert "redis-exporter" not in rabbit.get("compose_services", [])


def test_full_points_the_app_at_alloy_and_metrics_does_not() -> None:
    variables = _derived(observability="full").get("compose_environment", [])
    full = {variable["name"]: variable["value"] for variable in variables}
    assert (
        full["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-http://alloy:4318}"
    )
    metrics = _derived(observability="metrics").get("compose_environment", [])
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in {variable["name"] for variable in metrics}


def _features(derived: DerivedContext) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for setting in derived.get("env_settings", []):
        grouped.setdefault(setting["feature"], set()).add(setting["name"])
    return grouped


def test_env_settings_bring_metrics_and_tracing_with_their_answer() -> None:
    assert not {"metrics", "tracing"} & set(_features(_derived(observability="none")))
    metrics = _features(_derived(observability="metrics"))
    assert metrics["metrics"] == {
        "METRICS_ENABLED",
        "METRICS_TOKEN",
        "GRAFANA_ADMIN_PASSWORD",
        "GRAFANA_PORT",
        "PROMETHEUS_PORT",
    }
    assert "tracing" not in metrics
    full = _features(_derived(observability="full", task_queue="celery", broker="redis"))
    assert "WORKER_METRICS_PORT" in full["metrics"]
    assert {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "APP_VERSION",
        "GRAFANA_CLOUD_OTLP_ENDPOINT",
        "GRAFANA_CLOUD_INSTANCE_ID",
        "GRAFANA_CLOUD_API_TOKEN",
        "GRAFANA_CLOUD_PROMETHEUS_URL",
        "GRAFANA_CLOUD_LOKI_URL",
    } <= full["tracing"]


def test_env_settings_leave_secrets_empty_and_name_the_service() -> None:
    settings = _derived(observability="full").get("env_settings", [])
    values = {setting["name"]: setting["value"] for setting in settings}
    assert values["METRICS_TOKEN"] == ""
    assert values["GRAFANA_ADMIN_PASSWORD"] == ""
    assert values["OTEL_SERVICE_NAME"] == "demo"
    assert values["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"


@pytest.mark.parametrize(
    ("observability", "sections"),
    [
        ("none", []),
        ("metrics", ["observability"]),
        ("full", ["observability", "observability-full"]),
    ],
)
def test_readme_sections_follow_observability(observability: str, sections: list[str]) -> None:
    listed = _derived(observability=observability).get("readme_sections", [])
    found = [name for name in listed if name.startswith("observability")]
    assert found == sections
    if sections:
        assert listed.index("observability") == listed.index("compose") + 1
