"""Grafana's provisioning and dashboards under deploy/observability/grafana/.

No Grafana runs here, so what Grafana would refuse or show broken is checked directly: every
provisioning file parses; every datasource a dashboard, a link or an exemplar names by uid is
provisioned (or is the dashboard's own datasource variable); the dashboard provider's folder
exists; every dashboard parses as JSON; and every PromQL query of every panel (and of every
query variable) parses, as promtool reads it: each is placed in a throwaway rule file that
`promtool check rules` checks. A failure names the dashboard file, the line of the query, the
panel's title and the query's refId.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from stackcraft.project import Project
from stackcraft.validators import promtool
from stackcraft.validators._base import Finding, Outcome, run_tool

NAME = "grafana"
FOLDER = Path("deploy") / "observability" / "grafana"
# compose mounts deploy/observability/ at this path in the Grafana container.
_MOUNT = "/etc/observability"

# Grafana's interval variables, replaced by values of their type so the query parses.
_INTERVALS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "__interval_ms": "60000",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
# $name, ${name}, ${name:format} and the deprecated [[name]].
_VARIABLE = re.compile(r"\$\{(?P<braced>\w+)(?::[^}]*)?\}|\$(?P<bare>\w+)|\[\[(?P<old>\w+)\]\]")
# `label_values(<selector>, <label>)` and `query_result(<query>)` carry PromQL; the rest do not.
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<expr>.+),\s*\w+\s*\)\s*$", re.DOTALL)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.+)\)\s*$", re.DOTALL)
_GROUP_ERROR = re.compile(r'group "q(?P<index>\d+)", rule \d+, "[^"]*": (?P<message>.+)$')


@dataclass(frozen=True)
class Query:
    """One PromQL query of a dashboard: where it is and what it says."""

    panel: str
    ref: str
    expr: str
    line: int | None


def applies(project: Project) -> bool:
    """grafana applies when the project ships deploy/observability/grafana/."""
    return (project.path / FOLDER).is_dir()


def check(project: Project) -> list[Outcome]:
    """Return one outcome for the provisioning files and one per dashboard."""
    tool = promtool.binary()
    folder = project.path / FOLDER
    provisioned, outcome = _provisioning(project.path, folder)
    outcomes = [outcome]
    for dashboard in sorted((folder / "dashboards").glob("*.json")):
        outcomes.append(_dashboard(project.path, dashboard, provisioned, tool))
    return outcomes


def _provisioning(project: Path, folder: Path) -> tuple[set[str], Outcome]:
    """Check the provisioning files; return the provisioned datasource uids and the outcome."""
    started = time.perf_counter()
    findings: list[Finding] = []
    uids: set[str] = set()
    links: list[tuple[str, str]] = []
    files = sorted((folder / "provisioning").rglob("*.y*ml"))
    for path in files:
        shown = str(path.relative_to(project))
        try:
            loaded: object = yaml.safe_load(path.read_text())
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            findings.append(Finding(file=shown, line=line, message=f"does not parse: {error}"))
            continue
        if not isinstance(loaded, dict):
            findings.append(Finding(file=shown, line=None, message="is not a YAML mapping"))
            continue
        document = cast("dict[str, Any]", loaded)
        for source in cast("list[dict[str, Any]]", document.get("datasources") or []):
            if uid := source.get("uid"):
                uids.add(str(uid))
            links += [(shown, linked) for linked in _linked_uids(source.get("jsonData"))]
        for provider in cast("list[dict[str, Any]]", document.get("providers") or []):
            findings += _provider_problems(project, shown, provider)
    text_of = {str(p.relative_to(project)): p.read_text() for p in files}
    for shown, uid in links:
        if uid not in uids:
            findings.append(
                Finding(
                    file=shown,
                    line=_line_of(text_of[shown], f"datasourceUid: {uid}"),
                    message=f"links to datasource uid '{uid}', which no datasource file provisions",
                )
            )
    if not files:
        findings.append(
            Finding(file=str(FOLDER / "provisioning"), line=None, message="no provisioning files")
        )
    return uids, Outcome(
        tool=NAME,
        target=str(FOLDER / "provisioning"),
        status="fail" if findings else "pass",
        seconds=time.perf_counter() - started,
        findings=tuple(findings),
    )


def _linked_uids(data: object) -> Iterator[str]:
    """Every `datasourceUid` inside a datasource's jsonData (exemplars, derived fields, links)."""
    if isinstance(data, dict):
        for key, value in cast("dict[str, object]", data).items():
            if key == "datasourceUid" and isinstance(value, str):
                yield value
            else:
                yield from _linked_uids(value)
    elif isinstance(data, list):
        for item in cast("list[object]", data):
            yield from _linked_uids(item)


def _provider_problems(project: Path, shown: str, provider: dict[str, Any]) -> list[Finding]:
    options = cast("dict[str, Any]", provider.get("options") or {})
    path = str(options.get("path", ""))
    if not path.startswith(f"{_MOUNT}/"):
        return [
            Finding(
                file=shown,
                line=None,
                message=f"dashboard provider path '{path}' is not under {_MOUNT}/, where compose "
                "mounts deploy/observability/",
            )
        ]
    local = project / "deploy" / "observability" / path.removeprefix(f"{_MOUNT}/")
    if not local.is_dir() or not any(local.glob("*.json")):
        return [
            Finding(
                file=shown,
                line=None,
                message=f"dashboard provider path '{path}' holds no dashboard "
                f"({local.relative_to(project)} has no *.json)",
            )
        ]
    return []


