"""Generated services under load: wrk on three endpoints, both frameworks, and their memory.

    uv run python -m bench.serve [--runs N] [--quick] [--levels none,metrics,full]

Each framework's default project (PostgreSQL, Redis cache, JWT) is rendered, installed,
migrated into a fresh database on the local PostgreSQL and served by its gunicorn with 2
workers exactly as `stackcraft smoke` boots it (stackcraft.smoke.run.serve). A user signs
up and creates 20 items; then `wrk -t2 -c50 -d15s` (3 s with --quick) runs on `/healthz`,
`/items` (the user's 20 items) and `/users/me`, the frameworks alternating, N rounds. The
same list is then measured with each other observability level. Memory is the sum of the
resident sets of the gunicorn master and its workers: idle (after setup) and the peak under
load. wrk, the servers, and this process share the machine's cores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bench.common import Options, Table, median, options_from, options_parser, scratch, verdict
from bench.load import Load, rss_mb, wrk
from bench.peers import FASTAPI_PEER, Peer, checkout, peers_dir, prepare_fastapi
from stackcraft.project import Project
from stackcraft.render import render_new
from stackcraft.smoke import observability, services
from stackcraft.smoke.http import StepError, expect
from stackcraft.smoke.run import production_env, serve
from stackcraft.template import Template

__all__ = [
    "ENDPOINTS",
    "FRAMEWORKS",
    "LEVELS",
    "Server",
    "bench_serve",
    "memory_table",
    "target_verdict",
]

FRAMEWORKS = ("fastapi", "django")
ENDPOINTS = ("/healthz", "/items", "/users/me")
LEVELS = ("none", "metrics", "full")
ITEMS = 20
# Longer than any run, so the benchmark user's access token never expires mid-run.
_SESSION_MINUTES = "240"

# (framework, endpoint): a multiple of the peer's req/s, the peer's 2 December figure (what
# the multiple applies to when no peer is served in this run), the maximum p99 in ms.
_TARGETS: dict[tuple[str, str], tuple[float, float, float | None]] = {
    ("django", "/users/me"): (1.5, 811, 100),
    ("fastapi", "/items"): (3.0, 364, 120),
    ("fastapi", "/healthz"): (1.2, 9040, None),
}
# Not a multiple of a peer: issue 9's own floor.
_ABSOLUTE: dict[tuple[str, str], float] = {("django", "/healthz"): 5000}
_DJANGO_MEMORY_MB = 212.0
# An access-log line's status, and a warning or error line, in either framework's log.
_ACCESS = re.compile(r'"[A-Z]+ [^"]* HTTP/[\d.]+" (\d{3})')
_WARNING = re.compile(r'^.*"level": "(?:WARNING|ERROR)".*$|^.*\[(?:WARNING|ERROR)\].*$', re.M)


@dataclass
class Server:
    """One served project, or why it cannot be (`missing`)."""

    framework: str
    level: str
    # A peer's name ("" for a generated project) and its path for each of our endpoints.
    peer: str = ""
    paths: dict[str, str] = field(default_factory=dict[str, str])
    base: str = ""
    master: int = 0
    headers: dict[str, str] = field(default_factory=dict[str, str])
    missing: str = ""
    idle_mb: float = 0.0
    log: Path | None = None
    loads: dict[str, list[Load]] = field(default_factory=dict[str, list[Load]])
    # Non-2xx statuses the access log shows per endpoint, and the first warning logged.
    statuses: dict[str, Counter[str]] = field(default_factory=dict[str, Counter[str]])
    warning: str = ""

    def measure(self, endpoint: str, seconds: int) -> None:
        """Run wrk on `endpoint`; keep its figures and, when some failed, what the log says."""
        start = self.log.stat().st_size if self.log is not None else 0
        path = self.paths.get(endpoint, endpoint)
        load = wrk(self.base + path, headers=self.headers, seconds=seconds, master=self.master)
        self.loads.setdefault(endpoint, []).append(load)
        if load.non_2xx and self.log is not None:
            with self.log.open("rb") as log:
                log.seek(start)
                text = log.read().decode(errors="replace")
            failed = [code for code in _ACCESS.findall(text) if not code.startswith("2")]
            self.statuses.setdefault(endpoint, Counter()).update(failed)
            found = _WARNING.search(text)
            self.warning = self.warning or (_message(found[0]) if found else "")


def _message(line: str) -> str:
    """Return a log line's message: the `message` of a JSON line, else the line itself."""
    with contextlib.suppress(ValueError):
        record = json.loads(line)
        if isinstance(record, dict) and "message" in record:
            return str(cast("dict[str, object]", record)["message"])[:200]
    return line.strip()[:200]


