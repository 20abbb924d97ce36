"""What the container tier reads without an engine: Dockerfiles, build logs, image paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackcraft.containers import standins
from stackcraft.containers.engine import Engine, ImageInfo
from stackcraft.containers.image import BuildFailedError, build_failure, build_image, problems_in
from stackcraft.containers.standins import (
    NoBaseImageError,
    base_image_names,
    ensure_base_images,
    final_base,
    python_unavailable,
)
from stackcraft.process import ToolRun

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.13-slim AS builder
COPY --from=uv /uv /usr/local/bin/uv

FROM --platform=linux/amd64 python:3.13-slim AS runtime
COPY --from=builder /app /app
"""


def test_base_images_are_the_from_images_without_stage_names() -> None:
    assert base_image_names(DOCKERFILE) == ["ghcr.io/astral-sh/uv:0.13.9", "python:3.13-slim"]
    assert final_base(DOCKERFILE) == "python:3.13-slim"


def test_a_last_stage_built_on_another_stage_has_no_base_image() -> None:
    text = DOCKERFILE + "FROM builder AS final\n"
    assert "builder" not in base_image_names(text)
    assert final_base(text) is None


PODMAN_COPY = """\
[2/3] STEP 6/8: COPY . /app
--> 5e8de672f3b
[2/3] STEP 7/8: COPY settings.local.toml /app/
Error: building at STEP "COPY settings.local.toml /app/": checking on sources under "/tmp/x": \
copier: stat: "/settings.local.toml": no such file or directory
"""

PODMAN_RUN = """\
[2/3] STEP 5/7: RUN --mount=type=cache,target=/root/.cache/uv     uv sync --locked --no-dev
error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.
Error: building at STEP "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked \
--no-dev": while running runtime: exit status 2
"""

DOCKER_COPY = """\
#9 [builder 7/8] COPY settings.local.toml /app/
#9 ERROR: failed to calculate checksum of ref: "/settings.local.toml": not found
------
 > [builder 7/8] COPY settings.local.toml /app/:
------
ERROR: failed to solve: failed to compute cache key: "/settings.local.toml": not found
"""


def test_a_podman_build_failure_names_the_instruction_and_the_reason() -> None:
    said = build_failure(PODMAN_COPY)
    assert said.startswith('the build stopped at "COPY settings.local.toml /app/"')
    assert "(stage 2/3, step 7/8)" in said
    assert "no such file or directory" in said


def test_a_failed_run_instruction_shows_what_the_command_printed_without_mounts() -> None:
    said = build_failure(PODMAN_RUN)
    assert said.startswith('the build stopped at "RUN uv sync --locked --no-dev"')
    assert "exit status 2" in said
    assert "needs to be updated" in said


def test_a_docker_build_failure_names_the_instruction_and_the_reason() -> None:
    said = build_failure(DOCKER_COPY)
    assert 'at "COPY settings.local.toml /app/" (builder 7/8)' in said
    assert "not found" in said


CLEAN = [
    "usr/bin/python3.13",
    "app/.venv/lib/python3.13/site-packages/fastapi-0.120.0.dist-info/METADATA",
    "app/src/svc/main.py",
    "etc/ssl/certs/ca-certificates.crt",
]


def test_a_clean_image_has_no_problems() -> None:
    assert problems_in(CLEAN, dev_only={"pytest", "ruff"}) == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("app/.venv/lib/python3.13/site-packages/pytest-8.4.0.dist-info/", "dev dependencies"),
        ("./app/.venv/lib/python3.13/site-packages/Ruff-0.8.0.dist-info/RECORD", "(ruff)"),
        ("usr/bin/gcc-14", "a compiler"),
        ("usr/bin/x86_64-linux-gnu-gcc-14", "a compiler"),
        ("usr/local/bin/uv", "uv (/usr/local/bin/uv)"),
        ("root/.cache/uv/wheels-v5/index/x.whl", "uv's cache (/root/.cache/uv)"),
        ("app/.env", "a .env file (/app/.env)"),
        ("app/config/.env.production", "a .env file"),
    ],
)
def test_each_thing_a_final_image_must_not_hold_is_named(path: str, problem: str) -> None:
    problems = problems_in([*CLEAN, path], dev_only={"pytest", "ruff"})
    assert len(problems) == 1
    assert problem in problems[0]


