"""The project's own nginx config, served by the real nginx binary in front of the booted app.

Only what ties the config to Docker and to TLS changes: it listens on a loopback port instead
of 80, proxies to the app's loopback address instead of the `app` (and `admin`) service names,
and tells the app the request came over HTTPS, as it does behind the TLS that production puts
in front of it (else a Django app redirects every request to https://). The rest (forwarded
addresses, request id, body limit, error pages, security headers) is exactly what ships.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
import uuid
from collections.abc import Generator
from pathlib import Path

from stackcraft.errors import CheckFailedError
from stackcraft.smoke import services
from stackcraft.smoke.http import StepError, expect, request
from stackcraft.validators import nginx
from stackcraft.validators._base import ToolMissing

__all__ = ["check_forwarded_headers", "served_by_nginx"]

_MAIN = """\
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{}}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {include};
}}
"""


def _on_loopback(config: str, *, listen: int, app: int) -> str:
    """Return `config` listening on loopback `listen` and proxying to the app on `app`."""
    text = re.sub(r"listen\s+80\b", f"listen {services.LOOPBACK}:{listen}", config)
    text = re.sub(r"^\s*resolver\s[^;]*;", "", text, flags=re.MULTILINE)
    text = text.replace("X-Forwarded-Proto $scheme;", "X-Forwarded-Proto https;")
    # The admin is not booted by smoke; its upstream points at the app's closed neighbour.
    text = text.replace("http://admin:8000", f"http://{services.LOOPBACK}:{services.free_port()}")
    return text.replace("http://app:8000", f"http://{services.LOOPBACK}:{app}")


@contextlib.contextmanager
def served_by_nginx(project: Path, *, app_port: int) -> Generator[str]:
    """Yield the base URL of nginx serving the project's config in front of `app_port`.

    Raises:
        StepError: when the project has no nginx config or nginx does not start.
    """
    config = project / "deploy" / "nginx" / "conf.d" / "default.conf"
    if not config.is_file():
        raise StepError(f"'{config.relative_to(project)}' not found: the project ships no proxy")
    try:
        binary = nginx.binary()
    except ToolMissing as error:
        raise StepError(str(error)) from error
    port = services.free_port()
    with tempfile.TemporaryDirectory(prefix="stackcraft-proxy-") as prefix:
        site = Path(prefix) / "site.conf"
        site.write_text(_on_loopback(config.read_text(), listen=port, app=app_port))
        main = Path(prefix) / "nginx.conf"
        main.write_text(_MAIN.format(prefix=prefix, include=site))
        process = subprocess.Popen(  # noqa: S603 - the real nginx on our own loopback config
            [binary, "-p", prefix, "-c", str(main)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            try:
                services.wait_until(lambda: services.listening(port), seconds=10, what="nginx")
            except CheckFailedError as error:
                log = (Path(prefix) / "error.log").read_text(errors="replace").strip()
                raise StepError(f"nginx did not start: {log.splitlines()[-1:] or error}") from error
            yield f"http://{services.LOOPBACK}:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def check_forwarded_headers(base: str, *, login_limit: int | None, counters: int = 1) -> str:
    """Check what the proxy decides for the app: client address, request id, body limit.

    With `login_limit` (auth=jwt), wrong passwords for one account, each sent with another
    spoofed X-Forwarded-For, must still hit 429 after `login_limit` attempts: the app keys
    the limit on the address nginx saw, not on one the client chose. Where the count is not
    shared (no Redis), each of the `counters` worker processes allows `login_limit` on its
    own, so the 429 may come up to that many times later, never sooner.
    """
    spoofed_id = "client-chosen-id"
    answer = expect(f"{base}/healthz", 200, headers={"X-Request-ID": spoofed_id})
    request_id = answer.headers.get("x-request-id", "")
    if not request_id or request_id == spoofed_id:
        raise StepError(
            f"X-Request-ID through nginx was {request_id!r}: nginx must set its own id "
            "and the app must echo it"
        )
    try:
        too_large = request(f"{base}/items", raw=b"x" * (2 * 1024 * 1024))
    except OSError as error:
        raise StepError(f"a 2 MiB body through nginx got no answer: {error}") from error
    if too_large.status != 413 or not isinstance(too_large.body, dict):
        raise StepError(f"a 2 MiB body through nginx answered {too_large.status}, not JSON 413")
    if login_limit is None:
        return "request id set by nginx; 2 MiB body refused with JSON 413"
    allowed = login_limit * counters
    # The limit counts in fixed one-minute windows: a round that crosses a window's end
    # starts counting again. A second round, seconds long, cannot cross another one.
    for _ in range(2):
        attempt = _spoofed_round(base, login_limit=login_limit, attempts=allowed + 1)
        if attempt is not None:
            return (
                f"request id set by nginx; 2 MiB body refused with JSON 413; "
                f"spoofed X-Forwarded-For still limited: 429 at attempt {attempt}"
            )
    raise StepError(
        f"{allowed + 1} wrong passwords with spoofed X-Forwarded-For got no 429, twice: "
        "the rate limit keys on an address the client chose"
    )


def _spoofed_round(base: str, *, login_limit: int, attempts: int) -> int | None:
    """Send up to `attempts` wrong passwords for a new account, each from another spoofed
    address; return the attempt answered 429, None when none was."""
    email = f"spoof-{uuid.uuid4().hex[:8]}@example.com"
    for attempt in range(1, attempts + 1):
        forged = {"X-Forwarded-For": f"203.0.113.{attempt}"}
        login = request(
            f"{base}/auth/login",
            headers=forged,
            body={"email": email, "password": f"wrong-{attempt}"},
        )
        if login.status == 429:
            if attempt <= login_limit:
                raise StepError(f"429 after {attempt} attempts; the limit is {login_limit}")
            return attempt
        if login.status != 401:
            raise StepError(f"login attempt {attempt} through nginx answered {login.status}")
    return None
