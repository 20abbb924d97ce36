"""The base images a Dockerfile names: pulled when a registry answers, else local stand-ins.

Where no registry answers (as on the template's own test machines), stackcraft makes the
images from Debian packages and uv's own release, and tags them with the names the
Dockerfile uses, so the Dockerfile builds unchanged:

- `python:<version>-slim`: `debootstrap --variant=minbase` of the Debian release that ships
  that Python (trixie: 3.13), with `python` on PATH as in the official image. It carries this
  machine's CA bundle and `SSL_CERT_FILE`, so a builder stage reaches the package index
  through whatever TLS this machine's network puts in the way.
- `ghcr.io/astral-sh/uv:<version>`: `/uv` and `/uvx` of that exact uv release, as the
  official image holds them.

A stand-in is labelled with a hash of everything that went into it (recipe, Debian suite,
mirror, packages, CA bundle, uv binaries); it is built once and used again while the hash
holds. Reports always say which images are stand-ins.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from stackcraft.containers.engine import Engine, cache_dir, cache_lock
from stackcraft.errors import CheckFailedError
from stackcraft.process import run_tool

__all__ = [
    "DEBIAN_PYTHONS",
    "LABEL",
    "BaseImage",
    "NoBaseImageError",
    "base_image_names",
    "ensure_base_images",
    "final_base",
    "python_unavailable",
    "registry_answers",
]

LABEL = "io.stackcraft.stand-in"
# The Debian release whose `python3` is each Python version; others have no stand-in.
DEBIAN_PYTHONS = {"3.13": "trixie"}
MIRROR = "http://deb.debian.org/debian"
_DESCRIPTION = "org.opencontainers.image.description"
# Bumped whenever the recipe changes in a way the other inputs of the hash do not show.
_RECIPE = "stackcraft-python-minbase-2"
_PACKAGES = ("python3", "python-is-python3", "ca-certificates")
# Documentation, manuals, translations and apt's downloads: not in the official slim image.
_TRIMMED = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale")
_HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
_PYTHON = re.compile(r"^(?:(?:docker\.io|index\.docker\.io)/)?(?:library/)?python:(\d+\.\d+)-slim$")
_UV = re.compile(r"^ghcr\.io/astral-sh/uv:(\d+\.\d+\.\d+)$")
_REGISTRY_SECONDS = 3.0
_PULL_SECONDS = 600
_BUILD_SECONDS = 1200
# Who covers what no stand-in can: said in every skip.
_COVERED_ELSEWHERE = (
    "the generated project's GitHub workflow (its `image` job, and the template's `docker` job "
    "over the pairwise set) builds it with Docker against the real image"
)


class NoBaseImageError(CheckFailedError):
    """A base image can be neither pulled nor made here; the message says why and who covers it."""

    def __init__(self, *, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"{name}: {reason}; {_COVERED_ELSEWHERE}")


@dataclass(frozen=True)
class BaseImage:
    """How one base image was had: already present, pulled, or a local stand-in."""

    name: str
    origin: Literal["present", "pulled", "stand-in"]
    detail: str
    seconds: float

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"


def base_image_names(dockerfile: str) -> list[str]:
    """Return the images a Dockerfile's FROM lines name, leaving out its own stage names."""
    stages: set[str] = set()
    names: list[str] = []
    for line in dockerfile.splitlines():
        words = line.split()
        if len(words) < 2 or words[0].upper() != "FROM":
            continue
        image = next((w for w in words[1:] if not w.startswith("--")), "")
        if image and image.lower() not in stages and image not in names:
            names.append(image)
        if len(words) >= 4 and words[-2].upper() == "AS":
            stages.add(words[-1].lower())
    return names


def final_base(dockerfile: str) -> str | None:
    """Return the image the last stage starts from, or None when it starts from a stage."""
    names = base_image_names(dockerfile)
    froms = [line.split() for line in dockerfile.splitlines() if line.split()[:1] == ["FROM"]]
    image = next((w for w in froms[-1][1:] if not w.startswith("--")), "") if froms else ""
    return image if image in names else None


def registry_answers(name: str) -> bool:
    """Return whether the registry of image `name` accepts a TLS connection within seconds."""
    host = _registry(name)
    try:
        socket.create_connection((host, 443), timeout=_REGISTRY_SECONDS).close()
    except OSError:
        return False
    return True


def python_unavailable(engine: Engine, version: str) -> str:
    """Return why `python:<version>-slim` cannot be had here, or '' when it can.

    It can when the engine holds it, a registry answers, or Debian ships that Python.
    """
    name = f"python:{version}-slim"
    if version in DEBIAN_PYTHONS or engine.image(_qualified(name)) is not None:
        return ""
    if registry_answers(name):
        return ""
    return str(NoBaseImageError(name=name, reason=_no_debian_python(version)))


