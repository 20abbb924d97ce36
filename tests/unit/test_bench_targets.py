"""bench.serve judges issue 9's targets against a peer served in the same run, when there is one."""

from __future__ import annotations

from bench.load import Load
from bench.serve import Server, memory_table, target_verdict


def _served(framework: str, rps: float, *, peer: str = "", mb: float = 200.0) -> Server:
    server = Server(framework=framework, level="none", peer=peer, idle_mb=mb)
    for endpoint in ("/healthz", "/items", "/users/me"):
        load = Load(
            rps=rps, p50_ms=10, p99_ms=50, requests=1, non_2xx=0, socket_errors=0, peak_mb=mb
        )
        server.loads[endpoint] = [load]
    return server


def test_a_peer_in_the_run_sets_the_bar_instead_of_the_figure_on_record() -> None:
    ours = _served("fastapi", 1000)
    slow_peer = _served("fastapi", 300, peer="fastapi peer (x)")
    fast_peer = _served("fastapi", 400, peer="fastapi peer (x)")

    # On record the peer served 364 req/s: 3x is 1,092, which 1,000 misses.
    assert "missed" in target_verdict([ours], ours, "/items", (1000, 50))
    # The same 1,000 beside a peer serving 300 in this run is 3.33x: met.
    met = target_verdict([ours, slow_peer], ours, "/items", (1000, 50))
    assert met.startswith("3.33x")
    assert met.endswith(": met")
    assert "missed" in target_verdict([ours, fast_peer], ours, "/items", (1000, 50))
    # The p99 bound holds whatever the peer does.
    assert "missed" in target_verdict([ours, slow_peer], ours, "/items", (1000, 150))


def test_the_peer_row_and_untargeted_rows_are_not_judged() -> None:
    peer = _served("fastapi", 300, peer="fastapi peer (x)")
    ours = _served("django", 900)
    assert target_verdict([peer], peer, "/items", (300, 50)) == "(the peer)"
    assert target_verdict([ours], ours, "/items", (900, 50)) == "—"
    assert "met" in target_verdict([ours], ours, "/healthz", (6000, 5))


def test_django_memory_is_judged_against_the_peer_on_record_without_one() -> None:
    rows = memory_table([_served("django", 900, mb=230), _served("fastapi", 900)]).rows
    assert rows[0][0] == "django"
    assert "≤ 212 MB" in rows[0][3]
    assert rows[0][3].endswith("**missed**")
    assert rows[1][3] == "—"
