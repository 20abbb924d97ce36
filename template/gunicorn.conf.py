"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py`.

Each value comes from the environment when set there; the defaults suit a container.
"""

import gc
import os
import shutil
import tempfile
import tomllib
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from gunicorn.errors import AppImportError
from uvicorn_worker import UvicornWorker  # pyright: ignore[reportMissingTypeStubs] - no types shipped

# The project this file belongs to: its package is named by pyproject.toml beside it.
_PROJECT = Path(__file__).resolve().parent
PACKAGE: str = tomllib.loads((_PROJECT / "pyproject.toml").read_text())["project"]["name"]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _usable_cpus() -> int:
    # The CPUs this process may run on, which a container's cpuset can restrict.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The ASGI application every worker serves: Django's config/asgi.py where the project has
# one, the package's main:app otherwise (FastAPI).
_DJANGO_ASGI = _PROJECT / "config" / "asgi.py"
wsgi_app = "config.asgi:application" if _DJANGO_ASGI.is_file() else f"{PACKAGE}.main:app"
# 0.0.0.0: inside a container the app must be reachable from outside its network namespace.
bind = [f"0.0.0.0:{_env_int('PORT', 8000)}"]
# uvicorn workers are async: one per CPU keeps every core busy.
workers = _env_int("WEB_CONCURRENCY", _usable_cpus())


class Worker(UvicornWorker):
    """uvicorn's worker, reporting invalid settings in one line instead of a traceback.

    The line is the one the project's command prints (`<package> migrate`); gunicorn prints
    it and stops ("App failed to load") instead of starting workers that cannot boot.
    """

    def load_wsgi(self) -> None:
        """Import the app; a settings error becomes gunicorn's AppImportError."""
        try:
            super().load_wsgi()
        except Exception as error:
            # pydantic is the app's own by now; the command's formatter only on this path.
            if not isinstance(error, import_module("pydantic").ValidationError):
                raise
            one_line = import_module(f"{PACKAGE}.cli").one_line
            raise AppImportError(f"error: {one_line(error)}") from None


# The uvicorn-worker package (uvicorn.workers is deprecated); it picks uvloop and httptools.
worker_class = Worker

# A worker silent this long is killed and replaced.
timeout = _env_int("TIMEOUT", 60)
# On SIGTERM, workers finish the requests in flight for up to this long, then stop.
graceful_timeout = _env_int("GRACEFUL_TIMEOUT", 30)
# Longer than the idle timeout of the proxy in front, so it never reuses a closed connection.
keepalive = _env_int("KEEP_ALIVE", 75)

# Client addresses and https come from these proxies' X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = "-"
errorlog = "-"


def _log_format() -> str:
    # LOG_FORMAT as the service reads it: unset, text locally and json anywhere else.
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen:
        return chosen
    return "text" if os.environ.get("ENVIRONMENT", "local").strip() in {"", "local"} else "json"


# With JSON logs, gunicorn's lines and uvicorn's (its access log, errors, the master's
# boots and exits) take the service's shape too, request and trace ids included, on stdout:
# one parser for every line a collector reads.
_LOGGING = f"{PACKAGE}.core.logging"
logconfig_dict: dict[str, Any] = (
    {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": f"{_LOGGING}.RequestIdFilter"}},
        "formatters": {"json": {"()": f"{_LOGGING}.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request"],
            }
        },
        "root": {"level": "WARNING", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["stdout"],
                "propagate": False,
            },
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
    if _log_format() == "json"
    else {}
)

# Heartbeat files in memory: a container's /tmp may be a slow or read-only disk.
_SHM = Path("/dev/shm")  # noqa: S108 - gunicorn's documented choice, not a temp file
worker_tmp_dir = str(_SHM) if _SHM.is_dir() else None
# The control socket (gunicornc) would need a writable home directory; it is not used.
control_socket_disable = True


def post_worker_init(_worker: object) -> None:
    """Once a worker has imported the app, keep those objects out of later collections.

    They live as long as the worker; without this, every full garbage collection walks
    them all again, which shows in the slowest answers (gc.freeze).
    """
    gc.freeze()


# Metrics (/metrics), in projects that have them (core/metrics.py): the workers keep their
# values in one folder that /metrics sums (prometheus_client's multiprocess mode). It starts
# empty at each start: values left by an earlier run's workers would be counted again.
_METRICS = find_spec(f"{PACKAGE}.core.metrics") is not None
_metrics_folders: list[Path] = []


def on_starting(_server: object) -> None:
    """Before any worker: empty PROMETHEUS_MULTIPROC_DIR, or make a folder when it is unset."""
    if not _METRICS:
        return
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return
    folder = Path(tempfile.mkdtemp(prefix="prometheus-", dir=worker_tmp_dir))
    _metrics_folders.append(folder)
    # The workers, forked after this, inherit it.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def child_exit(_server: object, worker: Any) -> None:
    """Leave an exited worker's in-flight requests and pool out of the live gauges."""
    if not _METRICS:
        return
    # Imported by name: projects without metrics do not have prometheus_client.
    import_module("prometheus_client.multiprocess").mark_process_dead(worker.pid)


def on_exit(_server: object) -> None:
    """Remove the folder made at start."""
    for folder in _metrics_folders:
        shutil.rmtree(folder, ignore_errors=True)
