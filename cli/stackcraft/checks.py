"""The render tier's checks on a freshly rendered project, as plain functions.

Each returns a list of one-line problems ("" never appears); an empty list means the
project passed. `prove --tier render` and the render tests use the same functions.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import cast

import yaml

from stackcraft.answers import recorded_answers
from stackcraft.pythons import find_python

__all__ = [
    "leftover_jinja",
    "render_problems",
    "render_tier_problems",
    "ruff_problems",
    "unparseable_files",
]

# `${{ ... }}` is GitHub Actions' own syntax, and docker/metadata-action's tag patterns use
# `{{version}}`, `{{major}}`, `{{sha}}`...; any other `{{`, `{%` or `%}` is leftover Jinja.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}")
FOREIGN_PLACEHOLDER = re.compile(
    r"\{\{\s*(version|major|minor|patch|raw|sha|branch|tag|base_ref|is_default_branch"
    r"|date '[^']*'(?: tz='[^']*')?)\s*\}\}"
)
_SKIPPED_PARTS = frozenset({".venv", ".git", "__pycache__", ".ruff_cache", ".pytest_cache"})


def project_files(project: Path) -> list[Path]:
    """Return the project's own files (no virtualenv, VCS or cache folders)."""
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and not _SKIPPED_PARTS.intersection(path.relative_to(project).parts)
    )


def leftover_jinja(project: Path) -> list[str]:
    """Return a problem for each file that still holds Jinja syntax, with its line."""
    problems: list[str] = []
    for path in project_files(project):
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if LEFTOVER_JINJA.search(FOREIGN_PLACEHOLDER.sub("", line)):
                problems.append(
                    f"{path.relative_to(project)}:{number}: leftover Jinja: {line.strip()}"
                )
                break
    return problems


def unparseable_files(
    project: Path, python_version: str | None = None, *, python: bool = True
) -> list[str]:
    """Return a problem for each YAML, TOML, JSON or Python file that does not parse.

    Python files are parsed by an interpreter of `python_version` (the project's target)
    when this one is older, since newer syntax (`type X = ...`) is not older syntax;
    `python=False` leaves them to ruff.
    """
    files = project_files(project)
    python_files = [path for path in files if path.suffix == ".py"] if python else []
    problems = _python_problems(project, python_files, python_version)
    for path in files:
        if path.suffix == ".py":
            continue
        name = str(path.relative_to(project))
        try:
            _parse(path)
        except (
            yaml.YAMLError,
            tomllib.TOMLDecodeError,
            json.JSONDecodeError,
        ) as error:
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            problems.append(f"{name}: does not parse: {first}")
        except UnicodeDecodeError:
            continue
    return problems


def render_problems(project: Path) -> list[str]:
    """Return `project`'s leftover Jinja and the files that do not parse (no ruff run)."""
    return leftover_jinja(project) + unparseable_files(project, _target_python(project))


def render_tier_problems(project: Path) -> list[str]:
    """Return the render tier's problems: leftover Jinja, data files that do not parse, and
    what ruff refuses (ruff parses every Python file for the project's target version, so
    no second interpreter is started to parse them).
    """
    found = leftover_jinja(project) + unparseable_files(project, python=False)
    return found or ruff_problems(project)


def ruff_problems(project: Path) -> list[str]:
    """Return what `ruff check` and `ruff format --check` (the project's config) refuse."""
    problems: list[str] = []
    for args in (("check", "--output-format=concise"), ("format", "--check")):
        # Our own fixed command line: the ruff of this environment, on the project.
        done = subprocess.run(  # noqa: S603
            [*_ruff(), *args, "--no-cache", "--quiet", "."],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            first = (done.stdout or done.stderr).strip().splitlines()
            problems.append(f"ruff {args[0]}: {first[0] if first else done.returncode}")
    return problems


@functools.cache
def _ruff() -> tuple[str, ...]:
    """This environment's ruff: its binary beside the interpreter (no Python start-up per
    call, which the render tier pays twice a variant), else `python -m ruff`."""
    binary = Path(sys.executable).with_name("ruff")
    return (str(binary),) if binary.is_file() else (sys.executable, "-m", "ruff")


def _target_python(project: Path) -> str | None:
    version = recorded_answers(project).get("python_version")
    return str(version) if version else None


# Run by the target interpreter: parse each file named on the command line, print failures.
_PARSE_SCRIPT = """
import ast, json, sys
problems = []
for name in sys.argv[1:]:
    try:
        ast.parse(open(name, encoding="utf-8").read(), filename=name)
    except SyntaxError as error:
        problems.append([name, f"{error.msg} (line {error.lineno})"])
print(json.dumps(problems))
"""


def _python_problems(project: Path, files: list[Path], version: str | None) -> list[str]:
    wanted = tuple(int(part) for part in version.split(".")) if version else (0,)
    if sys.version_info[: len(wanted)] >= wanted or not files:
        problems: list[str] = []
        for path in files:
            try:
                ast.parse(path.read_text(), filename=str(path))
            except SyntaxError as error:
                name = path.relative_to(project)
                problems.append(f"{name}: does not parse: {error.msg} (line {error.lineno})")
        return problems
    python = _interpreter(str(version))
    if python is None:
        return [f"no Python {version} interpreter to parse the project's Python files with"]
    names = [str(path.relative_to(project)) for path in files]
    # Our own fixed script, run by an interpreter we located, on the project's files.
    done = subprocess.run(  # noqa: S603
        [str(python), "-I", "-c", _PARSE_SCRIPT, *names],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        return [f"parsing Python files with {python} failed: {done.stderr.strip()[-200:]}"]
    reported = cast("list[list[str]]", json.loads(done.stdout))
    return [f"{name}: does not parse: {message}" for name, message in reported]


@functools.cache
def _interpreter(version: str) -> Path | None:
    return find_python(version)


# libyaml's safe loader where PyYAML was built with it: the same documents, about ten times
# faster, which the render tier feels on every variant's compose and workflow files.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(path: Path) -> None:
    suffix = path.suffix
    if suffix in {".yml", ".yaml"}:
        list(yaml.load_all(path.read_text(), Loader=_YAML_LOADER))
    elif suffix == ".toml" or path.name == "uv.lock":
        tomllib.loads(path.read_text())
    elif suffix == ".json":
        json.loads(path.read_text())