def _prepare(
    framework: str, level: str, where: Path, postgres: services.Postgres, redis_url: str
) -> Callable[[contextlib.ExitStack], Server]:
    """Render and install the project now; return what serves it inside a given stack."""
    dest = where / f"{framework}-{level}"
    data = {"framework": framework, "observability": level}
    render_new(dest, template=Template.load(), data=data, defaults=True)
    project = Project.open(dest)
    project.sync()

    def start(stack: contextlib.ExitStack) -> Server:
        server = Server(framework=framework, level=level)
        if level != "none":
            server.missing = observability.pending_reason(dest, tracing=level == "full")
            if server.missing:
                return server
        # SQLAlchemy's URLs name the async driver; Django's do not (as in smoke).
        scheme = "postgresql" if framework == "django" else "postgresql+asyncpg"
        env = {"DATABASE_URL": postgres.database(scheme), "REDIS_URL": redis_url}
        migrated = project.run(project.answers.project_slug, "migrate", env=env)
        if migrated.returncode != 0:
            raise RuntimeError(f"{framework} migrate failed: {migrated.output.strip()[-300:]}")
        server_env = production_env(env) | {"ACCESS_TOKEN_EXPIRE_MINUTES": _SESSION_MINUTES}
        telemetry = stack.enter_context(observability.prepared(level))
        if telemetry is not None:
            server_env |= telemetry.server_env()
        logs = where / f"logs-{framework}-{level}-{uuid.uuid4().hex[:6]}"
        logs.mkdir()
        server.base, process = serve(project, server_env, logs, stack)
        server.log = logs / "server.log"
        server.master = process.pid
        server.headers = _signed_in(server.base)
        time.sleep(1)  # let the workers settle after setup before reading idle memory
        server.idle_mb = rss_mb(server.master)
        return server

    return start


def _signed_in(base: str) -> dict[str, str]:
    """Sign a user up, create its items; return the headers wrk sends (token, https)."""
    credentials = {
        "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
        "password": uuid.uuid4().hex,
    }
    expect(f"{base}/auth/signup", 201, body=credentials)
    tokens = cast("dict[str, Any]", expect(f"{base}/auth/login", 200, body=credentials).body)
    # Production settings expect TLS at the proxy; wrk says so as nginx would.
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "X-Forwarded-Proto": "https"}
    for number in range(ITEMS):
        expect(f"{base}/items", 201, headers=headers, body={"title": f"item {number}"})
    page = cast("dict[str, Any]", expect(f"{base}/items", 200, headers=headers).body)
    listed = len(cast("list[object]", page.get("items", [])))
    if listed != ITEMS:
        raise RuntimeError(f"GET /items listed {listed} items, expected {ITEMS}")
    expect(f"{base}/users/me", 200, headers=headers)
    return headers


def _round_robin(servers: list[Server], endpoints: tuple[str, ...], options: Options) -> None:
    """Measure every endpoint on every server, N rounds, alternating which server goes first."""
    seconds = 3 if options.quick else 15
    live = [server for server in servers if not server.missing]
    for run in range(options.runs):
        for endpoint in endpoints:
            for server in live if run % 2 == 0 else list(reversed(live)):
                server.measure(endpoint, seconds)


def _name(server: Server) -> str:
    return server.peer or server.framework


def _peer_rps(servers: list[Server], framework: str, endpoint: str) -> float | None:
    """The same-run req/s of `framework`'s peer on `endpoint`, when one was served."""
    for server in servers:
        if server.peer and server.framework == framework and not server.missing:
            return median([load.rps for load in server.loads[endpoint]])
    return None


