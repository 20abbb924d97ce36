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
import re
import secrets
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from stackcraft.errors import CheckFailedError
from stackcraft.project import Project, project_env
from stackcraft.smoke import faults, observability, platform, platform_services, proxy, services
from stackcraft.smoke.fuzz import FuzzBudget, fuzz
from stackcraft.smoke.http import StepError, expect, request
from stackcraft.validators._base import Status

__all__ = [
    "PlatformEnv",
    "PlatformRunner",
    "SmokeReport",
    "Step",
    "fault_steps",
    "platform_services_for",
    "platform_steps",
    "production_env",
    "serve",
    "smoke",
]

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
        platform_env = platform_services_for(
            project, services_mode, stack, database, cache, used, primary=env["DATABASE_URL"]
        )
        env |= platform_env.server
        test_env |= platform_env.tests
        run.record(
            Step(
                name="services",
                status="pass",
                seconds=time.perf_counter() - started,
                detail="; ".join(used) or "none needed (SQLite)",
            )
        )
        telemetry = stack.enter_context(observability.prepared(answers.observability))
        run.step("install", lambda: _install(project))
        run.step("migrate", lambda: _migrate(project, env))
        run.step("tests", lambda: _tests(project, test_env))
        server_env = production_env(env)
        if telemetry is not None:
            server_env |= telemetry.server_env()
        port = services.free_port()
        process: list[subprocess.Popen[bytes]] = []
        run.step("boot", lambda: _boot(project, port, server_env, scratch, process, stack))
        base = f"http://{services.LOOPBACK}:{port}"
        session: dict[str, str] = {}
        run.step("GET /healthz", lambda: _status(f"{base}/healthz", 200))
        run.step("GET /readyz", lambda: _ready(f"{base}/readyz"))
        run.step("HEAD probes", lambda: _head_probes(base))
        run.step("docs", lambda: _docs(base, answers.api_docs, server_env))
        run.step("round trip", lambda: _round_trip(base, use_jwt=use_jwt, session=session))
        headers = {"Authorization": f"Bearer {session['token']}"} if "token" in session else {}
        runner = _LocalRunner(project, server_env, scratch / "worker.log", stack)
        platform_steps(run, project, base, headers, platform_env, runner)
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
        if telemetry is not None:
            pending = observability.pending_reason(project.path, tracing=telemetry.tracing)
            for name, action in observability.steps(
                telemetry,
                project=project.path,
                base=base,
                app_port=port,
                headers=headers,
                log=scratch / "server.log",
                slug=answers.project_slug,
                environment=server_env["ENVIRONMENT"],
                database=answers.database == "postgresql",
            ):
                run.step_or_skip(name, pending, action)
        fault_steps(
            run,
            base,
            headers=headers,
            database=database,
            cache=cache,
            replica=platform_env.replica is not None,
            use_jwt=use_jwt,
        )
        if process:
            run.step("stop (SIGTERM)", lambda: _stop(process[0], scratch), always=True)
    return SmokeReport(project=project.path, steps=tuple(run.steps))


def production_env(env: Mapping[str, str], *, workers: int = 2) -> dict[str, str]:
    """Return `env` plus what the production server needs: fresh secrets, loopback hosts."""
    return dict(env) | {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DOCS_USERNAME": "smoke",
        "DOCS_PASSWORD": secrets.token_urlsafe(24),
        "WEB_CONCURRENCY": str(workers),
        "ALLOWED_HOSTS": f"{services.LOOPBACK},localhost",
    }


