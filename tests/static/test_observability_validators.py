"""The observability validators (promtool, grafana, loki-tempo, alloy) on a rendered
observability=full project with a Celery worker: green as rendered, and each planted mistake
named by file, line and, for dashboards, the panel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stackcraft.project import Project
from stackcraft.validators import Finding, Outcome, alloy, grafana, loki_tempo, promtool, validate
from tests.conftest import copy_project, generated_project

pytestmark = pytest.mark.xdist_group("observability-project")

OBSERVABILITY = Path("deploy/observability")
DASHBOARD = OBSERVABILITY / "grafana/dashboards/service.json"
RULES = OBSERVABILITY / "prometheus/rules/service.yml"
TASK_RULES = OBSERVABILITY / "prometheus/rules/tasks.yml"
RULE_TESTS = OBSERVABILITY / "prometheus/tests/service.test.yml"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data: dict[str, object] = {
        "observability": "full",
        "framework": "django",
        "task_queue": "celery",
    }
    return generated_project(tmp_path_factory.mktemp("observability"), data)


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    return copy_project(rendered, tmp_path / "svc")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _errors(outcomes: list[Outcome]) -> list[Finding]:
    return [finding for outcome in outcomes for finding in outcome.errors]


def test_observability_validators_pass_on_the_rendered_files(rendered: Path) -> None:
    report = validate(Project.open(rendered), only=["promtool", "grafana", "loki-tempo", "alloy"])
    statuses = {(o.tool, o.target): o.status for o in report.outcomes}
    assert report.ok, [(o.target, o.first_error) for o in report.outcomes]
    assert statuses[("promtool", str(TASK_RULES))] == "pass"
    assert statuses[("promtool", str(OBSERVABILITY / "prometheus/tests/tasks.test.yml"))] == "pass"
    assert statuses[("grafana", str(DASHBOARD))] == "pass"
    assert statuses[("loki-tempo", str(OBSERVABILITY / "loki/loki.yml"))] == "pass"
    assert statuses[("alloy", str(OBSERVABILITY / "alloy/config.alloy"))] == "skip"


def test_a_bad_promql_expression_in_a_dashboard_names_file_line_and_panel(project: Path) -> None:
    dashboard = project / DASHBOARD
    _edit(dashboard, "max by (queue) (celery_queue_length)", "max by (queue) (celery_queue_length")
    line = next(
        number
        for number, text in enumerate(dashboard.read_text().splitlines(), start=1)
        if '(celery_queue_length"' in text
    )

    [error] = _errors(grafana.check(Project.open(project))[1:])

    assert (error.file, error.line) == (str(DASHBOARD), line)
    assert error.message.startswith("panel 'Queue length' (query A): could not parse expression")


def test_a_dashboard_that_is_not_json_names_its_line(project: Path) -> None:
    dashboard = project / DASHBOARD
    _edit(dashboard, '"refresh": "30s",', '"refresh": "30s",,')

    [error] = _errors(grafana.check(Project.open(project))[1:])

    assert error.file == str(DASHBOARD)
    assert error.line is not None
    assert error.message.startswith("is not JSON")


def test_grafana_variables_are_replaced_before_promtool_reads_a_query() -> None:
    expr = 'sum(rate(x{job="$job", instance=~"${instance:regex}"}[$__rate_interval])) > [[n]]'

    replaced = grafana.promql_for_promtool(expr)

    assert replaced == (
        'sum(rate(x{job="grafana_variable", instance=~"grafana_variable"}[5m])) > grafana_variable'
    )


def test_a_datasource_link_to_a_missing_uid_fails_provisioning(project: Path) -> None:
    datasources = project / OBSERVABILITY / "grafana/provisioning/datasources"
    (datasources / "loki-tempo.yml").unlink()

    errors = _errors(grafana.check(Project.open(project))[:1])

    assert {error.message for error in errors} == {
        "links to datasource uid 'tempo', which no datasource file provisions"
    }
    assert errors[0].file == str(datasources.relative_to(project) / "prometheus.yml")


def test_a_dashboard_naming_an_unprovisioned_datasource_fails(project: Path) -> None:
    dashboard = project / DASHBOARD
    loaded = json.loads(dashboard.read_text())
    loaded["panels"][1]["datasource"] = {"type": "prometheus", "uid": "elsewhere"}
    dashboard.write_text(json.dumps(loaded, indent=2))

    [error] = _errors(grafana.check(Project.open(project))[1:])

    assert "names datasource uid 'elsewhere'" in error.message
    assert error.message.startswith("panel 'Request rate by route'")


def test_an_unparseable_alert_rule_names_its_file_and_line(project: Path) -> None:
    _edit(project / RULES, "expr: up == 0", "expr: up ==")
    line = next(
        n for n, text in enumerate((project / RULES).read_text().splitlines(), 1) if "up ==" in text
    )

    outcomes = promtool.check(Project.open(project))
    by_target = {o.target: o for o in outcomes}

    [error] = by_target[str(RULES)].errors
    assert (error.file, error.line) == (str(RULES), line)
    assert "TargetDown" in error.message
    assert "could not parse expression" in error.message
    # The config names the rule files too, and the tests load them: both fail with it.
    assert by_target[str(OBSERVABILITY / "prometheus/prometheus.yml")].status == "fail"
    assert by_target[str(RULE_TESTS)].status == "fail"


def test_a_rule_that_no_longer_fires_fails_its_unit_test_by_name(project: Path) -> None:
    _edit(project / TASK_RULES, "celery_queue_length) > 100", "celery_queue_length) > 100000")
    tests = OBSERVABILITY / "prometheus/tests/tasks.test.yml"
    name = "a queue growing past 100 tasks for 10 minutes fires QueueBacklog"
    line = next(
        n for n, text in enumerate((project / tests).read_text().splitlines(), 1) if name in text
    )

    by_target = {o.target: o for o in promtool.check(Project.open(project))}

    [error] = by_target[str(tests)].errors
    assert (error.file, error.line) == (str(tests), line)
    assert error.message == (
        f"test '{name}' failed: QueueBacklog at 20m: expected 1 alert(s), got 0"
    )
    assert by_target[str(TASK_RULES)].status == "pass"


def test_a_rule_test_whose_rule_file_is_gone_fails_though_promtool_passes_it(
    project: Path,
) -> None:
    # Only quiet cases: with the rules gone they still pass, and promtool says SUCCESS.
    quiet = OBSERVABILITY / "prometheus/tests/quiet.test.yml"
    (project / quiet).write_text(
        "rule_files:\n  - ../rules/gone.yml\n"
        "tests:\n  - name: nothing fires\n    interval: 1m\n"
        "    input_series:\n      - series: 'up{job=\"app\"}'\n        values: '1x5'\n"
        "    alert_rule_test:\n      - eval_time: 5m\n        alertname: TargetDown\n"
        "        exp_alerts: []\n"
    )

    by_target = {o.target: o for o in promtool.check(Project.open(project))}

    [error] = by_target[str(quiet)].errors
    assert error.message == "rule_files matches no file: rules/gone.yml"


def test_an_unknown_prometheus_setting_fails_check_config(project: Path) -> None:
    config = project / OBSERVABILITY / "prometheus/prometheus.yml"
    _edit(config, "  scrape_interval: 15s", "  scrape_interval: 15s\n  scrape_intervall: 15s")

    [outcome] = [o for o in promtool.check(Project.open(project)) if o.target.endswith("us.yml")]

    assert outcome.status == "fail"
    assert "scrape_intervall" in outcome.first_error


def test_the_token_file_prometheus_reads_in_its_container_is_not_needed_here(
    rendered: Path,
) -> None:
    config = rendered / OBSERVABILITY / "prometheus/prometheus.yml"
    assert "credentials_file: /run/prometheus/metrics_token" in config.read_text()
    assert not Path("/run/prometheus/metrics_token").exists()

    [outcome] = [o for o in promtool.check(Project.open(rendered)) if o.target.endswith("us.yml")]

    assert outcome.status == "pass"


def test_a_missing_promtool_fails_and_says_how_to_install_it(
    rendered: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    report = validate(Project.open(rendered), only=["promtool", "grafana"])

    assert not report.ok
    assert [o.detail for o in report.outcomes] == [
        f"promtool is not installed: {promtool.INSTALL}"
    ] * 2


def test_broken_loki_yaml_names_its_line(project: Path) -> None:
    loki = project / OBSERVABILITY / "loki/loki.yml"
    _edit(loki, "auth_enabled: false", "auth_enabled: [false")

    [outcome, _tempo] = loki_tempo.check(Project.open(project))

    assert outcome.status == "fail"
    assert outcome.errors[0].file == str(OBSERVABILITY / "loki/loki.yml")
    assert outcome.errors[0].line is not None


def test_a_tempo_config_without_storage_fails(project: Path) -> None:
    tempo = project / OBSERVABILITY / "tempo/tempo.yml"
    _edit(tempo, "    backend: local\n", "")

    [_loki, outcome] = loki_tempo.check(Project.open(project))

    assert [f.message for f in outcome.errors] == ["'storage.trace.backend' is missing"]


def test_alloy_configs_are_reported_as_checked_elsewhere(rendered: Path) -> None:
    outcomes = alloy.check(Project.open(rendered))

    assert [o.target for o in outcomes] == [
        str(OBSERVABILITY / "alloy/config.alloy"),
        str(OBSERVABILITY / "alloy/host.alloy"),
    ]
    assert {o.status for o in outcomes} == {"skip"}
    assert "alloy validate" in outcomes[0].detail


def test_validators_do_not_apply_without_observability(tmp_path: Path) -> None:
    plain = generated_project(tmp_path, {"observability": "none"})
    shutil.rmtree(plain / ".venv", ignore_errors=True)
    project = Project.open(plain)

    assert not (plain / "deploy" / "observability").exists()
    assert not any(m.applies(project) for m in (promtool, grafana, loki_tempo, alloy))
