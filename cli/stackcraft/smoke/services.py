"""Backing services for smoke runs: found on loopback, or started throwaway on free ports.

`auto` uses a service already listening on its standard loopback port and otherwise starts
a private one; `external` only uses what is running. A fresh database is created per run.
Everything started here is stopped here, by its own process id; nothing else is touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from stackcraft.errors import CheckFailedError

__all__ = ["Postgres", "Service", "free_port", "listening", "postgres", "redis", "wait_until"]

LOOPBACK = "127.0.0.1"


@dataclass
class Service:
    """A running service a smoke run uses: its URL and whether this run started it.

    A service this run started can also be stopped and started again on the same port
    (`stop`, `start`), which the fault step uses; others are never touched.
    """

    name: str
    url: str
    started: bool
    cleanups: list[Callable[[], None]] = field(default_factory=list[Callable[[], None]])
    stopper: Callable[[], None] | None = None
    starter: Callable[[], None] | None = None

    @property
    def controllable(self) -> bool:
        """True when this run owns the server and may stop and restart it."""
        return self.stopper is not None and self.starter is not None

    def stop(self) -> None:
        """Stop the server this run started (its data is kept for `start`)."""
        if self.stopper is None:
            raise CheckFailedError(f"{self.name} at {self.url} was not started by this run")
        self.stopper()

    def start(self) -> None:
        """Start the server again on the same port and wait until it answers."""
        if self.starter is None:
            raise CheckFailedError(f"{self.name} at {self.url} was not started by this run")
        self.starter()

    def close(self) -> None:
        """Undo what this run did (drop its database, stop what it started), last first."""
        while self.cleanups:
            with contextlib.suppress(Exception):
                self.cleanups.pop()()


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    """Return whether something accepts TCP connections on loopback `port`."""
    try:
        socket.create_connection((LOOPBACK, port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_until(check: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Return once `check()` is true; CheckFailedError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise CheckFailedError(f"{what} did not come up within {seconds:.0f}s")


# ---------------------------------------------------------------- PostgreSQL


@dataclass
class Postgres(Service):
    """A PostgreSQL server; `database()` makes a fresh database that `close()` drops."""

    psql: str = "psql"
    port: int = 5432
    # The pg_ctl of a server this run started ("" for one it found).
    pg_ctl: str = ""

    def sql(self, statement: str) -> None:
        """Run one SQL statement as postgres; CheckFailedError when it fails."""
        _psql(self.psql, self.port, statement)

    def database(self, scheme: str = "postgresql") -> str:
        """Create an empty database and return its URL with `scheme` (e.g. postgresql+asyncpg)."""
        name = f"smoke_{uuid.uuid4().hex[:12]}"
        _psql(self.psql, self.port, f"CREATE DATABASE {name}")
        psql, port = self.psql, self.port
        self.cleanups.append(
            lambda: _psql(psql, port, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        )
        return f"{scheme}://postgres@{LOOPBACK}:{port}/{name}"


@contextlib.contextmanager
def postgres(mode: str, *, owned: bool = False) -> Generator[Postgres]:
    """Yield a PostgreSQL server to make fresh databases on; drop or stop them afterwards.

    With `owned` (and mode auto) a throwaway server is started even when one runs on 5432,
    so that it may be stopped and restarted; where none can be started the running one is
    used and is not controllable.

    Raises:
        CheckFailedError: when none is running (external) or none can be started (auto).
    """
    psql = shutil.which("psql")
    if psql is None:
        raise CheckFailedError(
            "psql not found: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    if owned and mode == "auto" and _initdb() is not None:
        server = _start_postgres(psql)
    elif _psql_ok(psql, 5432):
        server = Postgres(name="postgresql", url=f"{LOOPBACK}:5432", started=False, psql=psql)
    elif mode == "external":
        raise CheckFailedError(
            "no PostgreSQL on 127.0.0.1:5432 (--services external): start one, "
            "or use --services auto to start a throwaway one"
        )
    else:
        server = _start_postgres(psql)
    try:
        yield server
    finally:
        server.close()


def _psql(psql: str, port: int, sql: str) -> None:
    done = subprocess.run(  # noqa: S603 - psql with our own SQL on loopback
        [
            psql,
            "-h",
            LOOPBACK,
            "-p",
            str(port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "3"},
    )
    if done.returncode != 0:
        raise CheckFailedError(f"psql on port {port} failed: {done.stderr.strip()}")


def _psql_ok(psql: str, port: int) -> bool:
    if not listening(port):
        return False
    try:
        _psql(psql, port, "SELECT 1")
    except CheckFailedError:
        return False
    return True


def _initdb() -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return str(found[-1]) if found else shutil.which("initdb")


def _start_postgres(psql: str) -> Postgres:
    initdb = _initdb()
    if initdb is None:
        raise CheckFailedError(
            "no PostgreSQL on 127.0.0.1:5432 and no initdb to start one: "
            "install PostgreSQL (apt-get install postgresql)"
        )
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    data = Path(tempfile.mkdtemp(prefix="stackcraft-pg-"))
    port = free_port()
    service = Postgres(
        name="postgresql",
        url=f"{LOOPBACK}:{port}",
        started=True,
        psql=psql,
        port=port,
        pg_ctl=pg_ctl,
    )
    service.cleanups.append(lambda: shutil.rmtree(data, ignore_errors=True))
    # PostgreSQL refuses to run as root: run it as the `postgres` user when we are root.
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise CheckFailedError("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(data, user="postgres")
        as_user = [runuser, "-u", "postgres", "--"]
    db = str(data / "db")
    options = (
        f"-p {port} -c listen_addresses={LOOPBACK} -c unix_socket_directories={data} -c fsync=off"
    )
    steps = [
        [*as_user, initdb, "-D", db, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
        [*as_user, pg_ctl, "-D", db, "-w", "-l", str(data / "log"), "-o", options, "start"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        if done.returncode != 0:
            service.close()
            raise CheckFailedError(f"starting PostgreSQL failed: {done.stderr.strip()[-300:]}")
    start, stop = steps[1], [*as_user, pg_ctl, "-D", db, "-m", "fast", "-w", "stop"]

    def stop_postgres() -> None:
        subprocess.run(stop, capture_output=True, timeout=60, check=False)  # noqa: S603

    def start_postgres() -> None:
        done = subprocess.run(start, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CheckFailedError(f"restarting PostgreSQL failed: {done.stderr.strip()[-300:]}")
        wait_until(lambda: _psql_ok(psql, port), seconds=30, what="PostgreSQL")

    service.cleanups.append(stop_postgres)
    service.stopper, service.starter = stop_postgres, start_postgres
    wait_until(lambda: _psql_ok(psql, port), seconds=30, what="PostgreSQL")
    return service


# ---------------------------------------------------------------- Redis


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis(mode: str, *, owned: bool = False) -> Generator[Service]:
    """Yield a Redis that answers PING; stop it afterwards if this run started it.

    With `owned` (and mode auto) a throwaway server is started even when one runs on 6379,
    so that it may be stopped and restarted.

    Raises:
        CheckFailedError: when none is running (external) or none can be started (auto).
    """
    server = shutil.which("redis-server")
    if _redis_ping(6379) and not (owned and mode == "auto" and server):
        yield Service(name="redis", url=f"redis://{LOOPBACK}:6379/0", started=False)
        return
    if mode == "external":
        raise CheckFailedError(
            "no Redis on 127.0.0.1:6379 (--services external): start one, "
            "or use --services auto to start a throwaway one"
        )
    if server is None:
        raise CheckFailedError(
            "no Redis on 127.0.0.1:6379 and no redis-server to start one: "
            "install Redis (apt-get install redis-server)"
        )
    port = free_port()
    command = [server, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
    processes: list[subprocess.Popen[bytes]] = []

    def start_redis() -> None:
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own throwaway server on loopback
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        wait_until(lambda: _redis_ping(port), seconds=15, what="Redis")

    def stop_redis() -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)

    service = Service(
        name="redis",
        url=f"redis://{LOOPBACK}:{port}/0",
        started=True,
        stopper=stop_redis,
        starter=start_redis,
    )
    service.cleanups.append(stop_redis)
    try:
        start_redis()
        yield service
    finally:
        service.close()