def ensure_base_images(engine: Engine, names: list[str]) -> list[BaseImage]:
    """Make every image of `names` present in the engine; return how each was had.

    One process at a time decides and builds (a lock in stackcraft's cache), so parallel
    runs build a stand-in once and then share it.

    Raises:
        NoBaseImageError: when an image can be neither pulled nor made from Debian packages.
        CheckFailedError: when making a stand-in fails (the message names the command).
    """
    with cache_lock("stand-ins.lock"):
        return [_ensure(engine, name) for name in names]


def _registry(name: str) -> str:
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return first.split(":", 1)[0]
    return "registry-1.docker.io"


def _qualified(name: str) -> str:
    """The name the engine stores `name` under (short Docker Hub names get their registry)."""
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"


def _ensure(engine: Engine, name: str) -> BaseImage:
    started = time.perf_counter()
    if registry_answers(name):
        pulled = engine.run("pull", name, timeout=_PULL_SECONDS)
        if pulled.returncode == 0:
            return BaseImage(name, "pulled", "pulled from its registry", _since(started))
    present = engine.image(_qualified(name))
    if present is not None and LABEL not in present.labels:
        # A real image the engine already holds (pulled before, or the user's own).
        return BaseImage(name, "present", "present in the engine, not a stand-in", 0.0)
    recipe = _recipe_for(name)
    if recipe is None:
        raise NoBaseImageError(
            name=name, reason="no registry answers and stackcraft has no stand-in recipe for it"
        )
    key, build = recipe
    if present is not None and present.labels.get(LABEL) == key:
        return BaseImage(
            name, "stand-in", f"local stand-in (cached, key {key[:12]})", _since(started)
        )
    made = build(engine, _qualified(name), key)
    seconds = _since(started)
    return BaseImage(
        name,
        "stand-in",
        f"local stand-in built in {seconds:.0f}s from {made} (key {key[:12]})",
        seconds,
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


_Build = Callable[[Engine, str, str], str]


def _recipe_for(name: str) -> tuple[str, _Build] | None:
    """Return the content key and the builder of `name`'s stand-in, or None when none exists.

    Raises:
        NoBaseImageError: for a Python image no Debian release ships.
    """
    python = _PYTHON.match(name)
    if python is not None:
        version = python.group(1)
        suite = DEBIAN_PYTHONS.get(version)
        if suite is None:
            raise NoBaseImageError(name=name, reason=_no_debian_python(version))
        return _python_key(suite), _python_builder(version, suite)
    uv = _UV.match(name)
    if uv is not None:
        version = uv.group(1)
        binaries = _uv_binaries(version)
        digest = hashlib.sha256(b"stackcraft-uv-1")
        for binary in binaries:
            digest.update(binary.name.encode() + b"\0" + binary.read_bytes())
        return digest.hexdigest(), _uv_builder(version, binaries)
    return None


def _no_debian_python(version: str) -> str:
    shipped = ", ".join(f"{v} ({suite})" for v, suite in DEBIAN_PYTHONS.items())
    return (
        f"no registry answers and no Debian release ships Python {version} "
        f"(stand-ins exist for {shipped})"
    )


# ---------------------------------------------------------------- python:<version>-slim


def _python_key(suite: str) -> str:
    digest = hashlib.sha256()
    recipe = {
        "recipe": _RECIPE,
        "suite": suite,
        "mirror": MIRROR,
        "packages": _PACKAGES,
        "trimmed": _TRIMMED,
    }
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    if _HOST_CA.is_file():
        digest.update(_HOST_CA.read_bytes())
    return digest.hexdigest()


def _python_builder(version: str, suite: str) -> _Build:
    def build(engine: Engine, tag: str, key: str) -> str:
        debootstrap = shutil.which("debootstrap") or (
            "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").is_file() else None
        )
        if debootstrap is None:
            raise CheckFailedError(
                f"no registry answers for {tag} and debootstrap is missing to make a stand-in: "
                "apt-get install debootstrap"
            )
        if os.geteuid() != 0:
            raise CheckFailedError(
                f"no registry answers for {tag}, and making its stand-in with debootstrap "
                "needs root: run once as root (the image is then cached)"
            )
        with tempfile.TemporaryDirectory(prefix="stackcraft-rootfs-") as tmp:
            rootfs = Path(tmp) / "rootfs"
            done = run_tool(
                [
                    debootstrap,
                    "--variant=minbase",
                    f"--include={','.join(_PACKAGES)}",
                    suite,
                    str(rootfs),
                    MIRROR,
                ],
                cwd=Path(tmp),
                timeout=_BUILD_SECONDS,
            )
            if done.returncode != 0:
                raise CheckFailedError(
                    f"debootstrap {suite} for {tag} failed: {_last_line(done.output)}"
                )
            if not (rootfs / "usr" / "bin" / f"python{version}").is_file():
                raise CheckFailedError(f"debootstrap {suite} gave no python{version} for {tag}")
            full_version = _dpkg_version(rootfs, f"python{version}") or version
            _trim(rootfs)
            if _HOST_CA.is_file():
                shutil.copyfile(_HOST_CA, rootfs / "etc" / "ssl" / "certs" / _HOST_CA.name)
            changes = [
                "ENV LANG=C.UTF-8",
                f"ENV PYTHON_VERSION={full_version}",
                f"ENV SSL_CERT_FILE={_HOST_CA}",
                f"LABEL {LABEL}={key}",
                f"LABEL {_DESCRIPTION}=\"stackcraft's local stand-in: Debian {suite} minbase, "
                f'Python {full_version}"',
                'CMD ["python3"]',
            ]
            _import(engine, rootfs, tag, changes)
        return f"Debian {suite} (debootstrap minbase, Python {full_version})"

    return build


