"""`stackcraft smoke --container`: build the project's image and run it as production does.

The image is built from the project's Dockerfile, unchanged, by a real OCI engine (Docker
when an engine answers, else podman) on base images that are pulled or, offline, made
locally as stand-ins (`containers.standins`). Then, as `compose.yaml` with
`compose.prod.yaml` runs it: the migration as a one-shot container, then the app container
with a read-only root file system, a `/tmp` tmpfs, the image's own user and command and no
added capability, against the smoke harness's PostgreSQL and Redis. The containers share
the host's network so they reach those loopback-only servers; gunicorn is told to bind
loopback (GUNICORN_CMD_ARGS) rather than every address of the host.

The probes, the step runner and the report are the smoke tier's own (`smoke.run`), so both
tiers check the same things the same way; the steps that prove the source rather than the
image (install, tests, fuzz) are left to that tier.
"""

# pyright: reportPrivateUsage=false
# The smoke tier's step runner and probes are private to run.py, which had no other user;
# this tier reuses them as they are rather than keep a copy that could drift.

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from stackcraft.containers.engine import Engine, find_engine
from stackcraft.containers.image import (
    BuildFailedError,
    build_image,
    dev_only_packages,
    image_problems,
    remove_build,
)
from stackcraft.containers.standins import (
    NoBaseImageError,
    base_image_names,
    ensure_base_images,
    final_base,
    python_unavailable,
)
from stackcraft.errors import CheckFailedError
from stackcraft.project import Project
from stackcraft.smoke import services
from stackcraft.smoke.http import StepError, request
from stackcraft.smoke.run import (
    BOOT_SECONDS,
    SmokeReport,
    Step,
    _docs,
    _head_probes,
    _ready,
    _round_trip,
    _Run,
    _status,
    _tail,
    _through_proxy,
    fault_steps,
    platform_services_for,
    platform_steps,
)

__all__ = ["GRACE_SECONDS", "not_applicable", "smoke_container", "unavailable"]

# compose.prod.yaml's stop_grace_period: the time SIGTERM gets before a SIGKILL.
GRACE_SECONDS = 30
_MIGRATE_SECONDS = 300
_MEGABYTE = 1_000_000


def unavailable(python_version: str) -> str:
    """Return why no image of a project on `python_version` can be built here, or ''.

    Lets `prove` skip such a variant before rendering it.

    Raises:
        CheckFailedError: when no container engine works here.
    """
    return python_unavailable(find_engine(), python_version)


def not_applicable(report: SmokeReport) -> str:
    """Return the reason a container run skipped its image (no base image here), or ''."""
    return next(
        (s.detail for s in report.steps if s.name == "base images" and s.status == "skip"), ""
    )


