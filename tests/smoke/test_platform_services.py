"""What smoke runs find or start for platform services: RabbitMQ, S3, a standby, a Sentry sink."""

from __future__ import annotations

import socket
import subprocess
import urllib.request

import pytest

from stackcraft.errors import CheckFailedError
from stackcraft.smoke import platform_services, services


def _amqp_vhost_exists(vhost: str) -> bool:
    listed = subprocess.run(
        ["rabbitmqctl", "list_vhosts"], capture_output=True, text=True, check=False
    )
    return vhost in listed.stdout.split()


def test_rabbitmq_gives_each_run_a_virtual_host_and_deletes_it() -> None:
    with platform_services.rabbitmq("auto") as first, platform_services.rabbitmq("auto") as second:
        assert first.url != second.url
        vhost = first.url.rsplit("/", 1)[1]
        assert first.url.startswith("amqp://guest:guest@127.0.0.1:")
        if not first.started and vhost:
            assert _amqp_vhost_exists(vhost)
    if not first.started and vhost:
        assert not _amqp_vhost_exists(vhost)


def test_s3_endpoint_serves_the_bucket_and_stops_afterwards() -> None:
    with platform_services.s3_endpoint("smoke-bucket") as endpoint:
        bucket = f"{endpoint.url}/smoke-bucket"
        with urllib.request.urlopen(bucket, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        port = int(endpoint.url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_sentry_sink_keeps_what_is_posted_to_it() -> None:
    with platform_services.sentry_sink() as sink:
        host = sink.dsn.split("@", 1)[1].rsplit("/", 1)[0]
        sent = urllib.request.Request(
            f"http://{host}/api/1/envelope/", data=b'{"event_id":"x"}\n', method="POST"
        )
        with urllib.request.urlopen(sent, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        assert sink.events() == ['{"event_id":"x"}\n']


def test_standby_streams_the_primary_and_does_not_hold_writes_while_stopped() -> None:
    with services.postgres("auto", owned=True) as primary:
        if not primary.controllable:
            pytest.skip("no initdb here to start a PostgreSQL this run owns")
        url = primary.database("postgresql")
        name = url.rsplit("/", 1)[1]

        def psql(port: int, sql: str) -> str:
            return subprocess.run(
                ["psql", f"postgresql://postgres@127.0.0.1:{port}/{name}", "-tAc", sql],
                capture_output=True,
                text=True,
                check=True,
                timeout=20,
            ).stdout.strip()

        with platform_services.standby(primary) as standby:
            psql(primary.port, "CREATE TABLE t (x int); INSERT INTO t VALUES (42)")
            # Synchronous replication: the row is there as soon as the commit returns.
            assert psql(standby.port, "SELECT x FROM t") == "42"
            standby.stop()
            psql(primary.port, "INSERT INTO t VALUES (43)")  # does not wait for the standby
            with pytest.raises(subprocess.CalledProcessError):
                psql(standby.port, "SELECT 1")
            standby.start()
            assert psql(standby.port, "SELECT count(*) FROM t") == "2"


def test_a_standby_needs_a_primary_this_run_started() -> None:
    found = services.Postgres(name="postgresql", url="127.0.0.1:5432", started=False)
    with (
        pytest.raises(CheckFailedError, match="needs a PostgreSQL this run starts"),
        platform_services.standby(found),
    ):
        pass


def test_postgis_problem_names_the_package_when_it_cannot_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(platform_services, "_postgis_installed", lambda: False)
    monkeypatch.setattr(platform_services.shutil, "which", lambda _name: None)  # pyright: ignore[reportUnknownLambdaType, reportUnknownArgumentType]
    problem = platform_services.postgis_problem()
    assert problem.startswith("PostGIS is not installed for this machine's PostgreSQL: apt-get")
    assert "postgis" in problem
