"""Every real validator that applies to a generated project, one module per tool.

Each module has `NAME`, `applies(project) -> bool` and `check(project) -> list[Outcome]`.
`validate` runs the ones that apply, in order, and turns a missing tool into a failed
outcome that says how to install it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

from stackcraft.errors import CheckFailedError, UserError
from stackcraft.project import Project
from stackcraft.validators import (
    actionlint,
    alloy,
    compose,
    grafana,
    hadolint,
    lock,
    loki_tempo,
    nginx,
    promtool,
    pyright,
    ruff,
    shellcheck,
    yamllint,
)
from stackcraft.validators._base import Finding, Outcome, ToolMissing

__all__ = ["TOOLS", "Finding", "Outcome", "ValidationReport", "validate"]

_MODULES: tuple[ModuleType, ...] = (
    lock,
    ruff,
    pyright,
    compose,
    hadolint,
    actionlint,
    shellcheck,
    nginx,
    yamllint,
    promtool,
    grafana,
    loki_tempo,
    alloy,
)
TOOLS: tuple[str, ...] = tuple(str(module.NAME) for module in _MODULES)


@dataclass(frozen=True)
class ValidationReport:
    """The outcomes of every validator run on one project."""

    project: Project
    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        """True when no outcome failed."""
        return all(outcome.status != "fail" for outcome in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        """Return the report in its documented, stable JSON shape."""
        return {
            "project": str(self.project.path),
            "ok": self.ok,
            "results": [
                {
                    "tool": o.tool,
                    "target": o.target,
                    "status": o.status,
                    "seconds": round(o.seconds, 3),
                    "errors": [_finding_json(f) for f in o.errors],
                    "warnings": [_finding_json(f) for f in o.warnings],
                    "detail": o.detail,
                }
                for o in self.outcomes
            ],
        }


def validate(
    project: Project,
    *,
    only: Collection[str] = (),
    on_outcome: Callable[[Outcome], None] | None = None,
) -> ValidationReport:
    """Run every validator that applies to `project` (or only those named) and report.

    Raises:
        UserError: when `only` names a tool stackcraft does not know.
    """
    unknown = sorted(set(only) - set(TOOLS))
    if unknown:
        raise UserError(f"unknown validator '{unknown[0]}': choose from {', '.join(TOOLS)}")
    outcomes: list[Outcome] = []
    for module in _MODULES:
        name = str(module.NAME)
        if only and name not in only:
            continue
        applies = cast("Callable[[Project], bool]", module.applies)
        if not applies(project):
            continue
        for outcome in _run(module, project):
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return ValidationReport(project=project, outcomes=tuple(outcomes))


def _run(module: ModuleType, project: Project) -> Sequence[Outcome]:
    check = cast("Callable[[Project], list[Outcome]]", module.check)
    started = time.perf_counter()
    try:
        return check(project)
    except (ToolMissing, CheckFailedError) as error:
        # A missing tool or a failed install is this tool's failure, not the whole run's.
        return [
            Outcome(
                tool=str(module.NAME),
                target="-",
                status="fail",
                seconds=time.perf_counter() - started,
                detail=str(error),
            )
        ]


def _finding_json(finding: Finding) -> dict[str, object]:
    return {"file": finding.file, "line": finding.line, "message": finding.message}