def smoke_container(
    project: Project,
    *,
    services_mode: str = "auto",
    on_step: Callable[[Step], None] | None = None,
) -> SmokeReport:
    """Build `project`'s image, run it as production does, probe it, stop it; return the steps.

    Every container, volume and image this run made is removed afterwards, whatever failed.
    When a base image can be neither pulled nor made here, the run stops after saying so
    (a skip, not a failure).

    Raises:
        CheckFailedError: only when a backing service cannot be found or started, or a
            SQLite project's compose.yaml gives its migrate service no DATABASE_URL.
    """
    run = _Run(project=project, on_step=on_step)
    answers = project.answers
    use_jwt = answers.auth == "jwt"
    run_id = uuid.uuid4().hex[:10]
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stackcraft-ctr-")))
        found: list[Engine] = []
        run.step("engine", lambda: _engine(found))
        if run.failed:
            return SmokeReport(project=project.path, steps=tuple(run.steps))
        engine = found[0]
        if not _base_images(run, engine, project):
            return SmokeReport(project=project.path, steps=tuple(run.steps))
        tag = f"localhost/stackcraft-smoke/{answers.project_slug}:{run_id}"
        run.step("build", lambda: _build(engine, project, tag, stack))
        run.step("image", lambda: _image(engine, project, tag))
        run.step("image contents", lambda: _contents(engine, project, tag))

        env: dict[str, str] = {}
        database: services.Service | None = None
        cache: services.Service | None = None
        started = time.perf_counter()
        used: list[str] = []
        scheme = "postgresql" if answers.framework == "django" else "postgresql+asyncpg"
        if answers.database == "postgresql":
            server = stack.enter_context(services.postgres(services_mode, owned=True))
            database = server
            env["DATABASE_URL"] = server.database(scheme)
            used.append(f"postgresql {'started' if server.started else 'found'} at {server.url}")
        else:
            env["DATABASE_URL"] = _compose_database_url(project)
        if answers.cache == "redis":
            cache = stack.enter_context(services.redis(services_mode, owned=True))
            env["REDIS_URL"] = cache.url
            used.append(f"redis {'started' if cache.started else 'found'} at {cache.url}")
        platform_env = platform_services_for(
            project, services_mode, stack, database, cache, used, primary=env["DATABASE_URL"]
        )
        env |= platform_env.server
        run.record(
            Step(
                name="services",
                status="pass",
                seconds=time.perf_counter() - started,
                detail="; ".join(used) or "none needed (SQLite, on a volume as in compose)",
            )
        )
        port = services.free_port()
        env |= {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DOCS_USERNAME": "smoke",
            "DOCS_PASSWORD": secrets.token_urlsafe(24),
            "WEB_CONCURRENCY": "2",
            "ALLOWED_HOSTS": f"{services.LOOPBACK},localhost",
            "PORT": str(port),
            "GUNICORN_CMD_ARGS": f"--bind {services.LOOPBACK}:{port}",
        }
        if answers.observability != "none":
            # Production refuses an open /metrics (compose hands the app the .env's token).
            env["METRICS_TOKEN"] = secrets.token_urlsafe(32)
        env_file = scratch / "app.env"
        env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        env_file.chmod(0o600)
        shared = _production_flags(engine, answers.database == "sqlite", run_id, env_file, stack)

        run.step("migrate", lambda: _migrate(engine, tag, shared, answers.project_slug))
        container: list[str] = []
        name = f"stackcraft-smoke-{run_id}"
        run.step("boot", lambda: _boot(engine, tag, shared, name, port, scratch, container, stack))
        run.step("runs as", lambda: _runs_as(engine, name, tag))
        base = f"http://{services.LOOPBACK}:{port}"
        session: dict[str, str] = {}
        run.step("GET /healthz", lambda: _status(f"{base}/healthz", 200))
        run.step("GET /readyz", lambda: _ready(f"{base}/readyz"))
        run.step("HEAD probes", lambda: _head_probes(base))
        run.step("docs", lambda: _docs(base, answers.api_docs, env))
        run.step("round trip", lambda: _round_trip(base, use_jwt=use_jwt, session=session))
        counters = 1 if answers.cache == "redis" else int(env["WEB_CONCURRENCY"])
        run.step("proxy", lambda: _through_proxy(project, port, use_jwt, counters))
        run.step("HEALTHCHECK", lambda: _healthcheck(engine, name))
        headers = {"Authorization": f"Bearer {session['token']}"} if "token" in session else {}
        runner = _ContainerRunner(engine, tag, shared, answers.project_slug, run_id, scratch, stack)
        platform_steps(run, project, base, headers, platform_env, runner)
        fault_steps(
            run,
            base,
            headers=headers,
            database=database,
            cache=cache,
            replica=platform_env.replica is not None,
            use_jwt=use_jwt,
        )
        if container:
            run.step("stop (SIGTERM)", lambda: _stop(engine, name, scratch), always=True)
    return SmokeReport(project=project.path, steps=tuple(run.steps))


def _engine(found: list[Engine]) -> str:
    engine = find_engine()
    found.append(engine)
    if engine.kind == "docker":
        return f"{engine.label} (a Docker engine answered)"
    conf = engine.env.get("CONTAINERS_CONF", "")
    return f"{engine.label} (no Docker engine answered; CONTAINERS_CONF={conf})"