def serve(
    project: Project, env: Mapping[str, str], scratch: Path, stack: contextlib.ExitStack
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start the project's gunicorn on a free loopback port, exactly as the boot step does.

    Returns the server's base URL and its master process; the master and its workers are
    stopped when `stack` closes. The server logs to `scratch`/server.log.

    Raises:
        StepError: when gunicorn is missing, exits, or does not answer /healthz in time.
    """
    port = services.free_port()
    process: list[subprocess.Popen[bytes]] = []
    _boot(project, port, dict(env), scratch, process, stack)
    return f"http://{services.LOOPBACK}:{port}", process[0]


@dataclass
class PlatformEnv:
    """What the platform services add to the server's and the tests' environments."""

    server: dict[str, str] = field(default_factory=dict[str, str])
    tests: dict[str, str] = field(default_factory=dict[str, str])
    replica: services.Service | None = None
    replica_problem: str = ""
    sentry: platform_services.SentrySink | None = None


class PlatformRunner(Protocol):
    """How the platform probes start the project's other processes."""

    def start_worker(self) -> tuple[str, Callable[[], int | None]]:
        """Start `<slug> worker`; return what was started and a check of its exit code."""
        ...

    def sentry_check(self, dsn: str) -> tuple[int, str]:
        """Run `<slug> sentry-check` with SENTRY_DSN=`dsn`; return its exit code and output."""
        ...


@dataclass
class _LocalRunner:
    """The worker and the Sentry check as processes of the project's own environment."""

    project: Project
    env: dict[str, str]
    log: Path
    stack: contextlib.ExitStack

    def start_worker(self) -> tuple[str, Callable[[], int | None]]:
        # A metrics port of its own: the default 9808 may be another run's worker's.
        env = {**self.env, "WORKER_METRICS_PORT": str(services.free_port())}
        worker = self.stack.enter_context(platform.worker_process(self.project, env, self.log))
        return f"{self.project.answers.project_slug} worker, pid {worker.pid}", worker.poll

    def sentry_check(self, dsn: str) -> tuple[int, str]:
        slug = self.project.answers.project_slug
        done = self.project.run(slug, "sentry-check", env={**self.env, "SENTRY_DSN": dsn})
        return done.returncode, done.output


def platform_services_for(
    project: Project,
    mode: str,
    stack: contextlib.ExitStack,
    database: services.Service | None,
    cache: services.Service | None,
    used: list[str],
    *,
    primary: str,
) -> PlatformEnv:
    """Find or start what the project's platform services need; say what in `used`."""
    answers = project.answers
    found = PlatformEnv()
    redis_url = cache.url if cache is not None else ""
    if answers.task_queue == "celery":
        if answers.broker == "rabbitmq":
            broker = stack.enter_context(platform_services.rabbitmq(mode))
            broker_url = broker.url
            used.append(f"rabbitmq {'started' if broker.started else 'found'}: {broker_url}")
        else:
            if not redis_url:
                # A Redis of this run's own (auto): two runs sharing one would each have
                # their worker take the other's jobs from the same queue.
                broker = stack.enter_context(services.redis(mode, owned=True))
                redis_url = broker.url
                used.append(f"redis (broker) at {redis_url}")
            broker_url = redis_url.rsplit("/", 1)[0] + "/1"
        found.server["CELERY_BROKER_URL"] = found.tests["CELERY_BROKER_URL"] = broker_url
        if redis_url:
            found.server["CELERY_RESULT_BACKEND"] = redis_url.rsplit("/", 1)[0] + "/2"
    if answers.object_storage == "s3":
        bucket = f"smoke-{uuid.uuid4().hex[:8]}"
        endpoint = stack.enter_context(platform_services.s3_endpoint(bucket))
        s3 = {
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": endpoint.url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "smoke",
            "S3_SECRET_ACCESS_KEY": "smoke",
        }
        found.server |= s3
        found.tests |= s3
        used.append(f"s3 (moto) at {endpoint.url}, bucket {bucket}")
    if answers.spatial:
        problem = platform_services.postgis_problem()
        if problem:
            raise CheckFailedError(problem)
    if answers.read_replica and isinstance(database, services.Postgres):
        try:
            replica = stack.enter_context(platform_services.standby(database))
        except CheckFailedError as error:
            found.replica_problem = f"not run: {error}"
        else:
            found.replica = replica
            # The standby holds the same databases: the primary's URL on the standby's port.
            found.server["DATABASE_REPLICA_URL"] = primary.replace(
                f":{database.port}/", f":{replica.port}/"
            )
            used.append(f"postgresql standby streaming at {replica.url}")
    if answers.error_tracking == "sentry":
        found.sentry = stack.enter_context(platform_services.sentry_sink())
        used.append(f"sentry sink at {found.sentry.dsn}")
    return found


def platform_steps(
    run: _Run,
    project: Project,
    base: str,
    headers: dict[str, str],
    found: PlatformEnv,
    runner: PlatformRunner,
) -> None:
    """Probe each platform service the project has, through the booted server; `runner`
    starts the worker and runs the Sentry check (as local processes, or in containers)."""
    answers = project.answers
    if answers.task_queue == "celery":
        exited: list[Callable[[], int | None]] = []

        def start_worker() -> str:
            said, check = runner.start_worker()
            exited.append(check)
            return said

        run.step("worker", start_worker)
        run.step("job", lambda: platform.job_completes(base, headers, exited[0]))
    if answers.realtime == "sse":
        run.step("events", lambda: platform.sse_delivers(base, headers))
    if answers.object_storage == "s3":
        run.step("attachments", lambda: platform.attachment_round_trip(base, headers))
    if answers.spatial:
        run.step("nearby", lambda: platform.nearby_finds_the_near_item(base, headers))
    if answers.read_replica:
        replica = found.replica
        run.step_or_skip(
            "replica",
            found.replica_problem,
            lambda: platform.replica_serves_lists(base, headers, _present(replica)),
        )
    if found.sentry is not None:
        sink = found.sentry
        run.step("sentry", lambda: platform.sentry_receives(sink, runner.sentry_check))


def _present(service: services.Service | None) -> services.Service:
    if service is None:
        raise StepError("no replica was started")
    return service


def fault_steps(
    run: _Run,
    base: str,
    *,
    headers: dict[str, str],
    database: services.Service | None,
    cache: services.Service | None,
    replica: bool,
    use_jwt: bool,
) -> None:
    """Stop the database, then Redis, under the app at `base` and start each again: a
    step each for the services this variant uses, skipped for one this run did not start."""
    if database is not None:
        run.step_or_skip(
            "fault: database",
            _not_ours(database),
            lambda: faults.database_outage(database, base, headers=headers, replica=replica),
        )
    if cache is not None:
        run.step_or_skip(
            "fault: redis",
            _not_ours(cache),
            lambda: faults.redis_outage(cache, base, headers=headers, use_jwt=use_jwt),
        )


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
    """Return the most telling line of a failed pytest run: an error, a failure, the summary,
    followed by the last exception the failing tests logged, if any (a 500's cause)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for marker in ("FAILED ", "ERROR ", "INTERNALERROR", "Error", "error"):
        found = next((line for line in lines if marker in line), None)
        if found:
            raised = [line for line in lines if _RAISED.match(line)]
            return found[:300] + (f" (raised: {raised[-1][:300]})" if raised else "")
    return lines[-1][:300] if lines else "(no output)"


# The last line of a traceback in captured logs: "package.SomeError: message"; assertions
# are the test's own failure, already named.
_RAISED = re.compile(r"^(?!E\s|AssertionError)[A-Za-z_][\w.]*(Error|Exception): ")


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


# How long a freshly booted service may take to report ready, as an orchestrator's
# readiness probe would retry it; and the pause between probes.
READY_DEADLINE_SECONDS = 15.0
READY_INTERVAL_SECONDS = 0.5


def _ready(url: str) -> str:
    """Probe /readyz until it answers 200, within READY_DEADLINE_SECONDS; say how many
    probes that took when more than one (a dependency slow to answer its first check)."""
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    probes = 0
    while True:
        probes += 1
        try:
            detail = _status(url, 200)
        except StepError:
            if time.monotonic() + READY_INTERVAL_SECONDS > deadline:
                raise
            time.sleep(READY_INTERVAL_SECONDS)
            continue
        return detail if probes == 1 else f"{detail} (after {probes} probes)"


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