def _dashboard(project: Path, path: Path, provisioned: set[str], tool: str) -> Outcome:
    started = time.perf_counter()
    shown = str(path.relative_to(project))
    text = path.read_text()
    try:
        loaded: object = json.loads(text)
    except json.JSONDecodeError as error:
        finding = Finding(file=shown, line=error.lineno, message=f"is not JSON: {error.msg}")
        return _outcome(shown, started, [finding])
    if not isinstance(loaded, dict) or not isinstance(
        cast("dict[str, Any]", loaded).get("panels"), list
    ):
        finding = Finding(file=shown, line=None, message="is not a dashboard: no 'panels' list")
        return _outcome(shown, started, [finding])
    dashboard = cast("dict[str, Any]", loaded)
    queries = list(dashboard_queries(dashboard, text))
    findings = _datasource_problems(dashboard, text, shown, provisioned)
    findings += [
        Finding(file=shown, line=q.line, message=f"panel '{q.panel}' (query {q.ref}): is empty")
        for q in queries
        if not q.expr.strip()
    ]
    findings += _promql_problems([q for q in queries if q.expr.strip()], shown, tool)
    return _outcome(shown, started, findings)


def dashboard_queries(dashboard: dict[str, Any], text: str) -> Iterator[Query]:
    """Yield every PromQL query of `dashboard` (panels, rows' panels, query variables), with
    the line of `text` (the dashboard's source) it sits on."""
    cursor = 0
    for panel in _panels(cast("list[object]", dashboard.get("panels") or [])):
        title = str(panel.get("title") or f"id {panel.get('id')}")
        for target in cast("list[dict[str, Any]]", panel.get("targets") or []):
            if "expr" not in target:
                continue
            expr = str(target["expr"])
            line, cursor = _line_after(text, "expr", expr, cursor)
            yield Query(panel=title, ref=str(target.get("refId", "?")), expr=expr, line=line)
    templating = cast("dict[str, Any]", dashboard.get("templating") or {})
    for variable in cast("list[dict[str, Any]]", templating.get("list") or []):
        if variable.get("type") != "query":
            continue
        query: object = variable.get("query")
        if isinstance(query, dict):
            query = cast("dict[str, Any]", query).get("query")
        if not isinstance(query, str):
            continue
        match = _LABEL_VALUES.match(query) or _QUERY_RESULT.match(query)
        if match is None:
            continue
        line, _ = _line_after(text, "query", query, 0)
        name = f"variable ${variable.get('name')}"
        yield Query(panel=name, ref="query", expr=match["expr"], line=line)


def _panels(panels: list[object]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        typed = cast("dict[str, Any]", panel)
        yield typed
        yield from _panels(cast("list[object]", typed.get("panels") or []))


def _line_after(text: str, key: str, value: str, cursor: int) -> tuple[int | None, int]:
    """The line where `"key": <value as JSON>` appears at or after `cursor` (else anywhere)."""
    pattern = re.compile(rf'"{key}"\s*:\s*' + re.escape(json.dumps(value, ensure_ascii=False)))
    match = pattern.search(text, cursor) or pattern.search(text)
    if match is None:
        return None, cursor
    return text.count("\n", 0, match.start()) + 1, match.end()


def promql_for_promtool(expr: str) -> str:
    """Return `expr` with Grafana's variables replaced so that promtool can parse it:
    interval variables by durations or numbers, any other variable by a plain name."""

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"] or match["old"]
        return _INTERVALS.get(name, "grafana_variable")

    return _VARIABLE.sub(replace, expr)


def _promql_problems(queries: list[Query], shown: str, tool: str) -> list[Finding]:
    if not queries:
        return []
    groups = [
        {
            "name": f"q{index}",
            "rules": [{"record": f"dashboard:query_{index}", "expr": promql_for_promtool(q.expr)}],
        }
        for index, q in enumerate(queries)
    ]
    with tempfile.TemporaryDirectory(prefix="stackcraft-grafana-") as scratch:
        rules = Path(scratch) / "dashboard-queries.yml"
        rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        run = run_tool([tool, "check", "rules", rules.name], cwd=Path(scratch))
    if run.returncode == 0:
        return []
    findings: list[Finding] = []
    for line in run.output.splitlines():
        match = _GROUP_ERROR.search(line)
        if match is None:
            continue
        query = queries[int(match["index"])]
        message = f"panel '{query.panel}' (query {query.ref}): {match['message']}"
        findings.append(Finding(file=shown, line=query.line, message=message))
    first = next((ln.strip() for ln in run.output.splitlines() if "FAILED" not in ln), "")
    return findings or [Finding(file=shown, line=None, message=f"promtool: {first}")]


def _datasource_problems(
    dashboard: dict[str, Any], text: str, shown: str, provisioned: set[str]
) -> list[Finding]:
    findings: list[Finding] = []
    for panel in _panels(cast("list[object]", dashboard.get("panels") or [])):
        sources = [panel.get("datasource")] + [
            target.get("datasource")
            for target in cast("list[dict[str, Any]]", panel.get("targets") or [])
        ]
        for source in sources:
            uid = cast("dict[str, Any]", source).get("uid") if isinstance(source, dict) else None
            if not isinstance(uid, str) or uid.startswith("$") or uid in provisioned:
                continue
            findings.append(
                Finding(
                    file=shown,
                    line=_line_of(text, f'"uid": "{uid}"'),
                    message=f"panel '{panel.get('title')}' names datasource uid '{uid}', which "
                    "is neither provisioned nor a dashboard variable",
                )
            )
    return list(dict.fromkeys(findings))


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _outcome(target: str, started: float, findings: list[Finding]) -> Outcome:
    return Outcome(
        tool=NAME,
        target=target,
        status="fail" if findings else "pass",
        seconds=time.perf_counter() - started,
        findings=tuple(findings),
    )
