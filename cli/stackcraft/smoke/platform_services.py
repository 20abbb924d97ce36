"""The platform services a smoke run may need besides PostgreSQL and Redis (issue 10).

RabbitMQ (found on loopback with a virtual host of this run's own, or a throwaway node),
an S3 endpoint (moto's server, started per run), PostGIS (the extension on the run's
PostgreSQL) and a Sentry sink (a loopback HTTP server that keeps what SDKs send). As in
`services`, everything started here is stopped here, by its own process id.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from stackcraft.errors import CheckFailedError
from stackcraft.smoke.services import (
    LOOPBACK,
    Postgres,
    Service,
    free_port,
    listening,
    wait_until,
)

__all__ = [
    "SentrySink",
    "postgis_problem",
    "rabbitmq",
    "s3_endpoint",
    "sentry_sink",
    "standby",
]

RABBITMQ_PORT = 5672
_RABBITMQ_START_SECONDS = 90


def _rabbitmqctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run(  # noqa: S603 - rabbitmqctl with our own arguments
        [ctl, *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def _amqp_ok(port: int) -> bool:
    """Return whether an AMQP 0-9-1 server answers the protocol header on `port`."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            # A server answers Connection.Start: a method frame (type 1).
            return sock.recv(1) == b"\x01"
    except OSError:
        return False


@contextlib.contextmanager
def rabbitmq(mode: str) -> Generator[Service]:
    """Yield a RabbitMQ the run may use alone: its URL names a virtual host of its own.

    The one running on 5672 gets a fresh virtual host (so parallel runs never take each
    other's tasks), deleted afterwards; with none running (mode auto) a throwaway node is
    started on free ports and stopped afterwards.

    Raises:
        CheckFailedError: when none is running (external) or none can be started (auto).
    """
    if _amqp_ok(RABBITMQ_PORT):
        service = _rabbitmq_vhost()
    elif mode == "external":
        raise CheckFailedError(
            "no RabbitMQ on 127.0.0.1:5672 (--services external): start one "
            "(rabbitmq-server -detached), or use --services auto to start a throwaway one"
        )
    else:
        service = _start_rabbitmq()
    try:
        yield service
    finally:
        service.close()


def _rabbitmq_vhost() -> Service:
    vhost = f"smoke_{uuid.uuid4().hex[:12]}"
    url = f"amqp://guest:guest@{LOOPBACK}:{RABBITMQ_PORT}/{vhost}"
    service = Service(name="rabbitmq", url=url, started=False)
    added = _rabbitmqctl("add_vhost", vhost)
    if added.returncode != 0:
        # Not this machine's broker to administer: share its default virtual host.
        service.url = f"amqp://guest:guest@{LOOPBACK}:{RABBITMQ_PORT}//"
        return service
    service.cleanups.append(lambda: _delete_vhost(vhost))
    granted = _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    if granted.returncode != 0:
        service.close()
        raise CheckFailedError(f"rabbitmqctl set_permissions failed: {granted.stderr.strip()}")
    return service


def _delete_vhost(vhost: str) -> None:
    _rabbitmqctl("delete_vhost", vhost)


def _start_rabbitmq() -> Service:
    server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
    if not Path(server).is_file():
        raise CheckFailedError(
            "no RabbitMQ on 127.0.0.1:5672 and no rabbitmq-server to start one: "
            "install it (apt-get install rabbitmq-server)"
        )
    port, dist = free_port(), free_port()
    home = Path(tempfile.mkdtemp(prefix="stackcraft-rabbitmq-"))
    node = f"smoke{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_IP_ADDRESS": LOOPBACK,
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist),
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_CONFIG_FILES": str(home / "conf.d"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
        "RABBITMQ_ENABLED_PLUGINS": "",
    }
    (home / "conf.d").mkdir()
    (home / "enabled_plugins").write_text("[].\n")
    log = (home / "server.log").open("wb")
    child = subprocess.Popen(  # noqa: S603 - our own throwaway node on loopback
        [server], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    service = Service(name="rabbitmq", url=f"amqp://guest:guest@{LOOPBACK}:{port}//", started=True)

    def stop() -> None:
        _rabbitmqctl("-n", node, "stop", env=env)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=30)
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)

    service.cleanups.append(stop)
    try:
        wait_until(lambda: _amqp_ok(port), seconds=_RABBITMQ_START_SECONDS, what="RabbitMQ")
    except CheckFailedError:
        service.close()
        raise
    return service


# ---------------------------------------------------------------- S3