def target_verdict(
    servers: list[Server], server: Server, endpoint: str, load: tuple[float, float]
) -> str:
    """Return the target cell for `server`'s (req/s, p99) `load` on `endpoint`.

    A multiple of a peer is taken of the peer served among `servers` in this run; without
    one, of the peer's figure of 2 December.
    """
    if server.peer:
        return "(the peer)"
    key = (server.framework, endpoint)
    if key in _ABSOLUTE:
        floor = _ABSOLUTE[key]
        return f"≥ {floor:,.0f} req/s (issue 9): {verdict(load[0] >= floor)}"
    goal = _TARGETS.get(key)
    if goal is None:
        return "—"
    multiple, on_record, p99 = goal
    peer = _peer_rps(servers, server.framework, endpoint)
    base, why = (
        (peer, f"{multiple:g}x the peer's {peer:,.0f} in this run")
        if peer
        else (on_record, f"{multiple:g}x the peer's {on_record:,.0f} of 2 December")
    )
    rps = multiple * base
    met = load[0] >= rps and (p99 is None or load[1] <= p99)
    bound = f", p99 ≤ {p99:g} ms" if p99 is not None else ""
    ratio = f"{load[0] / base:.2f}x; " if peer else ""
    return f"{ratio}≥ {rps:,.0f} req/s ({why}){bound}: {verdict(met)}"


def _medians(
    loads: list[Load], statuses: Counter[str] | None = None
) -> tuple[float, float, float, str, float]:
    non_2xx = sum(x.non_2xx for x in loads)
    socket = sum(x.socket_errors for x in loads)
    errors = f"{non_2xx} non-2xx, {socket} socket" if non_2xx or socket else "0"
    if statuses:
        errors += " (" + ", ".join(f"{code}x{n}" for code, n in statuses.most_common(3)) + ")"
    return (
        median([x.rps for x in loads]),
        median([x.p99_ms for x in loads]),
        median([x.p50_ms for x in loads]),
        errors,
        median([x.peak_mb for x in loads]),
    )


def _throughput_table(servers: list[Server], options: Options) -> Table:
    table = Table(
        title="throughput (observability none)",
        header=("framework", "endpoint", "req/s", "p50", "p99", "errors", "target"),
        notes=[
            f"wrk -t2 -c50 -d{3 if options.quick else 15}s --latency, median of {options.runs} "
            "alternating runs; errors: non-2xx and socket errors, all runs"
        ],
    )
    for endpoint in ENDPOINTS:
        for server in (server for server in servers if not server.missing):
            rps, p99, p50, errors, _ = _medians(
                server.loads[endpoint], server.statuses.get(endpoint)
            )
            table.rows.append(
                (
                    _name(server),
                    endpoint if not server.peer else f"{endpoint} ({server.paths[endpoint]})",
                    f"{rps:,.0f}",
                    f"{p50:.1f} ms",
                    f"{p99:.1f} ms",
                    errors,
                    target_verdict(servers, server, endpoint, (rps, p99)),
                )
            )
    table.notes += [f"{_name(s)} logged: {s.warning}" for s in servers if s.warning]
    table.notes += [f"{s.peer}: n/a, {s.missing}" for s in servers if s.peer and s.missing]
    return table


def _observability_table(servers: list[Server]) -> Table:
    table = Table(
        title="observability levels: GET /items",
        header=(
            "framework",
            "observability",
            "req/s",
            "p50",
            "p99",
            "errors",
            "idle MB",
            "load MB",
        ),
        notes=["full exports spans to an OTLP sink inside this benchmark's own process"],
    )
    for server in sorted(servers, key=lambda s: (s.framework, LEVELS.index(s.level))):
        if server.missing:
            na = f"n/a: {server.missing}"
            table.rows.append((server.framework, server.level, na, "", "", "", "", ""))
            continue
        rps, p99, p50, errors, peak = _medians(
            server.loads["/items"], server.statuses.get("/items")
        )
        table.rows.append(
            (
                server.framework,
                server.level,
                f"{rps:,.0f}",
                f"{p50:.1f} ms",
                f"{p99:.1f} ms",
                errors,
                f"{server.idle_mb:.0f}",
                f"{peak:.0f}",
            )
        )
    table.notes += [
        f"{s.framework} ({s.level}) logged: {s.warning}"
        for s in servers
        if s.warning and s.level != "none"
    ]
    return table


