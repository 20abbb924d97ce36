"""Prometheus's own promtool on deploy/observability/prometheus/: the config, the alert rules
and the rules' unit tests (`check config`, `check rules`, `test rules`).

promtool stats every credentials file a scrape config names. The bearer token's file exists
only inside the Prometheus container (compose writes it from METRICS_TOKEN), so the config is
checked from a copy of the folder in which such a missing absolute path names a stand-in
file instead; every other line, and so every line number, is the project's.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, ToolMissing, ToolRun, run_tool

NAME = "promtool"
INSTALL = (
    "on Debian/Ubuntu, without the Prometheus daemon: apt-get download prometheus && "
    "dpkg-deb -x prometheus_*.deb /tmp/prometheus && "
    "install /tmp/prometheus/usr/bin/promtool /usr/local/bin/ (macOS: brew install prometheus)"
)
FOLDER = Path("deploy") / "observability" / "prometheus"

# Settings whose value is a file promtool opens while checking the config.
_SECRET_FILE = re.compile(
    r"^(?P<key>\s*(?:credentials_file|bearer_token_file|password_file):\s*)(?P<path>/\S+)\s*$",
    re.MULTILINE,
)
# `rules/x.yml: 5:15: group "g", rule 1, "name": could not parse expression: ...`
_RULE_ERROR = re.compile(r"^(?P<file>\S+?): (?P<line>\d+):\d+: (?P<message>.+)$")
# `rules/x.yml: yaml: line 3: did not find expected '-' indicator`
_YAML_ERROR = re.compile(r"^(?P<file>\S+?): yaml: line (?P<line>\d+): (?P<message>.+)$")
# `rules/x.yml: yaml: unmarshal errors:` followed by `  line 7: field foo not found ...`
_UNMARSHAL = re.compile(r"^(?P<file>\S+?): yaml: unmarshal errors:$")
_UNMARSHAL_LINE = re.compile(r"^\s+line (?P<line>\d+): (?P<message>.+)$")


def applies(project: Project) -> bool:
    """promtool applies when the project ships deploy/observability/prometheus/prometheus.yml."""
    return (project.path / FOLDER / "prometheus.yml").is_file()


def binary() -> str:
    """Return promtool's path.

    Raises:
        ToolMissing: when promtool is on no PATH (the message says how to install it).
    """
    found = shutil.which("promtool")
    if found is None:
        raise ToolMissing(tool="promtool", install=INSTALL)
    return found


def check(project: Project) -> list[Outcome]:
    """Return one outcome for the config, one per rule file and one per rule test file."""
    promtool = binary()
    folder = project.path / FOLDER
    outcomes = [_check_config(promtool, folder)]
    for rules in sorted((folder / "rules").glob("*.yml")):
        outcomes.append(_check_rules(promtool, folder, rules))
    for tests in sorted((folder / "tests").glob("*.yml")):
        outcomes.append(_test_rules(promtool, folder, tests))
    return outcomes


def _target(path: Path, folder: Path) -> str:
    return str(FOLDER / path.relative_to(folder))


def _check_config(promtool: str, folder: Path) -> Outcome:
    config = folder / "prometheus.yml"
    target = _target(config, folder)
    with tempfile.TemporaryDirectory(prefix="stackcraft-promtool-") as scratch:
        copy = Path(scratch) / "prometheus"
        shutil.copytree(folder, copy)
        standin = Path(scratch) / "standin-secret"
        standin.write_text("stand-in secret\n")

        def stand_in(match: re.Match[str]) -> str:
            if Path(match["path"]).exists():
                return match[0]
            return f"{match['key']}{standin}"

        text = config.read_text()
        (copy / "prometheus.yml").write_text(_SECRET_FILE.sub(stand_in, text))
        run = run_tool([promtool, "check", "config", "prometheus.yml"], cwd=copy)
        output = run.output.replace(f"{copy}/", f"{FOLDER}/").replace(scratch, "<tmp>")
    findings: tuple[Finding, ...] = ()
    if run.returncode != 0:
        findings = _findings(output, folder, fallback=target) or (
            Finding(file=target, line=None, message=_first_failure(output)),
        )
    return _outcome(target, run, findings)


def _check_rules(promtool: str, folder: Path, rules: Path) -> Outcome:
    relative = str(rules.relative_to(folder))
    run = run_tool([promtool, "check", "rules", relative], cwd=folder)
    target = _target(rules, folder)
    findings: tuple[Finding, ...] = ()
    if run.returncode != 0:
        findings = _findings(run.output, folder, fallback=target) or (
            Finding(file=target, line=None, message=_first_failure(run.output)),
        )
    return _outcome(target, run, findings)


def _test_rules(promtool: str, folder: Path, tests: Path) -> Outcome:
    relative = str(tests.relative_to(folder))
    run = run_tool([promtool, "test", "rules", relative], cwd=folder)
    target = _target(tests, folder)
    findings = list(_test_failures(run.output, tests, target))
    # A rule_files pattern that matches nothing leaves the tests nothing to test, and
    # promtool still says SUCCESS: that is a failure here.
    findings += [
        Finding(file=target, line=None, message=f"rule_files matches no file: {pattern}")
        for pattern in re.findall(r"WARNING: no file match pattern (\S+)", run.output)
    ]
    if run.returncode != 0 and not findings:
        findings += _findings(run.output, folder, fallback=target) or (
            Finding(file=target, line=None, message=_first_failure(run.output)),
        )
    return _outcome(target, run, tuple(findings))


def _test_failures(output: str, tests: Path, target: str) -> list[Finding]:
    """One finding per failed test case: its name (and line), the alert, when, how it differs."""
    findings: list[Finding] = []
    blocks = output.split("FAILED:")[1:]
    text = tests.read_text()
    for block in blocks:
        name = re.search(r"^\s*name: (?P<name>.*?),\s*$", block, re.MULTILINE)
        alert = re.search(r"alertname: (?P<alert>[^,]+), time: (?P<time>[^,]+),", block)
        if name is None:
            continue
        expected = len(re.findall(r"^\s+\d+:\s*$", block.split("got:")[0], re.MULTILINE))
        got_part = block.split("got:", 1)[1] if "got:" in block else ""
        got = len(re.findall(r"^\s+\d+:\s*$", got_part, re.MULTILINE))
        where = f"{alert['alert']} at {alert['time']}: " if alert else ""
        message = f"test '{name['name']}' failed: {where}expected {expected} alert(s), got {got}"
        findings.append(Finding(file=target, line=_line_of(text, name["name"]), message=message))
    return findings


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _findings(output: str, folder: Path, *, fallback: str) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    lines = output.splitlines()
    for index, raw in enumerate(lines):
        line = raw.strip()
        match = _RULE_ERROR.match(line) or _YAML_ERROR.match(line)
        if match:
            findings.append(
                Finding(
                    file=_shown(match["file"], folder, fallback),
                    line=int(match["line"]),
                    message=match["message"],
                )
            )
            continue
        if unmarshal := _UNMARSHAL.match(line):
            for detail in lines[index + 1 :]:
                item = _UNMARSHAL_LINE.match(detail)
                if item is None:
                    break
                findings.append(
                    Finding(
                        file=_shown(unmarshal["file"], folder, fallback),
                        line=int(item["line"]),
                        message=item["message"],
                    )
                )
    unique = dict.fromkeys(findings)
    return tuple(unique)


def _shown(file: str, folder: Path, fallback: str) -> str:
    """A path promtool printed (relative to the prometheus folder, or absolute), shown from
    the project root."""
    path = Path(file)
    if path.is_absolute():
        try:
            return str(FOLDER / path.relative_to(folder))
        except ValueError:
            return fallback
    if str(path).startswith(str(FOLDER)):
        return str(path)
    return str(FOLDER / path)


def _first_failure(output: str) -> str:
    for line in output.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("Checking", "Unit Testing", "FAILED")):
            return stripped
    return output.strip().splitlines()[-1] if output.strip() else "promtool failed"


def _outcome(target: str, run: ToolRun, findings: tuple[Finding, ...]) -> Outcome:
    failed = bool(findings) or run.returncode != 0
    return Outcome(
        tool=NAME,
        target=target,
        status="fail" if failed else "pass",
        seconds=run.seconds,
        findings=findings,
        detail=_first_failure(run.output) if failed else "",
    )