@contextlib.contextmanager
def s3_endpoint(bucket: str) -> Generator[Service]:
    """Yield moto's S3 server on a free loopback port, with `bucket` created.

    moto speaks the S3 API without checking signatures or POST policies; the projects'
    own tests check those.

    Raises:
        CheckFailedError: when moto_server is missing or does not come up.
    """
    found = Path(sys.executable).with_name("moto_server")
    moto = str(found) if found.is_file() else shutil.which("moto_server")
    if moto is None:
        raise CheckFailedError(
            "moto_server not found: install stackcraft's dependencies (uv sync), which bring moto"
        )
    port = free_port()
    child = subprocess.Popen(  # noqa: S603 - our own throwaway server on loopback
        [moto, "-H", LOOPBACK, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://{LOOPBACK}:{port}"
    service = Service(name="s3", url=url, started=True)

    def stop() -> None:
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=10)

    service.cleanups.append(stop)
    try:
        wait_until(lambda: listening(port), seconds=30, what="moto's S3 server")
        # moto takes an unsigned bucket creation.
        created = urllib.request.Request(f"{url}/{bucket}", method="PUT")  # noqa: S310 - loopback
        with urllib.request.urlopen(created, timeout=10):  # noqa: S310 - loopback
            pass
        yield service
    finally:
        service.close()


# ---------------------------------------------------------------- PostGIS


def postgis_problem() -> str:
    """Return why PostgreSQL's PostGIS extension cannot be created here, or "".

    Where it is missing and this process may install Debian packages (root, apt-get), it
    installs the PostGIS of each PostgreSQL found, as a fresh machine's CI would.
    """
    if _postgis_installed():
        return ""
    versions = sorted(path.name for path in Path("/usr/lib/postgresql").glob("*") if path.is_dir())
    packages = [f"postgresql-{version}-postgis-3" for version in versions] or ["postgis"]
    apt = shutil.which("apt-get")
    if apt is not None and os.geteuid() == 0:
        subprocess.run(  # noqa: S603 - Debian's package manager with fixed package names
            [apt, "install", "-y", "-qq", "--no-install-recommends", *packages],
            capture_output=True,
            check=False,
            timeout=600,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if _postgis_installed():
            return ""
    return (
        "PostGIS is not installed for this machine's PostgreSQL: "
        f"apt-get install {' '.join(packages)}"
    )


def _postgis_installed() -> bool:
    return any(Path("/usr/share/postgresql").glob("*/extension/postgis.control"))


# ---------------------------------------------------------------- read replica

STANDBY_NAME = "smoke_standby"


@contextlib.contextmanager
def standby(primary: Postgres) -> Generator[Postgres]:
    """Yield a hot standby streaming from `primary` (a server this run started).

    Commits on the primary wait until the standby has applied them (synchronous
    replication, remote_apply), so a read on the standby right after a write sees it, as
    on a replica with no lag; `stop` first makes the primary stop waiting for it. Its URL
    names the same databases as the primary's.

    Raises:
        CheckFailedError: when the primary is not this run's or the standby does not start.
    """
    if not primary.controllable:
        raise CheckFailedError(
            f"a read replica needs a PostgreSQL this run starts; {primary.url} is not (use "
            "--services auto)"
        )
    bin_dir = Path(primary.pg_ctl).parent
    data = Path(tempfile.mkdtemp(prefix="stackcraft-standby-"))
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    db = data / "db"
    conninfo = f"host={LOOPBACK} port={primary.port} user=postgres application_name={STANDBY_NAME}"
    backup = [
        *as_user,
        str(bin_dir / "pg_basebackup"),
        "-d",
        conninfo,
        "-D",
        str(db),
        "-R",
        "--checkpoint=fast",
    ]
    options = (
        f"-p {port} -c listen_addresses={LOOPBACK} -c unix_socket_directories={data} "
        f"-c hot_standby=on -c fsync=off"
    )
    log = str(data / "log")
    start = [
        *as_user,
        str(bin_dir / "pg_ctl"),
        "-D",
        str(db),
        "-w",
        "-l",
        log,
        "-o",
        options,
        "start",
    ]
    stop = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(db), "-m", "fast", "-w", "stop"]
    server = Postgres(
        name="postgresql standby",
        url=f"{LOOPBACK}:{port}",
        started=True,
        psql=primary.psql,
        port=port,
        pg_ctl=primary.pg_ctl,
    )
    server.cleanups.append(lambda: shutil.rmtree(data, ignore_errors=True))

    def synchronous(on: bool) -> None:
        names = f"'{STANDBY_NAME}'" if on else "''"
        primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = {names}")
        primary.sql("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
        primary.sql("SELECT pg_reload_conf()")

    def run(command: list[str]) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CheckFailedError(f"the standby failed to start: {done.stderr.strip()[-300:]}")

    def start_standby() -> None:
        run(start)
        wait_until(lambda: listening(port), seconds=30, what="the PostgreSQL standby")
        synchronous(True)

    def stop_standby() -> None:
        # Commits must not wait for a standby that is gone.
        synchronous(False)
        subprocess.run(stop, capture_output=True, timeout=60, check=False)  # noqa: S603

    try:
        run(backup)
        start_standby()
    except CheckFailedError:
        server.close()
        raise
    server.cleanups.append(stop_standby)
    server.stopper, server.starter = stop_standby, start_standby
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------- Sentry


@dataclass
class SentrySink:
    """A loopback server that keeps every envelope a Sentry SDK posts to it."""

    dsn: str
    envelopes: list[bytes] = field(default_factory=list[bytes])

    def events(self) -> list[str]:
        """Return the envelopes received, as text."""
        return [envelope.decode(errors="replace") for envelope in self.envelopes]


@contextlib.contextmanager
def sentry_sink() -> Generator[SentrySink]:
    """Yield a Sentry sink on a free loopback port; its DSN names project 1."""
    port = free_port()
    sink = SentrySink(dsn=f"http://smokekey@{LOOPBACK}:{port}/1")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            sink.envelopes.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer((LOOPBACK, port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
