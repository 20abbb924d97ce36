"""Smoke probes of the platform services (issue 10): jobs through a real broker, server-sent
events, presigned uploads and downloads, spatial queries, the read replica and Sentry.

Each probe talks to the booted service the way a client would and raises `StepError` with
one line naming what did not happen. The API shapes are those of docs/template-contract.md.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any, cast

from stackcraft.project import Project, project_env
from stackcraft.smoke.http import StepError, expect, request
from stackcraft.smoke.platform_services import SentrySink
from stackcraft.smoke.services import Service

__all__ = [
    "attachment_round_trip",
    "job_completes",
    "nearby_finds_the_near_item",
    "replica_serves_lists",
    "sentry_receives",
    "sse_delivers",
    "worker_process",
]

# A job waits in the queue until a worker takes it: the worker's start (imports, broker
# connection) on a busy machine, and the task's own retries while SQLite is locked, come
# first. Once taken, it has JOB_SECONDS to finish.
PICKUP_SECONDS = 90.0
JOB_SECONDS = 20.0
EVENT_SECONDS = 5.0
READER_JOIN_SECONDS = 2.0


def _json(answer_body: object) -> dict[str, Any]:
    if not isinstance(answer_body, dict):
        raise StepError(f"expected a JSON object, got {json.dumps(answer_body)[:120]}")
    return cast("dict[str, Any]", answer_body)


def _new_item(base: str, headers: Mapping[str, str], **fields: object) -> dict[str, Any]:
    body = {"title": f"smoke {uuid.uuid4().hex[:6]}", **fields}
    return _json(expect(f"{base}/items", 201, headers=dict(headers), body=body).body)


# ---------------------------------------------------------------- Celery


@contextlib.contextmanager
def worker_process(
    project: Project, env: Mapping[str, str], log: Path
) -> Generator[subprocess.Popen[bytes]]:
    """Run `<slug> worker` from the project's environment until the block ends (SIGTERM)."""
    slug = project.answers.project_slug
    command = project.path / ".venv" / "bin" / slug
    with log.open("wb") as out:
        child = subprocess.Popen(  # noqa: S603 - the project's own console script
            [str(command), "worker"],
            cwd=project.path,
            env=project_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield child
        finally:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(timeout=10)


def job_completes(
    base: str, headers: Mapping[str, str], worker_exited: Callable[[], int | None]
) -> str:
    """Enqueue a job for a new item and wait until the worker reports it succeeded.

    `worker_exited` returns the worker's exit code once it has exited, else None (a local
    process's `poll`, or a container's state).
    """
    item = _new_item(base, headers, description="three more words")
    enqueue = f"{base}/items/{item['id']}/jobs"
    job = _json(expect(enqueue, 202, method="POST", headers=dict(headers)).body)
    enqueued = time.monotonic()
    deadline = enqueued + PICKUP_SECONDS
    status = job.get("status")
    taken: float | None = None
    while time.monotonic() < deadline:
        if (code := worker_exited()) is not None:
            raise StepError(f"the worker exited {code} before the job finished")
        answer = _json(expect(f"{base}/jobs/{job['id']}", 200, headers=dict(headers)).body)
        status = answer.get("status")
        if status == "succeeded":
            waited = time.monotonic() - enqueued
            return (
                f"job {job['id']} succeeded through the broker in {waited:.1f}s:"
                f" result {answer.get('result')}"
            )
        if status == "failed":
            raise StepError(f"job {job['id']} failed: {answer.get('error')}")
        if status != "pending" and taken is None:
            taken = time.monotonic()
            deadline = taken + JOB_SECONDS
        time.sleep(0.2)
    if taken is None:
        raise StepError(
            f"job {job['id']} still '{status}' after {PICKUP_SECONDS:.0f}s: no worker took it"
        )
    raise StepError(f"job {job['id']} still '{status}' {JOB_SECONDS:.0f}s after a worker took it")


# ---------------------------------------------------------------- server-sent events


def sse_delivers(base: str, headers: Mapping[str, str]) -> str:
    """Open GET /events, create an item, and receive its `item.created` event in time.

    EVENT_SECONDS count from the moment POST /items answered, however long it took: the
    stream itself has no read timeout (the step's deadline ends the wait, and shutting the
    socket ends the reader).
    """
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=EVENT_SECONDS)
    stream = _Stream()
    reader: threading.Thread | None = None
    stream_socket: socket.socket | None = None
    try:
        # As every probe request: from behind the TLS proxy (Django redirects plain http).
        sent = {**headers, "Accept": "text/event-stream", "X-Forwarded-Proto": "https"}
        connection.request("GET", "/events", headers=sent)
        # Kept here: the connection lets go of its socket when the answer will close it.
        stream_socket = connection.sock
        response = connection.getresponse()
        if response.status != 200:
            raise StepError(f"GET /events answered {response.status}, expected 200")
        kind = response.getheader("Content-Type", "")
        if not kind.startswith("text/event-stream"):
            raise StepError(f"GET /events answered Content-Type {kind!r}")
        if stream_socket is not None:
            stream_socket.settimeout(None)
        reader = threading.Thread(target=stream.read, args=(response,), daemon=True)
        reader.start()
        posted = time.monotonic()
        item = _new_item(base, headers)
        answered = time.monotonic()
        deadline = answered + EVENT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = stream.events.get(timeout=left)
            except queue.Empty:
                break
            data = json.loads(event.get("data") or "{}")
            if event.get("event") == "item.created" and data.get("id") == item["id"]:
                return f"item.created for item {item['id']} arrived, id {event.get('id')}"
        raise StepError(
            f"no item.created event for item {item['id']} within {EVENT_SECONDS}s of"
            f" POST /items answering (it took {answered - posted:.2f}s): {stream.said()}"
        )
    finally:
        # The reader thread holds the stream's lock while it waits for a line: shutting the
        # socket ends that wait at once, where close() alone would wait out the timeout.
        # Closing only after the reader has seen the end keeps it from reading a closed file.
        if stream_socket is not None:
            with contextlib.suppress(OSError):
                stream_socket.shutdown(socket.SHUT_RDWR)
        if reader is not None:
            reader.join(timeout=READER_JOIN_SECONDS)
        connection.close()