def _base_images(run: _Run, engine: Engine, project: Project) -> bool:
    """Record the base-image step; return whether the build can go on."""
    started = time.perf_counter()
    dockerfile = project.path / "Dockerfile"
    try:
        if not dockerfile.is_file():
            raise StepError("the project has no Dockerfile")
        had = ensure_base_images(engine, base_image_names(dockerfile.read_text()))
    except NoBaseImageError as missing:
        run.record(Step("base images", "skip", time.perf_counter() - started, str(missing)))
        return False
    except (StepError, CheckFailedError) as error:
        run.record(Step("base images", "fail", time.perf_counter() - started, str(error)))
        run.failed = True
        return False
    detail = "; ".join(str(image) for image in had)
    run.record(Step("base images", "pass", time.perf_counter() - started, detail))
    return True


def _build(engine: Engine, project: Project, tag: str, stack: contextlib.ExitStack) -> str:
    try:
        built = build_image(engine, project.path, tag)
    except BuildFailedError as failed:
        stack.callback(remove_build, engine, failed.build)
        raise
    stack.callback(remove_build, engine, built)
    said = f"{tag} by {engine.kind} build in {built.seconds:.1f}s"
    if built.retried:
        said += f", tried twice: the first stopped ({built.retried})"
    return said


def _image(engine: Engine, project: Project, tag: str) -> str:
    info = engine.image(tag)
    if info is None:
        raise StepError(f"{tag} is not in the engine after its build")
    if info.user.split(":")[0] in ("", "0", "root"):
        raise StepError(f"the image runs as {info.user or 'root (no USER)'}: set a non-root USER")
    own = ""
    base = final_base((project.path / "Dockerfile").read_text())
    base_info = engine.image(base) if base else None
    if base_info is not None:
        own = f" ({base_info.layers} from {base}, {info.layers - base_info.layers} its own)"
    return f"{info.size / _MEGABYTE:.0f} MB, {info.layers} layers{own}, user {info.user}"


def _contents(engine: Engine, project: Project, tag: str) -> str:
    dev_only = dev_only_packages(project.path)
    problems = image_problems(engine, tag, dev_only=dev_only)
    if problems:
        raise StepError(f"the final image holds {'; '.join(problems)}")
    return f"none of the {len(dev_only)} dev-only packages, no compiler, no uv or uv cache, no .env"


