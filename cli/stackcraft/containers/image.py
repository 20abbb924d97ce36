"""Build a project's image, say where a failed build stopped, and check what the image holds.

The build runs the project's Dockerfile unchanged. Podman is asked for Docker's image
format (the OCI format has no HEALTHCHECK, so podman would drop it) and never to pull: base
images are made present beforehand (`standins`). Layers are kept as a normal build keeps
them, so the layer count is the one the Dockerfile gives; every image the build made is
removed afterwards unless another image still needs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import re
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stackcraft.containers.engine import Engine, cache_lock
from stackcraft.errors import CheckFailedError
from stackcraft.process import run_tool

__all__ = [
    "Build",
    "BuildFailedError",
    "build_failure",
    "build_image",
    "dev_only_packages",
    "image_problems",
    "problems_in",
    "remove_build",
]

BUILD_SECONDS = 900

# Podman: `[2/3] STEP 7/8: COPY x /app/` (the stage part only in multi-stage builds).
_PODMAN_STEP = re.compile(r"^(?:\[(\d+)/(\d+)\] )?STEP (\d+)/(\d+): (.+)$")
# Docker BuildKit: ` > [builder 7/8] COPY x /app/:` above its error.
_DOCKER_STEP = re.compile(r"^\s*>\s*\[([^\]]+)\]\s+(.+?):?$")
_PODMAN_ERROR = re.compile(r'^Error: building at STEP "(.+?)": (.+)$')
_CREATED = re.compile(r"^--> (?:Using cache )?([0-9a-f]{11,64})$")
# What uv, pip and apt print when the package index did not answer in time or at all: a
# build that failed so is tried once more (its cached layers make that cheap).
_NETWORK_FAILURE = re.compile(
    r"operation timed out|error sending request|dns error|connection (?:reset|refused)"
    r"|Temporary failure resolving|Failed to fetch|Read timed out",
    re.IGNORECASE,
)
# Podman, when a layer a build was about to start its next step from was removed meanwhile
# (another build's cleanup): the build is tried once more, and rebuilds the layer.
_VANISHED_LAYER = re.compile(r"creating build container: [0-9a-f]+: image not known")
# Held shared by every build, exclusively by the removal of untagged layers, across the
# processes of a prove: a layer is never removed while another build may take it from cache.
_LAYERS_LOCK = "image-layers.lock"
_COMPILERS = re.compile(
    r"^(?:[\w-]+-linux-gnu-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|cpp|tcc|gfortran)(?:-[\d.]+)?$"
)
_BIN_DIRS = ("usr/bin", "usr/local/bin", "bin", "usr/sbin", "usr/local/sbin")
_DIST_INFO = re.compile(r"/site-packages/([^/]+?)-[^/-]+\.dist-info(?:/|$)")


@dataclass(frozen=True)
class Build:
    """A finished build: its tag, every image id it printed (for removal), and, when a
    first attempt failed on the network or lost a cached layer, why it was tried again."""

    tag: str
    images: tuple[str, ...]
    seconds: float
    retried: str = ""


class BuildFailedError(CheckFailedError):
    """The build stopped; the message names the Dockerfile instruction and why.

    `build` holds what the build made before it stopped, so it can still be removed.
    """

    def __init__(self, *, output: str, build: Build) -> None:
        self.build = build
        super().__init__(build_failure(output))


def build_image(engine: Engine, project: Path, tag: str) -> Build:
    """Build `project`'s Dockerfile as `tag` and return the build.

    Raises:
        BuildFailedError: naming the instruction the build stopped at and the reason.
    """
    if engine.kind == "podman":
        args = ["build", "--format", "docker", "--pull=never", "--layers", "-t", tag, "."]
    else:
        args = ["build", "-t", tag, "."]
    with cache_lock(_LAYERS_LOCK, fcntl.LOCK_SH):
        done = engine.run(*args, cwd=project, timeout=BUILD_SECONDS)
        images = _created(done.output)
        retried = ""
        if done.returncode != 0 and (
            _NETWORK_FAILURE.search(done.output) or _VANISHED_LAYER.search(done.output)
        ):
            retried = build_failure(done.output)
            first = done.seconds
            done = engine.run(*args, cwd=project, timeout=BUILD_SECONDS)
            images += _created(done.output)
            done = dataclasses.replace(done, seconds=first + done.seconds)
    built = Build(tag=tag, images=images, seconds=done.seconds, retried=retried)
    if done.returncode != 0:
        raise BuildFailedError(output=done.output, build=built)
    return built


def _created(output: str) -> tuple[str, ...]:
    return tuple(found.group(1) for line in output.splitlines() if (found := _CREATED.match(line)))


def build_failure(output: str) -> str:
    """Return one line naming the Dockerfile instruction a failed build stopped at, and why."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    step, where, after = "", "", 0
    for index, line in enumerate(lines):
        podman = _PODMAN_STEP.match(line)
        docker = _DOCKER_STEP.match(line)
        if podman is not None:
            stage = f"stage {podman.group(1)}/{podman.group(2)}, " if podman.group(1) else ""
            step, where = podman.group(5), f"{stage}step {podman.group(3)}/{podman.group(4)}"
            after = index + 1
        elif docker is not None:
            step, where, after = docker.group(2), docker.group(1), index + 1
    error = next((line for line in reversed(lines) if line.startswith(("Error:", "ERROR:"))), "")
    failed = _PODMAN_ERROR.match(error)
    if failed is not None:
        step, reason = failed.group(1), failed.group(2)
    else:
        reason = error.removeprefix("ERROR:").removeprefix("Error:").strip()
    if step.upper().startswith("RUN"):
        # The command's own last words say more than "exit status 1".
        said = [line.strip() for line in lines[after:] if not line.startswith(("Error:", "ERROR:"))]
        if said:
            reason = f"{reason}; it printed: {said[-1][:200]}"
    if not step:
        return f"the build failed: {reason or (lines[-1] if lines else '(no output)')}"[:500]
    # Mount flags make a RUN line long and say nothing about what failed.
    shown = re.sub(r"\s*--mount=\S+", "", step)
    return f'the build stopped at "{shown}" ({where}): {reason or "(no reason printed)"}'[:500]