def test_an_env_example_and_files_inside_packages_are_not_dotenv_files() -> None:
    names = [*CLEAN, "app/.env.example", "app/.venv/lib/python3.13/site-packages/x/.env"]
    assert problems_in(names, dev_only=set()) == []


class _EmptyEngine(Engine):
    """An engine that holds no image (never run: the registry is patched away too)."""

    def image(self, name: str) -> ImageInfo | None:
        return None


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Engine:
    def no_registry(_name: str) -> bool:
        return False

    monkeypatch.setattr(standins, "registry_answers", no_registry)
    return _EmptyEngine(kind="podman", binary="/nonexistent/podman", version="0", env={})


def test_a_python_no_debian_release_ships_has_no_stand_in_and_says_who_covers_it(
    offline: Engine,
) -> None:
    with pytest.raises(NoBaseImageError) as raised:
        ensure_base_images(offline, ["python:3.12-slim"])
    said = str(raised.value)
    assert said.startswith("python:3.12-slim: no registry answers")
    assert "no Debian release ships Python 3.12" in said
    assert "3.13 (trixie)" in said
    assert "GitHub workflow" in said
    assert python_unavailable(offline, "3.12") == said
    assert python_unavailable(offline, "3.13") == ""


def test_an_image_with_no_stand_in_recipe_is_refused_by_name(offline: Engine) -> None:
    with pytest.raises(NoBaseImageError, match=r"^nginx:1.30-alpine: .*no stand-in recipe"):
        ensure_base_images(offline, ["nginx:1.30-alpine"])


_TIMED_OUT = """\
[2/3] STEP 7/7: RUN uv sync --locked --no-dev --no-editable
  cause: operation timed out
Error: building at STEP "RUN uv sync --locked --no-dev --no-editable": exit status 2
"""
_LOST_LAYER = """\
[3/3] STEP 4/9: WORKDIR /app
Error: building at STEP "WORKDIR /app": identifier is not a container: preparing container for \
next step: creating build container: 3d56f3706b7c: image not known
"""
_BAD_COPY = """\
[2/3] STEP 5/7: COPY missing.txt /app/
Error: building at STEP "COPY missing.txt /app/": checking on sources: no such file
"""


def _scripted(monkeypatch: pytest.MonkeyPatch, *outputs: tuple[int, str]) -> list[str]:
    """Make every engine's `run` answer with `outputs` in turn; return the list of runs."""
    runs: list[str] = []
    remaining = list(outputs)

    def run(_engine: Engine, *args: str, timeout: float = 600, cwd: Path | None = None) -> ToolRun:
        runs.append(" ".join(args))
        code, text = remaining.pop(0)
        return ToolRun(returncode=code, stdout=text, stderr="", seconds=1.0)

    monkeypatch.setattr(Engine, "run", run)
    return runs


PODMAN = Engine(kind="podman", binary="podman", version="4.3.1", env={})


@pytest.mark.parametrize(
    ("first", "said"),
    [
        (_TIMED_OUT, ("operation timed out",)),
        # Another build's cleanup removed the layer this one had just found in its cache.
        (_LOST_LAYER, ('the build stopped at "WORKDIR /app"', "image not known")),
    ],
    ids=["network", "lost-layer"],
)
def test_a_build_stopped_by_the_network_or_a_lost_layer_is_tried_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, said: tuple[str, ...]
) -> None:
    runs = _scripted(monkeypatch, (125, first), (0, "--> 0123456789ab\n"))

    built = build_image(PODMAN, tmp_path, "localhost/t:1")

    assert len(runs) == 2
    assert all(part in built.retried for part in said)
    assert built.seconds == 2.0
    assert built.images == ("0123456789ab",)


def test_a_build_the_network_stopped_twice_fails_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _scripted(monkeypatch, (2, _TIMED_OUT), (2, _TIMED_OUT))

    with pytest.raises(BuildFailedError, match="operation timed out"):
        build_image(PODMAN, tmp_path, "localhost/t:1")
    assert len(runs) == 2


def test_a_build_that_failed_on_its_own_is_not_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _scripted(monkeypatch, (2, _BAD_COPY))

    with pytest.raises(BuildFailedError, match=r'stopped at "COPY missing\.txt /app/"'):
        build_image(PODMAN, tmp_path, "localhost/t:1")
    assert len(runs) == 1