class _Stream:
    """What a server-sent event stream carried: its events, and how it ended."""

    def __init__(self) -> None:
        self.events: queue.Queue[dict[str, str]] = queue.Queue()
        self.seen: list[str] = []
        self.ended = ""

    def read(self, response: http.client.HTTPResponse) -> None:
        """Parse the stream into events (a blank line ends one) until it closes."""
        current: dict[str, str] = {}
        try:
            for raw in response:
                line = raw.decode(errors="replace").rstrip("\r\n")
                if not line:
                    if current:
                        self.seen.append(current.get("event", "message"))
                        self.events.put(current)
                    current = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    current[name] = value.removeprefix(" ")
            self.ended = "the server ended the stream"
        # AttributeError: http.client's chunked reader, on a connection closed under it.
        except (OSError, ValueError, AttributeError, http.client.HTTPException) as error:
            self.ended = f"the stream broke ({type(error).__name__}: {error})"

    def said(self) -> str:
        """Return one line on what the stream carried and whether it is still open."""
        seen = (
            f"{len(self.seen)} other event(s) ({', '.join(self.seen[:5])})"
            if self.seen
            else "no event"
        )
        return f"{self.ended or 'the stream stayed open'} and carried {seen}"


# ---------------------------------------------------------------- attachments


def attachment_round_trip(base: str, headers: Mapping[str, str]) -> str:
    """Upload a file through its presigned form, then download it: the bytes come back."""
    item = _new_item(base, headers)
    content = f"smoke attachment {uuid.uuid4().hex}\n".encode()
    attachment = _json(
        expect(
            f"{base}/items/{item['id']}/attachments",
            201,
            headers=dict(headers),
            body={"filename": "smoke.txt", "content_type": "text/plain", "size": len(content)},
        ).body
    )
    upload = cast("dict[str, Any]", attachment.get("upload") or {})
    fields = {str(k): str(v) for k, v in cast("dict[str, Any]", upload.get("fields", {})).items()}
    posted = _post_form(_absolute(base, str(upload.get("url", ""))), fields, content)
    if posted.status not in {200, 201, 204}:
        raise StepError(f"the upload form was answered {posted.status}: {posted.body!r:.200}")
    described = _json(
        expect(f"{base}/attachments/{attachment['id']}", 200, headers=dict(headers)).body
    )
    download = _absolute(base, str(described.get("download_url", "")))
    fetched = request(download, headers={"Content-Type": ""})
    body = fetched.body if isinstance(fetched.body, str) else json.dumps(fetched.body)
    if fetched.status != 200 or body.encode() != content:
        raise StepError(f"downloading {download[:80]} gave {fetched.status}, not the bytes sent")
    return f"{len(content)} bytes up through the presigned form and back"


