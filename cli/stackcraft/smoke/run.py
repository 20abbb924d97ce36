"""`stackcraft smoke`: install, migrate, test, boot, probe and stop a generated project.

Each step is timed and reported; after the first failure the remaining steps are skipped
but whatever was started is still stopped. The production server (gunicorn) runs from the
project's own virtual environment so this process owns its PID and can SIGTERM it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from stackcraft.errors import CheckFailedError
from stackcraft.project import Project, project_env
from stackcraft.smoke import faults, proxy, services
from stackcraft.smoke.fuzz import FuzzBudget, fuzz
from stackcraft.smoke.http import StepError, expect, request
from stackcraft.validators._base import Status

__all__ = ["SmokeReport", "Step", "smoke"]

BOOT_SECONDS = 60
STOP_SECONDS = 30


@dataclass(frozen=True)
class Step:
    """One smoke step: its name, verdict, duration and what went wrong (one line)."""

    name: str
    status: Status
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class SmokeReport:
    """Every step of one smoke run."""

    project: Path
    steps: tuple[Step, ...]

    @property
    def ok(self) -> bool:
        """True when no step failed (a step skipped on purpose says why in its detail)."""
        return all(step.status != "fail" for step in self.steps)

    def as_json(self) -> dict[str, Any]:
        """Return the report in its documented, stable JSON shape."""
        return {
            "project": str(self.project),
            "ok": self.ok,
            "steps": [
                {
                    "name": s.name,
                    "status": s.status,
                    "seconds": round(s.seconds, 3),
                    "detail": s.detail,
                }
                for s in self.steps
            ],
        }


@dataclass
class _Run:
    """The state of one smoke run while it goes."""

    project: Project
    on_step: Callable[[Step], None] | None
    steps: list[Step] = field(default_factory=list[Step])
    failed: bool = False

    def step(self, name: str, action: Callable[[], str | None], *, always: bool = False) -> None:
        if self.failed and not always:
            self.record(
                Step(name=name, status="skip", seconds=0.0, detail="an earlier step failed")
            )
            return
        started = time.perf_counter()
        try:
            detail = action() or ""
            status: Status = "pass"
        except (StepError, CheckFailedError) as error:
            detail, status = str(error), "fail"
            self.failed = True
        except OSError as error:  # a request nothing answered, outside an `expect`
            detail, status = f"nothing answered: {error}", "fail"
            self.failed = True
        self.record(
            Step(name=name, status=status, seconds=time.perf_counter() - started, detail=detail)
        )

    def step_or_skip(self, name: str, skip_reason: str, action: Callable[[], str | None]) -> None:
        """Run `action` as step `name`, or record it as skipped for `skip_reason` when set."""
        if skip_reason and not self.failed:
            self.record(Step(name=name, status="skip", seconds=0.0, detail=skip_reason))
            return
        self.step(name, action)

    def record(self, step: Step) -> None:
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)


def smoke(
    project: Project,
    *,
    services_mode: str = "auto",
    on_step: Callable[[Step], None] | None = None,
    fuzz_budget: FuzzBudget | None = None,
) -> SmokeReport:
    """Run the smoke steps on `project` and return their report (never raises for a step).

    In `auto` mode the backing services are throwaway servers of this run, so the fault
    steps may stop and restart them; with `external` (or where none can be started) the
    fault steps are skipped and say why.

    Raises:
        CheckFailedError: only when a backing service cannot be found or started.
    """
    run = _Run(project=project, on_step=on_step)
    answers = project.answers
    use_jwt = answers.auth == "jwt"
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        test_env: dict[str, str] = {}
        started = time.perf_counter()
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stackcraft-smoke-")))
        used: list[str] = []
        database: services.Service | None = None
        cache: services.Service | None = None
        # SQLAlchemy's URLs name the async driver; Django's do not.
        scheme = "postgresql" if answers.framework == "django" else "postgresql+asyncpg"
        if answers.database == "postgresql":
            server = stack.enter_context(services.postgres(services_mode, owned=True))
            database = server
            env["DATABASE_URL"] = server.database(scheme)
            test_env["DATABASE_URL"] = server.database(scheme)
            used.append(f"postgresql {'started' if server.started else 'found'} at {server.url}")
        else:
            sqlite = "sqlite" if answers.framework == "django" else "sqlite+aiosqlite"
            env["DATABASE_URL"] = f"{sqlite}:///{scratch / 'app.db'}"
        if answers.cache == "redis":
            cache = stack.enter_context(services.redis(services_mode, owned=True))
            env["REDIS_URL"] = cache.url
            used.append(f"redis {'started' if cache.started else 'found'} at {cache.url}")
        run.record(
            Step(
                name="services",
                status="pass",
                seconds=time.perf_counter() - started,
                detail="; ".join(used) or "none needed (SQLite)",
            )
        )
        run.step("install", lambda: _install(project))
        run.step("migrate", lambda: _migrate(project, env))
        run.step("tests", lambda: _tests(project, test_env))
        server_env = env | {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DOCS_USERNAME": "smoke",
            "DOCS_PASSWORD": secrets.token_urlsafe(24),
            "WEB_CONCURRENCY": "2",
            "ALLOWED_HOSTS": f"{services.LOOPBACK},localhost",
        }
        port = services.free_port()
        process: list[subprocess.Popen[bytes]] = []
        run.step("boot", lambda: _boot(project, port, server_env, scratch, process, stack))
        base = f"http://{services.LOOPBACK}:{port}"
        session: dict[str, str] = {}
        run.step("GET /healthz", lambda: _status(f"{base}/healthz", 200))
        run.step("GET /readyz", lambda: _status(f"{base}/readyz", 200))
        run.step("HEAD probes", lambda: _head_probes(base))
        run.step("docs", lambda: _docs(base, answers.api_docs, server_env))
        run.step("round trip", lambda: _round_trip(base, use_jwt=use_jwt, session=session))
        # Without Redis each worker counts logins on its own (as the README says).
        counters = 1 if answers.cache == "redis" else int(server_env["WEB_CONCURRENCY"])
        run.step("proxy", lambda: _through_proxy(project, port, use_jwt, counters))
        budget = fuzz_budget or FuzzBudget()
        run.step(
            "fuzz",
            lambda: fuzz(
                project,
                base,
                env=server_env,
                token=session.get("token"),
                scratch=scratch,
                budget=budget,
            ),
        )
        headers = {"Authorization": f"Bearer {session['token']}"} if "token" in session else {}
        if database is not None:
            run.step_or_skip(
                "fault: database",
                _not_ours(database),
                lambda: faults.database_outage(database, base, headers=headers),
            )
        if cache is not None:
            run.step_or_skip(
                "fault: redis",
                _not_ours(cache),
                lambda: faults.redis_outage(cache, base, headers=headers, use_jwt=use_jwt),
            )
        if process:
            run.step("stop (SIGTERM)", lambda: _stop(process[0], scratch), always=True)
    return SmokeReport(project=project.path, steps=tuple(run.steps))


def _not_ours(service: services.Service) -> str:
    if service.controllable:
        return ""
    return (
        f"not run: {service.name} at {service.url} is not this run's to stop (use --services auto)"
    )


def _head_probes(base: str) -> str:
    for path in ("/healthz", "/readyz"):
        answer = expect(f"{base}{path}", 200, method="HEAD")
        if answer.body not in (None, ""):
            raise StepError(f"HEAD {path} answered with a body")
    return "HEAD /healthz and /readyz: 200, no body"


def _through_proxy(project: Project, port: int, use_jwt: bool, counters: int) -> str:
    limit = 10 if use_jwt else None  # LOGIN_ATTEMPTS_PER_MINUTE's default
    with proxy.served_by_nginx(project.path, app_port=port) as base:
        return proxy.check_forwarded_headers(base, login_limit=limit, counters=counters)


def _install(project: Project) -> str:
    synced = project.sync()
    return f"uv sync in {synced.seconds:.1f}s"


def _migrate(project: Project, env: dict[str, str]) -> str:
    result = project.run(project.answers.project_slug, "migrate", env=env)
    if result.returncode != 0:
        raise StepError(f"migrate exited {result.returncode}: {_last_line(result.output)}")
    return ""


def _tests(project: Project, env: dict[str, str]) -> str:
    result = project.run("pytest", "-q", "-p", "no:cacheprovider", env=env)
    summary = _last_line(result.stdout)
    if result.returncode != 0:
        raise StepError(f"pytest exited {result.returncode}: {_first_failure(result.output)}")
    return summary


def _first_failure(output: str) -> str:
    """Return the most telling line of a failed pytest run: an error, a failure, the summary."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for marker in ("FAILED ", "ERROR ", "INTERNALERROR", "Error", "error"):
        found = next((line for line in lines if marker in line), None)
        if found:
            return found[:300]
    return lines[-1][:300] if lines else "(no output)"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _boot(
    project: Project,
    port: int,
    env: dict[str, str],
    scratch: Path,
    process: list[subprocess.Popen[bytes]],
    stack: contextlib.ExitStack,
) -> str:
    gunicorn = project.path / ".venv" / "bin" / "gunicorn"
    if not gunicorn.is_file():
        raise StepError(f"'{gunicorn}' not found: the project does not install gunicorn")
    log = (scratch / "server.log").open("wb")
    stack.callback(log.close)
    # gunicorn.conf.py names the app; only the address is ours (loopback, a free port).
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"{services.LOOPBACK}:{port}"]
    # In a session of its own, so cleanup can end its workers too, even after the master.
    child = subprocess.Popen(  # noqa: S603 - the project's own gunicorn, fixed arguments
        command,
        cwd=project.path,
        env=project_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.append(child)
    stack.callback(_kill_if_running, child)
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise StepError(
                f"gunicorn exited {child.returncode} while booting: {_tail(scratch / 'server.log')}"
            )
        with contextlib.suppress(OSError):
            if request(f"http://{services.LOOPBACK}:{port}/healthz").status == 200:
                return f"gunicorn on 127.0.0.1:{port}, pid {child.pid}"
        time.sleep(0.2)
    raise StepError(
        f"no answer on /healthz within {BOOT_SECONDS}s: {_tail(scratch / 'server.log')}"
    )


def _tail(log: Path) -> str:
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["(empty log)"])[-1].strip()[:300]


