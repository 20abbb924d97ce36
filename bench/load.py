"""Drive a server with wrk and watch its memory: the measuring half of `bench.serve`."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Load", "parse_wrk", "rss_mb", "wrk"]

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"
_PROC = Path("/proc")


@dataclass(frozen=True)
class Load:
    """One wrk run: requests a second, latency percentiles, errors, and peak server memory."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    peak_mb: float = 0.0

    @property
    def errors(self) -> int:
        """Every request that did not succeed: non-2xx answers and socket errors."""
        return self.non_2xx + self.socket_errors


def _ms(text: str, percentile: str) -> float:
    found = re.search(rf"^\s*{percentile}%\s+{_DURATION}", text, re.M)
    if found is None:
        raise ValueError(f"wrk printed no {percentile}% latency (was --latency given?)")
    return float(found[1]) * _UNITS[found[2]]


def parse_wrk(text: str) -> Load:
    """Return the figures of wrk's `--latency` output; ValueError when they are missing."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in", text, re.M)
    if rate is None or total is None:
        raise ValueError(f"wrk printed no request rate: {text.strip()[-300:]}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return Load(
        rps=float(rate[1]),
        p50_ms=_ms(text, "50"),
        p99_ms=_ms(text, "99"),
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(count) for count in socket.groups()) if socket else 0,
    )


def rss_mb(master: int) -> float:
    """Return the resident memory, in MB, of process `master` plus its direct children."""
    total_kb = 0
    for status in _PROC.glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:  # the process ended while we looked
            continue
        ours = status.parent.name == str(master) or fields.get("PPid", "").strip() == str(master)
        if ours and "VmRSS" in fields:
            total_kb += int(fields["VmRSS"].split()[0])
    return total_kb / 1024


def wrk(url: str, *, headers: dict[str, str], seconds: int, master: int) -> Load:
    """Run `wrk -t2 -c50 -d<seconds>s --latency` on `url`; sample `master`'s memory meanwhile.

    Raises:
        RuntimeError: when wrk is not installed or fails.
    """
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk not found: apt-get install wrk")
    command = [binary, "-t2", "-c50", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    process = subprocess.Popen(  # noqa: S603 - wrk with our own arguments, on loopback
        [*command, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, rss_mb(master))
        time.sleep(0.5)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited {process.returncode}: {err.strip()[-300:]}")
    return dataclasses.replace(parse_wrk(out), peak_mb=peak)