def _compose_database_url(project: Project) -> str:
    """Return the SQLite DATABASE_URL compose.yaml gives the app (a file on its volume)."""
    compose = project.path / "compose.yaml"
    try:
        loaded: Any = yaml.safe_load(compose.read_text())
        environment = cast("dict[str, Any]", loaded["services"]["migrate"]["environment"])
        return str(environment["DATABASE_URL"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise CheckFailedError(
            f"no DATABASE_URL for the migrate service in '{compose}': {error}"
        ) from error


def _production_flags(
    engine: Engine, sqlite: bool, run_id: str, env_file: Path, stack: contextlib.ExitStack
) -> list[str]:
    """The `run` flags compose.prod.yaml gives the app and the migration.

    Host networking (see the module's docstring) and the environment come on top; nothing
    else is changed: no capability added, the image's user and command.
    """
    # The container's own /tmp, in memory, as compose.prod.yaml mounts it.
    tmpfs = ["--tmpfs", "/tmp"]  # noqa: S108 - a path inside the container, not ours
    flags = ["--network", "host", "--read-only", *tmpfs, "--env-file", str(env_file)]
    if sqlite:
        # compose.yaml keeps SQLite on the app-data volume, the only writable path in /app.
        volume = f"stackcraft-smoke-{run_id}"
        flags += ["--volume", f"{volume}:/app/data"]
        stack.callback(engine.run, "volume", "rm", "-f", volume, timeout=120)
    return flags


def _migrate(engine: Engine, tag: str, flags: list[str], slug: str) -> str:
    # compose.yaml's migrate service: the app's image and settings, its own command, no
    # healthcheck, removed once it exits.
    done = engine.run(
        "run", "--rm", "--no-healthcheck", *flags, tag, slug, "migrate", timeout=_MIGRATE_SECONDS
    )
    if done.returncode != 0:
        lines = [line for line in done.output.splitlines() if line.strip()]
        said = [line for line in lines if "systemd" not in line] or ["(no output)"]
        raise StepError(f"`{slug} migrate` exited {done.returncode}: {said[-1].strip()[:300]}")
    return f"`{slug} migrate` exited 0 in a read-only container"


def _boot(
    engine: Engine,
    tag: str,
    flags: list[str],
    name: str,
    port: int,
    scratch: Path,
    container: list[str],
    stack: contextlib.ExitStack,
) -> str:
    extra = ["--health-interval", "2s"] if engine.kind == "docker" else []
    done = engine.run("run", "--detach", "--name", name, *extra, *flags, tag, timeout=120)
    if done.returncode != 0:
        raise StepError(f"{engine.kind} run exited {done.returncode}: {_last(done.stderr)}")
    stack.callback(engine.remove_container, name)
    deadline = time.monotonic() + BOOT_SECONDS
    checked = 0.0
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if request(f"http://{services.LOOPBACK}:{port}/healthz").status == 200:
                container.append(name)  # up: from here on it is stopped with SIGTERM
                return f"{name}: the image's CMD, answering on 127.0.0.1:{port}"
        if time.monotonic() - checked > 1:
            checked = time.monotonic()
            state = engine.run("inspect", "--format", "{{.State.Status}}", name, timeout=60)
            if state.stdout.strip() in ("exited", "stopped", "dead"):
                code = engine.run("inspect", "--format", "{{.State.ExitCode}}", name, timeout=60)
                raise StepError(
                    f"the container exited {code.stdout.strip()} while booting: "
                    f"{_logs_tail(engine, name, scratch)}"
                )
        time.sleep(0.2)
    raise StepError(
        f"no answer on /healthz within {BOOT_SECONDS}s: {_logs_tail(engine, name, scratch)}"
    )


_PROBE = (
    "import errno, os\n"
    "try:\n"
    "    open('/app/.stackcraft-probe', 'w')\n"
    "    root = 'writable'\n"
    "except OSError as e:\n"
    "    root = 'read-only' if e.errno == errno.EROFS else errno.errorcode[e.errno]\n"
    "open('/tmp/.stackcraft-probe', 'w').close()\n"
    "print(os.getuid(), os.getgid(), root)\n"
)


def _runs_as(engine: Engine, name: str, tag: str) -> str:
    done = engine.run("exec", name, "python", "-c", _PROBE, timeout=60)
    if done.returncode != 0:
        raise StepError(f"a probe inside the container failed: {_last(done.output)}")
    uid, gid, root = done.stdout.split()[-3:]
    info = engine.image(tag)
    user = info.user if info is not None else ""
    if uid == "0":
        raise StepError("the app runs as root (uid 0) inside the container")
    if user and user.split(":")[0].isdigit() and user.split(":")[0] != uid:
        raise StepError(f"the app runs as uid {uid}, not the image's user {user}")
    if root != "read-only":
        raise StepError(f"/app in the container is {root}, not read-only")
    return f"uid {uid} gid {gid} (the image's USER), root file system read-only, /tmp writable"


def _healthcheck(engine: Engine, name: str) -> str:
    test = engine.run("inspect", "--format", "{{json .Config.Healthcheck}}", name, timeout=60)
    command = _healthcheck_command(test.stdout)
    if not command:
        raise StepError("the image has no HEALTHCHECK")
    if engine.kind == "podman":
        # Podman 4.3 runs no periodic checks without systemd; this runs the image's one now.
        done = engine.run("healthcheck", "run", name, timeout=60)
        if done.returncode != 0:
            raise StepError(f"`{command}` failed in the container: {_health_output(engine, name)}")
        return f"healthy: `{command}` exited 0 inside the container"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = engine.run("inspect", "--format", "{{.State.Health.Status}}", name, timeout=60)
        status = state.stdout.strip()
        if status == "healthy":
            return f"docker says healthy: `{command}`"
        if status == "unhealthy":
            raise StepError(f"docker says unhealthy: {_health_output(engine, name)}")
        time.sleep(1)
    raise StepError("docker reported no health status within 60s")


def _healthcheck_command(inspected: str) -> str:
    try:
        loaded: Any = json.loads(inspected) if inspected.strip() else None
    except json.JSONDecodeError:
        return ""
    if not isinstance(loaded, dict):
        return ""
    test = [
        str(part) for part in cast("list[Any]", cast("dict[str, Any]", loaded).get("Test") or [])
    ]
    if not test or test[0] == "NONE":
        return ""
    command = " ".join(test[1:])
    return command if len(command) <= 60 else command[:57] + "..."


def _health_output(engine: Engine, name: str) -> str:
    done = engine.run("inspect", "--format", "{{json .State.Health}}", name, timeout=60)
    try:
        loaded: Any = json.loads(done.stdout)
        log = cast("list[dict[str, Any]]", loaded["Log"])
        return _last(str(log[-1]["Output"])) if log else "(no output)"
    except (json.JSONDecodeError, KeyError, TypeError, IndexError):
        return _last(done.output)


@dataclass
class _ContainerRunner:
    """The worker and the Sentry check as containers of the project's image, run with the
    app container's production flags and the command compose.prod.yaml gives them."""

    engine: Engine
    tag: str
    flags: list[str]
    slug: str
    run_id: str
    scratch: Path
    stack: contextlib.ExitStack

    def start_worker(self) -> tuple[str, Callable[[], int | None]]:
        name = f"stackcraft-smoke-worker-{self.run_id}"
        # On the host's network, a metrics port of its own: the default 9808 may be another
        # run's worker's (prove -j 2 runs two at once).
        metrics_port = f"WORKER_METRICS_PORT={services.free_port()}"
        done = self.engine.run(
            "run", "--detach", "--no-healthcheck", "--name", name, *self.flags,
            "--env", metrics_port, self.tag, self.slug, "worker", timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            said = _last(done.stderr)
            raise StepError(f"{self.engine.kind} run exited {done.returncode}: {said}")
        self.stack.callback(self.engine.remove_container, name)

        def exited() -> int | None:
            state = self.engine.run("inspect", "--format", "{{.State.Status}}", name, timeout=60)
            if state.stdout.strip() not in ("exited", "stopped", "dead"):
                return None
            code = self.engine.run("inspect", "--format", "{{.State.ExitCode}}", name, timeout=60)
            # What the worker said before it exited is the step's message.
            raise StepError(
                f"the worker container exited {code.stdout.strip() or '?'}: "
                f"{_logs_tail(self.engine, name, self.scratch)}"
            )

        return f"{name}: `{self.slug} worker` in a read-only container", exited

    def sentry_check(self, dsn: str) -> tuple[int, str]:
        done = self.engine.run(
            "run", "--rm", "--no-healthcheck", *self.flags, "--env", f"SENTRY_DSN={dsn}",
            self.tag, self.slug, "sentry-check", timeout=120,
        )  # fmt: skip
        return done.returncode, done.output


def _stop(engine: Engine, name: str, scratch: Path) -> str:
    started = time.perf_counter()
    engine.run("kill", "--signal", "TERM", name, timeout=60)
    try:
        waited = engine.run("wait", name, timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired as error:
        raise StepError(
            f"still running {GRACE_SECONDS}s after SIGTERM (compose's stop_grace_period)"
        ) from error
    seconds = time.perf_counter() - started
    said = waited.stdout.strip().splitlines()
    code = said[-1].strip() if said else "?"
    if code != "0":
        raise StepError(f"exited {code} after SIGTERM: {_logs_tail(engine, name, scratch)}")
    return f"exited 0, {seconds:.1f}s after SIGTERM (grace {GRACE_SECONDS}s)"


def _logs_tail(engine: Engine, name: str, scratch: Path) -> str:
    log = scratch / f"{name}.log"
    log.write_text(engine.run("logs", name, timeout=60).output)
    return _tail(log)


def _last(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and "systemd" not in line]
    return lines[-1][:300] if lines else "(no output)"