def _kill_if_running(child: subprocess.Popen[bytes]) -> None:
    """End gunicorn and every worker it started (its process group), whatever state it is in."""
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)
    # Workers outlive a master that was killed; the group is this run's own.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _stop(child: subprocess.Popen[bytes], scratch: Path) -> str:
    child.send_signal(signal.SIGTERM)
    try:
        code = child.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired as error:
        raise StepError(f"gunicorn still running {STOP_SECONDS}s after SIGTERM") from error
    if code != 0:
        raise StepError(f"gunicorn exited {code} after SIGTERM: {_tail(scratch / 'server.log')}")
    return "exited 0"


def _status(url: str, status: int) -> str:
    payload = expect(url, status).body
    return json.dumps(payload, separators=(",", ":"))[:200]


def _docs(base: str, mode: str, env: dict[str, str]) -> str:
    if mode == "off":
        expect(f"{base}/docs", 404)
        return "off: /docs is 404"
    if mode == "basic":
        expect(f"{base}/docs", 401)
        pair = f"{env['DOCS_USERNAME']}:{env['DOCS_PASSWORD']}".encode()
        auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        expect(f"{base}/docs", 200, headers=auth)
        expect(f"{base}/openapi.json", 200, headers=auth)
        return "basic: 401 without credentials, 200 with"
    expect(f"{base}/docs", 200)
    expect(f"{base}/openapi.json", 200)
    return "public: /docs and /openapi.json are 200"


def _round_trip(base: str, *, use_jwt: bool, session: dict[str, str]) -> str:
    headers: dict[str, str] = {}
    if use_jwt:
        email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
        password = secrets.token_urlsafe(16)
        credentials = {"email": email, "password": password}
        expect(f"{base}/auth/signup", 201, body=credentials)
        tokens = cast("dict[str, Any]", expect(f"{base}/auth/login", 200, body=credentials).body)
        session["token"] = str(tokens["access_token"])
        headers["Authorization"] = f"Bearer {session['token']}"
        expect(f"{base}/items", 401)
    created = cast(
        "dict[str, Any]",
        expect(f"{base}/items", 201, headers=headers, body={"title": "smoke test"}).body,
    )
    page = cast("dict[str, Any]", expect(f"{base}/items", 200, headers=headers).body)
    ids = [item.get("id") for item in cast("list[dict[str, Any]]", page.get("items", []))]
    if created.get("id") not in ids:
        raise StepError(f"the created item {created.get('id')} is missing from GET /items")
    steps = "signup, login, " if use_jwt else ""
    return f"{steps}create, list: item {created.get('id')} listed"