def remove_build(engine: Engine, build: Build) -> None:
    """Remove the built image and the untagged layers it made that no other image needs.

    A build also prints the ids of the images it starts from; those carry tags (base images,
    stand-ins) and are never removed.
    """
    for _ in range(10):
        if engine.run("rmi", build.tag, timeout=120).returncode == 0 or not engine.image(build.tag):
            break
        time.sleep(0.5)  # a container of it may still be on its way out
    # Newest first, so each one's parent is a leaf when its turn comes; an image another
    # image still uses refuses (no --force) and stays. Not while another build runs: it may
    # be about to start a step from one of these layers, found in its cache.
    with cache_lock(_LAYERS_LOCK):
        for image in reversed(build.images):
            info = engine.image(image)
            if info is not None and not info.tags:
                engine.run("rmi", image, timeout=120)


def dev_only_packages(project: Path) -> set[str]:
    """Return the (normalised) names that the lock installs with dev groups only.

    Raises:
        CheckFailedError: when uv cannot read the project's lock.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise CheckFailedError("uv is not installed: pip install uv")
    sets: list[set[str]] = []
    for groups in ("--all-groups", "--no-dev"):
        done = run_tool(
            [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", groups],
            cwd=project,
            timeout=120,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise CheckFailedError(f"uv export in '{project}' failed: {last}")
        sets.append(_requirement_names(done.stdout))
    return sets[0] - sets[1]


def _requirement_names(text: str) -> set[str]:
    names: set[str] = set()
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==", line)
        if found:
            names.add(_normalise(found.group(1)))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def image_problems(engine: Engine, tag: str, *, dev_only: set[str]) -> list[str]:
    """Return what the final image must not hold and does (empty when clean).

    It must not hold a dev-only package of the lock, a compiler, uv or uv's cache, nor a
    `.env` file. The image's files are read from a container's export, so it works alike
    on Docker and podman.

    Raises:
        CheckFailedError: when the engine cannot create or export a container of `tag`.
    """
    created = engine.run("create", tag, timeout=120)
    if created.returncode != 0:
        last = (created.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CheckFailedError(f"{engine.kind} create {tag} failed: {last}")
    container = created.stdout.strip().splitlines()[-1]
    try:
        names = _exported_names(engine, container)
    finally:
        engine.remove_container(container)
    return problems_in(names, dev_only=dev_only)


def _exported_names(engine: Engine, container: str) -> list[str]:
    process = engine.popen("export", container)
    names: list[str] = []
    try:
        if process.stdout is None:
            raise CheckFailedError(f"{engine.kind} export {container} gave no output")
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            names = [member.name for member in archive]
    except tarfile.TarError as error:
        raise CheckFailedError(f"{engine.kind} export {container}: {error}") from error
    finally:
        with contextlib.suppress(OSError):
            if process.stdout is not None:
                process.stdout.close()
        process.wait(timeout=120)
    return names


def problems_in(names: list[str], *, dev_only: set[str]) -> list[str]:
    """Return the problems among the paths of an image's file system (tar member names)."""
    dev: set[str] = set()
    compilers: list[str] = []
    caches: set[str] = set()
    uv: list[str] = []
    dotenv: list[str] = []
    for raw in names:
        path = "/" + raw.removeprefix("./").lstrip("/")
        pure = PurePosixPath(path)
        listed = _DIST_INFO.search(path)
        if listed and _normalise(listed.group(1)) in dev_only:
            dev.add(_normalise(listed.group(1)))
        parent = str(pure.parent).lstrip("/")
        if parent in _BIN_DIRS and _COMPILERS.match(pure.name):
            compilers.append(path)
        if parent in _BIN_DIRS and pure.name in ("uv", "uvx"):
            uv.append(path)
        cache = re.search(r"^(.*?/\.cache/uv)(?:/|$)", path)
        if cache:
            caches.add(cache.group(1))
        if "/site-packages/" not in path and (
            pure.name == ".env" or (pure.name.startswith(".env.") and pure.name != ".env.example")
        ):
            dotenv.append(path)
    problems: list[str] = []
    if dev:
        problems.append(f"dev dependencies ({', '.join(sorted(dev))})")
    if compilers:
        problems.append(f"a compiler ({', '.join(sorted(compilers)[:3])})")
    if uv:
        problems.append(f"uv ({', '.join(sorted(uv))})")
    if caches:
        problems.append(f"uv's cache ({', '.join(sorted(caches))})")
    if dotenv:
        problems.append(f"a .env file ({', '.join(sorted(dotenv)[:3])})")
    return problems
