"""Fill uv's cache with every package a generated project can lock, before the tests run.

The tests render projects with UV_OFFLINE=1 (tests/conftest.py): their `uv lock` task
then resolves from uv's cache alone, which is fast, but a cache that lacks a package, or
holds an index page older than a lower bound of the template, leaves the project without
a uv.lock, and its install, image build and tests fail. This renders the largest answer
sets of each framework online once, for each Python the template offers, so the cache
holds what every variant resolves to, and syncs them, so it holds their wheels too (the
tests' `uv sync` is offline as well).

    uv run python .ci/warm_uv_cache.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stackcraft.pythons import find_python
from stackcraft.render import render_new
from stackcraft.template import Template

REPO_ROOT = Path(__file__).resolve().parents[1]
# Every dependency-bearing feature on, in the two shapes the exclusive answers allow.
EVERYTHING = {
    "auth": "jwt",
    "database": "postgresql",
    "read_replica": True,
    "spatial": True,
    "cache": "redis",
    "task_queue": "celery",
    "broker": "rabbitmq",
    "realtime": "sse",
    "object_storage": "s3",
    "cdn": "cloudfront",
    "observability": "full",
    "error_tracking": "sentry",
}
EMBEDDED = {"database": "sqlite", "cache": "none", "task_queue": "celery", "broker": "redis"}


def main() -> int:
    """Render, lock and sync each answer set online; say which failed (never fatal)."""
    os.environ.pop("UV_OFFLINE", None)
    template = Template.load(REPO_ROOT)
    versions = [str(v) for v in template.question("python_version").values]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="stackcraft-warm-") as tmp:
        for framework in ("fastapi", "django"):
            for version in versions:
                if find_python(version) is None:
                    print(f"python {version}: not installed here, skipped", flush=True)
                    continue
                for index, answers in enumerate((EVERYTHING, EMBEDDED)):
                    data = {"framework": framework, "python_version": version, **answers}
                    dest = Path(tmp) / f"{framework}-{version}-{index}"
                    started = time.perf_counter()
                    result = render_new(dest, template=template, data=data, defaults=True)
                    python = find_python(version)
                    synced = not result.unlocked and _sync(dest, python)
                    failed += not synced
                    verdict = "locked and synced" if synced else "NOT locked and synced"
                    seconds = time.perf_counter() - started
                    print(f"{dest.name}: {verdict} in {seconds:.1f}s", flush=True)
    if failed:
        # Not fatal: offline or on a flaky index the tests still run, from what the cache holds.
        print(f"warning: {failed} project(s) not locked and synced; the cache may be stale")
    return 0


def _sync(project: Path, python: Path | None) -> bool:
    env = os.environ | ({"UV_PYTHON": str(python)} if python else {})
    uv = shutil.which("uv") or "uv"
    done = subprocess.run(  # noqa: S603 - uv on a project this script rendered
        [uv, "sync", "--locked", "--quiet"], cwd=project, env=env, check=False
    )
    return done.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