def _dpkg_version(rootfs: Path, package: str) -> str:
    """Return the upstream version of `package` in the root filesystem's dpkg status."""
    status = (rootfs / "var" / "lib" / "dpkg" / "status").read_text(errors="replace")
    for block in status.split("\n\n"):
        if re.search(rf"^Package: {re.escape(package)}$", block, flags=re.MULTILINE):
            found = re.search(r"^Version: (?:\d+:)?([0-9.]+)", block, flags=re.MULTILINE)
            return found.group(1) if found else ""
    return ""


def _trim(rootfs: Path) -> None:
    for folder in _TRIMMED:
        shutil.rmtree(rootfs / folder, ignore_errors=True)
    for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / folder).glob("*"):
            if entry.is_file():
                entry.unlink()


def _import(engine: Engine, rootfs: Path, tag: str, changes: list[str]) -> None:
    """Import the tree at `rootfs` as image `tag` with Dockerfile `changes`."""
    args = ["import"]
    for change in changes:
        args += ["--change", change]
    tar = subprocess.Popen(  # noqa: S603 - tar of our own folder
        ["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."],  # noqa: S607 - tar from PATH
        stdout=subprocess.PIPE,
    )
    try:
        done = subprocess.run(  # noqa: S603 - the engine's binary, arguments we built
            engine.command(*args, "-", tag),
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            env=engine.env,
            timeout=_BUILD_SECONDS,
            check=False,
        )
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar.wait(timeout=60)
    if done.returncode != 0 or tar.returncode != 0:
        raise CheckFailedError(
            f"{engine.kind} import of {tag} failed: {_last_line(done.stderr + done.stdout)}"
        )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


# ---------------------------------------------------------------- ghcr.io/astral-sh/uv:<version>


def _uv_binaries(version: str) -> list[Path]:
    """Return `uv` (and `uvx` beside it) of exactly `version`.

    The uv that runs stackcraft is used when it is that version; otherwise that release is
    installed from the package index into stackcraft's cache.

    Raises:
        CheckFailedError: when neither gives that version.
    """
    for candidate in (os.environ.get("UV"), shutil.which("uv")):
        if candidate and _is_uv(Path(candidate).resolve(), version):
            uv = Path(candidate).resolve()
            return [uv, *[p for p in (uv.with_name("uvx"),) if p.is_file()]]
    target = cache_dir() / f"uv-{version}"
    uv = target / "bin" / "uv"
    if not _is_uv(uv, version):
        host = shutil.which("uv")
        if host is None:
            raise CheckFailedError(f"uv {version} is needed for its stand-in image: pip install uv")
        env = {key: value for key, value in os.environ.items() if key != "UV_OFFLINE"}
        done = run_tool(
            [host, "pip", "install", "--quiet", "--target", str(target), f"uv=={version}"],
            cwd=cache_dir(),
            env=env,
            timeout=300,
        )
        if done.returncode != 0 or not _is_uv(uv, version):
            raise CheckFailedError(
                f"installing uv {version} for its stand-in image failed: {_last_line(done.output)}"
            )
    return [uv, *[p for p in (uv.with_name("uvx"),) if p.is_file()]]


def _is_uv(path: Path, version: str) -> bool:
    """True when `path` is a uv executable (not a shim script) that says it is `version`."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                return False
    except OSError:
        return False
    done = run_tool([str(path), "--version"], cwd=Path(tempfile.gettempdir()), timeout=30)
    words = done.stdout.split()
    return done.returncode == 0 and len(words) >= 2 and words[1] == version


def _uv_builder(version: str, binaries: list[Path]) -> _Build:
    def build(engine: Engine, tag: str, key: str) -> str:
        with tempfile.TemporaryDirectory(prefix="stackcraft-uv-") as tmp:
            root = Path(tmp)
            for binary in binaries:
                shutil.copy2(binary, root / binary.name)
            changes = [
                f"LABEL {LABEL}={key}",
                f'LABEL {_DESCRIPTION}="stackcraft\'s local stand-in: the uv {version} binaries"',
                'ENTRYPOINT ["/uv"]',
            ]
            _import(engine, root, tag, changes)
        return f"the uv {version} release binaries"

    return build
