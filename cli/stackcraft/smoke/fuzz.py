"""The fuzz step: schemathesis against the booted service's own OpenAPI schema.

The schema is the one the service serves (with the docs credentials when they are behind
basic auth), or, with the docs off, the one the project's own code builds. Requests carry a
signed-in user's bearer token. A server error or a response that breaks the schema fails the
step, which names the first failing operation and the request that reproduces it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from stackcraft.process import run_tool
from stackcraft.project import Project, project_env
from stackcraft.smoke.http import StepError, expect

__all__ = ["CHECKS", "FuzzBudget", "fuzz"]

# The checks that say "no crash, honest schema" (TOOLCHAIN.md: the others flag FastAPI's
# documented type coercion).
CHECKS = ("not_a_server_error", "response_schema_conformance")

_OPERATION = re.compile(r"^_{3,}\s+(?P<operation>[A-Z]+ \S+)\s+_{3,}$")
_TESTS = re.compile(r"(?P<count>\d+) generated")


@dataclass(frozen=True)
class FuzzBudget:
    """How much fuzzing one run may do: a time budget, examples per operation, a seed."""

    seconds: int = 30
    examples: int = 25
    seed: int = 1


def _schemathesis() -> str:
    beside = Path(sys.executable).parent / "st"
    found = str(beside) if beside.is_file() else shutil.which("st")
    if found is None:
        raise StepError("schemathesis not found: uv sync (it is a dependency of stackcraft)")
    return found


def streaming_paths(schema: dict[str, object]) -> list[str]:
    """Return the paths of operations that answer a stream (server-sent events).

    A stream never ends by itself, so every request to it would run into the fuzzer's
    timeout; the smoke's events step probes it as a client does instead.
    """
    found: list[str] = []
    for path, item in _mapping(schema.get("paths")).items():
        for operation in _mapping(item).values():
            for answer in _mapping(_mapping(operation).get("responses")).values():
                if "text/event-stream" in _mapping(_mapping(answer).get("content")):
                    found.append(path)
    return list(dict.fromkeys(found))


def _mapping(value: object) -> dict[str, Any]:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _schema(project: Project, base: str, env: dict[str, str]) -> dict[str, object]:
    mode = project.answers.api_docs
    if mode == "public":
        return dict(expect(f"{base}/openapi.json", 200).body)
    if mode == "basic":
        pair = f"{env['DOCS_USERNAME']}:{env['DOCS_PASSWORD']}".encode()
        auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return dict(expect(f"{base}/openapi.json", 200, headers=auth).body)
    return _built_schema(project, env)


def _built_schema(project: Project, env: dict[str, str]) -> dict[str, object]:
    """The schema the project's code builds when it serves none (api_docs=off).

    It is written to a file, not stdout: the app logs to stdout while it starts (in
    production on SQLite, a warning says so), which would corrupt the JSON.
    """
    with tempfile.TemporaryDirectory(prefix="stackcraft-schema-") as scratch:
        written = Path(scratch) / "openapi.json"
        if project.answers.framework == "django":
            command = ["python", "manage.py", "spectacular", "--format", "openapi-json"]
            command += ["--file", str(written)]
        else:
            slug = project.answers.project_slug
            code = (
                f"import json, sys; from {slug}.main import app; "
                "open(sys.argv[1], 'w').write(json.dumps(app.openapi()))"
            )
            command = ["python", "-c", code, str(written)]
        run = project.run(*command, env=env, timeout=120)
        try:
            return dict(json.loads(written.read_text()))
        except (OSError, json.JSONDecodeError, TypeError, ValueError) as error:
            said = (run.stderr.strip() or run.stdout.strip()).splitlines()
            last = said[-1] if said else f"(no output; exit code {run.returncode})"
            raise StepError(f"could not build the OpenAPI schema: {last}") from error


def fuzz(
    project: Project,
    base: str,
    *,
    env: dict[str, str],
    token: str | None,
    scratch: Path,
    budget: FuzzBudget,
) -> str:
    """Fuzz every operation of the service at `base`; return a one-line summary.

    Raises:
        StepError: naming the first failing operation and its reproducing request.
    """
    schema = _schema(project, base, env)
    schema_file = scratch / "openapi.json"
    schema_file.write_text(json.dumps(schema))
    command = [
        _schemathesis(),
        "run",
        str(schema_file),
        "--url",
        base,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(budget.examples),
        "--max-time",
        str(budget.seconds),
        "--seed",
        str(budget.seed),
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--no-color",
        # Sent as production's proxy sends it, so https-only settings behave as deployed.
        "--header",
        "X-Forwarded-Proto: https",
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    for path in streaming_paths(schema):
        command += ["--exclude-path", path]
    run = run_tool(command, cwd=scratch, env=project_env(), timeout=budget.seconds + 120)
    generated = _TESTS.search(run.stdout)
    count = generated["count"] if generated else "?"
    if run.returncode == 0:
        return f"{count} requests, {', '.join(CHECKS)}: no failure"
    raise StepError(f"{_first_failure(run.stdout or run.stderr)} ({count} requests)")


def _first_failure(output: str) -> str:
    """Return the first failing operation, its check and the curl line that reproduces it."""
    lines = [line.strip() for line in output.splitlines()]
    operation = check = reproduce = ""
    for line in lines:
        if match := _OPERATION.match(line):
            operation = operation or match["operation"]
        elif line.startswith("- ") and operation and not check:
            check = line[2:]
        elif line.startswith("curl ") and operation and not reproduce:
            reproduce = line
    if not operation:
        errors = [line for line in lines if line and not line.startswith(("━", "Schemathesis"))]
        return "schemathesis failed: " + (errors[0] if errors else "(no output)")[:300]
    return f"{operation}: {check or 'failed'}; reproduce: {reproduce[:300]}"