def _absolute(base: str, url: str) -> str:
    return urllib.parse.urljoin(base + "/", url)


def _post_form(url: str, fields: Mapping[str, str], content: bytes) -> Any:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="smoke.txt"\r\n'
        f"Content-Type: {fields.get('Content-Type', 'text/plain')}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return request(
        url,
        method="POST",
        raw=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


# ---------------------------------------------------------------- spatial


def nearby_finds_the_near_item(base: str, headers: Mapping[str, str]) -> str:
    """Create an item near a point and one far away: `nearby` answers the near one only."""
    near = _new_item(base, headers, location={"type": "Point", "coordinates": [2.3522, 48.8566]})
    far = _new_item(base, headers, location={"type": "Point", "coordinates": [-74.006, 40.7128]})
    query = "longitude=2.35&latitude=48.85&radius_m=5000"
    page = _json(expect(f"{base}/items/nearby?{query}", 200, headers=dict(headers)).body)
    found = {entry.get("id") for entry in cast("list[dict[str, Any]]", page.get("items", []))}
    if near["id"] not in found:
        raise StepError(f"the item 1 km away ({near['id']}) is missing from /items/nearby")
    if far["id"] in found:
        raise StepError(f"the item 5,800 km away ({far['id']}) is in a 5 km /items/nearby")
    return f"item {near['id']} within 5 km, item {far['id']} left out"


# ---------------------------------------------------------------- read replica


def replica_serves_lists(base: str, headers: Mapping[str, str], replica: Service) -> str:
    """Prove lists read the replica and single reads the primary, by stopping the replica.

    The replica streams from the primary (no lag: commits wait for it), so a new item is
    listed at once; with the replica stopped, GET /items answers 503 while GET
    /items/{id} still answers from the primary; once it is back, lists work again.
    """
    item = _new_item(base, headers)
    if item["id"] not in _listed(base, headers):
        raise StepError(f"item {item['id']} is missing from GET /items (read from the replica)")
    replica.stop()
    try:
        down = request(f"{base}/items", headers=dict(headers))
        if down.status != 503:
            raise StepError(
                f"GET /items answered {down.status} with the replica stopped: lists do not read it"
            )
        expect(f"{base}/items/{item['id']}", 200, headers=dict(headers))
    finally:
        replica.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if request(f"{base}/items", headers=dict(headers)).status == 200:
            return "lists read the replica (503 while it was stopped), single reads the primary"
        time.sleep(0.1)
    raise StepError("GET /items did not recover within 5s of the replica's restart")


def _listed(base: str, headers: Mapping[str, str]) -> set[object]:
    page = _json(expect(f"{base}/items?limit=100", 200, headers=dict(headers)).body)
    return {entry.get("id") for entry in cast("list[dict[str, Any]]", page.get("items", []))}


# ---------------------------------------------------------------- Sentry


def sentry_receives(sink: SentrySink, check: Callable[[str], tuple[int, str]]) -> str:
    """Run `<slug> sentry-check` through `check` with the sink's DSN: the sink gets its event.

    `check(dsn)` runs the command (from the project's environment, or in its image) and
    returns its exit code and output.
    """
    before = len(sink.envelopes)
    code, output = check(sink.dsn)
    if code != 0:
        lines = [line for line in output.splitlines() if line.strip()]
        raise StepError(f"sentry-check exited {code}: {(lines or [''])[-1][:200]}")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(sink.envelopes) == before:
        time.sleep(0.1)
    if len(sink.envelopes) == before:
        raise StepError("sentry-check exited 0 but the sink received nothing")
    return f"the sink received {len(sink.envelopes) - before} envelope(s)"
