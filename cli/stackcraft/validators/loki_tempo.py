"""Loki's and Tempo's configs (observability=full): parsed as YAML, the keys they cannot start
without present.

Neither binary is installed here and no offline schema exists, so this catches what a parser
can: broken YAML, a file that is not a mapping, a missing schema or storage section. The
template's GitHub workflow runs the real binaries on them (`loki -verify-config`,
`tempo -config.verify`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import yaml

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome

NAME = "loki-tempo"
FOLDER = Path("deploy") / "observability"
# Each config, and the dotted keys it needs (the rest have defaults).
REQUIRED: dict[str, tuple[str, ...]] = {
    "loki/loki.yml": ("schema_config.configs", "common.storage"),
    "tempo/tempo.yml": ("distributor.receivers", "storage.trace.backend"),
}


def applies(project: Project) -> bool:
    """loki-tempo applies when the project ships a Loki or a Tempo config."""
    return any((project.path / FOLDER / name).is_file() for name in REQUIRED)


def check(project: Project) -> list[Outcome]:
    """Return one outcome per config present."""
    outcomes: list[Outcome] = []
    for name, required in REQUIRED.items():
        path = project.path / FOLDER / name
        if path.is_file():
            outcomes.append(_check(str(FOLDER / name), path, required))
    return outcomes


def _check(shown: str, path: Path, required: tuple[str, ...]) -> Outcome:
    started = time.perf_counter()
    findings: list[Finding] = []
    try:
        loaded: object = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        findings.append(Finding(file=shown, line=line, message=f"does not parse: {problem}"))
        loaded = None
    if not findings and not isinstance(loaded, dict):
        findings.append(Finding(file=shown, line=None, message="is not a YAML mapping"))
    elif isinstance(loaded, dict):
        config = cast("dict[str, Any]", loaded)
        findings += [
            Finding(file=shown, line=None, message=f"'{key}' is missing")
            for key in required
            if not _has(config, key)
        ]
    return Outcome(
        tool=NAME,
        target=shown,
        status="fail" if findings else "pass",
        seconds=time.perf_counter() - started,
        findings=tuple(findings),
    )


def _has(config: dict[str, Any], dotted: str) -> bool:
    value: object = config
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return False
        value = cast("dict[str, object]", value)[key]
    return value not in (None, "", [], {})
