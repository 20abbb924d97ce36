"""The OCI engine the container tier drives: a Docker engine when one answers, else podman.

Both take the same arguments for what the tier does (build, run, exec, inspect, export, rm),
so one `Engine` runs either; the few places they differ ask `engine.kind`. Podman runs with a
containers.conf of our own (`CONTAINERS_CONF`) that fits the machine it is on, so nothing of
the system's configuration is edited.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from stackcraft.errors import CheckFailedError
from stackcraft.process import ToolRun, run_tool
from stackcraft.project import check_env_root

__all__ = ["Engine", "ImageInfo", "cache_dir", "cache_lock", "find_engine"]

# How long an engine may take to say whether it works; a dead Docker socket must not stall us.
_PROBE_SECONDS = 10
# Podman's own defaults (a million open files, as many processes as the host) exceed what a
# container host's hard limits let the runtime set; these fit under them and are plenty for
# one service. NPROC counts the container user's processes host-wide: 4096 was accepted where
# half the host's hard limit was refused (runc's setrlimit: operation not permitted).
_NOFILE = 20000
_NPROC = 4096


def cache_dir() -> Path:
    """Return stackcraft's cache folder (beside the check environments), created if missing."""
    folder = check_env_root().parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def cache_lock(name: str, kind: int = fcntl.LOCK_EX) -> Generator[None]:
    """Hold the lock file `name` in the cache folder, exclusive or shared (`fcntl.LOCK_SH`),
    across processes; the lock goes with the file, even when the process dies.
    """
    with (cache_dir() / name).open("w") as handle:
        fcntl.flock(handle, kind)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class ImageInfo:
    """What `image inspect` says of one image, in the fields both engines share."""

    id: str
    tags: tuple[str, ...]
    size: int
    layers: int
    user: str
    labels: dict[str, str] = field(hash=False)
    healthcheck: tuple[str, ...]


@dataclass(frozen=True)
class Engine:
    """A working container engine: its kind, binary, version and the environment it needs."""

    kind: Literal["docker", "podman"]
    binary: str
    version: str
    env: dict[str, str] = field(hash=False)

    @property
    def label(self) -> str:
        """How reports name it, e.g. `podman 4.3.1`."""
        return f"{self.kind} {self.version}"

    def command(self, *args: str) -> list[str]:
        """The full command line of `engine args...`."""
        return [self.binary, *args]

    def run(self, *args: str, timeout: float = 600, cwd: Path | None = None) -> ToolRun:
        """Run `engine args...` and return what it printed; never raises on a non-zero exit."""
        return run_tool(self.command(*args), cwd=cwd or Path.cwd(), env=self.env, timeout=timeout)

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `engine args...` with its stdout as a pipe (for streams such as `export`)."""
        return subprocess.Popen(  # noqa: S603 - the engine's binary, arguments we built
            self.command(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def remove_container(self, name: str) -> None:
        """Remove container `name`, running or not, and return once the engine has no such one.

        Just after a container exits, podman's own cleanup may still hold it, and a removal
        then fails; it is tried again for a few seconds.
        """
        for _ in range(20):
            self.run("rm", "--force", "--time", "0", name, timeout=120)
            if self.run("container", "inspect", name, timeout=60).returncode != 0:
                return
            time.sleep(0.5)

    def image(self, name: str) -> ImageInfo | None:
        """Return what the engine knows of image `name`, or None when it has no such image."""
        done = self.run("image", "inspect", name, timeout=60)
        if done.returncode != 0:
            return None
        loaded = json.loads(done.stdout)
        if not isinstance(loaded, list) or not loaded:
            return None
        found = cast("dict[str, Any]", cast("list[Any]", loaded)[0])
        config = cast("dict[str, Any]", found.get("Config") or {})
        # Podman puts the healthcheck and labels at the top; Docker under Config.
        health = cast("dict[str, Any]", found.get("Healthcheck") or config.get("Healthcheck") or {})
        labels = cast("dict[str, str]", config.get("Labels") or found.get("Labels") or {})
        rootfs = cast("dict[str, Any]", found.get("RootFS") or {})
        return ImageInfo(
            id=str(found.get("Id", "")),
            tags=tuple(str(tag) for tag in cast("list[Any]", found.get("RepoTags") or [])),
            size=int(found.get("Size") or 0),
            layers=len(cast("list[str]", rootfs.get("Layers") or [])),
            user=str(config.get("User") or ""),
            labels=dict(labels),
            healthcheck=tuple(str(part) for part in cast("list[Any]", health.get("Test") or [])),
        )


def find_engine() -> Engine:
    """Return the engine to use: a Docker engine that answers, else a working podman.

    Raises:
        CheckFailedError: when neither runs here (the message names how to install podman).
    """
    docker = shutil.which("docker")
    if docker is not None:
        env = dict(os.environ)
        version = _probe([docker, "version", "--format", "{{.Server.Version}}"], env)
        if version:
            return Engine(kind="docker", binary=docker, version=version, env=env)
    podman = shutil.which("podman")
    if podman is None:
        raise CheckFailedError(
            "no container engine: no Docker engine answers and podman is not installed "
            "(apt-get install podman runc)"
        )
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(_containers_conf()))
    version = _probe([podman, "version", "--format", "{{.Client.Version}}"], env)
    query = [podman, "info", "--format", "{{.Host.OCIRuntime.Name}}"]
    info = run_tool(query, cwd=Path.cwd(), env=env, timeout=60)
    if not version or info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CheckFailedError(f"podman does not work here: {last}")
    return Engine(kind="podman", binary=podman, version=version, env=env)


def _probe(command: list[str], env: dict[str, str]) -> str:
    """Return what `command` printed when it exits 0 within the probe's time, else ''."""
    try:
        done = subprocess.run(  # noqa: S603 - an engine binary's version query
            command, capture_output=True, text=True, timeout=_PROBE_SECONDS, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _containers_conf() -> Path:
    """Write podman's configuration for this machine; return its path.

    Podman's defaults assume what a desktop has: limits it may raise (it asks for a million
    open files, which a container host's hard limit refuses), crun, and systemd to manage
    cgroups. Here each is set from what the machine has instead.
    """
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = _NOFILE if nofile == resource.RLIM_INFINITY else min(nofile, _NOFILE)
    lines = [
        "# Written by stackcraft for its container tier; the system's configuration is untouched.",
        "[containers]",
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={_NPROC}:{_NPROC}"]',
        "[engine]",
    ]
    if shutil.which("runc") is not None and shutil.which("crun") is None:
        lines.append('runtime = "runc"')
    if not Path("/run/systemd/system").is_dir():
        # No systemd to hand cgroups to, and no journal to log events in.
        lines += ['cgroup_manager = "cgroupfs"', 'events_logger = "file"']
    path = cache_dir() / "containers.conf"
    text = "\n".join(lines) + "\n"
    if not path.is_file() or path.read_text() != text:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text)
        partial.replace(path)
    return path