def memory_table(servers: list[Server]) -> Table:
    """Return every live server's idle and peak memory; Django's judged against its peer."""
    table = Table(
        title="server memory (sum of RSS, server master + 2 workers, observability none)",
        header=("server", "idle", "under load (peak)", "target"),
    )
    live = [server for server in servers if not server.missing]
    peaks = {
        _name(s): max(load.peak_mb for loads in s.loads.values() for load in loads) for s in live
    }
    for server in live:
        peak = peaks[_name(server)]
        target = "—"
        if server.framework == "django" and not server.peer:
            peer = next((s for s in live if s.peer and s.framework == "django"), None)
            bound, why = (
                (max(peer.idle_mb, peaks[_name(peer)]), "the peer in this run")
                if peer
                else (_DJANGO_MEMORY_MB, "the peer's of 2 December")
            )
            met = server.idle_mb <= bound and peak <= bound
            target = f"≤ {bound:.0f} MB ({why}), idle and loaded: {verdict(met)}"
        row = (_name(server), f"{server.idle_mb:.0f} MB", f"{peak:.0f} MB", target)
        table.rows.append(row)
    return table


def _peer_server(
    peer: Peer, root: Path | None, where: Path, postgres: services.Postgres
) -> Callable[[contextlib.ExitStack], Server]:
    """Install `peer` now (when its checkout is at hand); return what serves it.

    A peer that cannot be installed or served is a row saying why, judged by nothing: the
    generated projects' figures are still taken, against the figures on record.
    """

    def missing(reason: str) -> Callable[[contextlib.ExitStack], Server]:
        return lambda _stack: Server(
            framework=peer.framework, level="none", peer=peer.label, missing=reason
        )

    found, reason = checkout(peer, root)
    if found is None:
        return missing(reason)
    try:
        starting = prepare_fastapi(found, postgres, where)
    except RuntimeError as error:
        return missing(str(error))

    def start(stack: contextlib.ExitStack) -> Server:
        try:
            base, pid, headers, commit = starting(stack)
        except (RuntimeError, StepError, OSError) as error:
            return missing(str(error))(stack)
        server = Server(
            framework=peer.framework,
            level="none",
            peer=f"{peer.label} {commit}".rstrip(),
            paths=peer.paths,
            base=base,
            master=pid,
            headers=headers,
            log=where / "fastapi-peer.log",
        )
        time.sleep(1)
        server.idle_mb = rss_mb(pid)
        return server

    return start


@contextlib.contextmanager
def _services() -> Generator[tuple[services.Postgres, str]]:
    with services.postgres("auto") as postgres, services.redis("auto") as redis:
        yield postgres, redis.url


def bench_serve(
    options: Options, *, levels: tuple[str, ...] = LEVELS, peers: Path | None = None
) -> list[Table]:
    """Return throughput, memory and observability tables for both frameworks.

    With the peers' checkouts in `peers` (default: $STACKCRAFT_BENCH_PEERS), each peer is
    served beside the projects at level none and the targets are judged against it.
    """
    tables: list[Table] = []
    level_servers: list[Server] = []
    root = peers if peers is not None else peers_dir()
    with scratch("serve") as tmp, _services() as (postgres, redis_url):
        for level in levels:
            starters = [_prepare(name, level, tmp, postgres, redis_url) for name in FRAMEWORKS]
            if level == "none":
                starters.append(_peer_server(FASTAPI_PEER, root, tmp, postgres))
            with contextlib.ExitStack() as stack:
                servers = [start(stack) for start in starters]
                endpoints = ENDPOINTS if level == "none" else ("/items",)
                _round_robin(servers, endpoints, options)
            level_servers += [server for server in servers if not server.peer]
            if level == "none":
                tables += [_throughput_table(servers, options), memory_table(servers)]
    tables.append(_observability_table(level_servers))
    return tables


def main() -> None:
    """Serve and measure the levels named by `--levels`; print the tables."""
    parser: argparse.ArgumentParser = options_parser("stackcraft benchmark: served projects")
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--peers", default=None, help="folder of the peers' checkouts")
    args = parser.parse_args()
    levels = tuple(name for name in str(args.levels).split(",") if name)
    peers = peers_dir(args.peers)
    for table in bench_serve(options_from(args), levels=levels, peers=peers):
        print(table.markdown())


if __name__ == "__main__":
    main()
