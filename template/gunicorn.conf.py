"""Gunicorn settings for production: `gunicorn <package>.main:app -c gunicorn.conf.py`.

Each value comes from the environment when set there; the defaults suit a container.
"""

import os
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _usable_cpus() -> int:
    # The CPUs this process may run on, which a container's cpuset can restrict.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# 0.0.0.0: inside a container the app must be reachable from outside its network namespace.
bind = [f"0.0.0.0:{_env_int('PORT', 8000)}"]
# uvicorn workers are async: one per CPU keeps every core busy.
workers = _env_int("WEB_CONCURRENCY", _usable_cpus())
# The uvicorn-worker package (uvicorn.workers is deprecated); it picks uvloop and httptools.
worker_class = "uvicorn_worker.UvicornWorker"

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

# Heartbeat files in memory: a container's /tmp may be a slow or read-only disk.
_SHM = Path("/dev/shm")  # noqa: S108 - gunicorn's documented choice, not a temp file
worker_tmp_dir = str(_SHM) if _SHM.is_dir() else None
# The control socket (gunicornc) would need a writable home directory; it is not used.
control_socket_disable = True
