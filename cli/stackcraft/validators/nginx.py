"""`nginx -t` on the project's nginx configs, wrapped the way the official image includes them.

conf.d files are server-level snippets: they are tested inside a minimal main config with an
`http` block, in a throwaway prefix, so nothing on the machine is read or written.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from stackcraft.project import Project
from stackcraft.validators._base import Finding, Outcome, ToolMissing, run_tool

NAME = "nginx"
INSTALL = "apt-get install nginx (Debian/Ubuntu) or brew install nginx"
_WRAPPER = """\
pid {prefix}/nginx.pid;
error_log stderr;
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
_ERROR = re.compile(r"in (?P<file>\S+):(?P<line>\d+)")


def applies(project: Project) -> bool:
    """nginx applies when the project ships nginx configs under deploy/nginx/."""
    return bool(_configs(project.path))


def binary() -> str:
    """Return the nginx binary. Raises ToolMissing when it is not installed."""
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ToolMissing(tool="nginx", install=INSTALL)


def check(project: Project) -> list[Outcome]:
    """Return one outcome per nginx config file."""
    nginx = binary()
    outcomes: list[Outcome] = []
    for config in _configs(project.path):
        target = str(config.relative_to(project.path))
        with tempfile.TemporaryDirectory(prefix="stackcraft-nginx-") as prefix:
            wrapper = Path(prefix) / "nginx.conf"
            wrapper.write_text(_WRAPPER.format(prefix=prefix, include=config))
            run = run_tool([nginx, "-t", "-q", "-p", prefix, "-c", str(wrapper)], cwd=project.path)
        findings: tuple[Finding, ...] = ()
        if run.returncode != 0:
            first = next((ln for ln in run.output.splitlines() if "emerg" in ln), run.output)
            match = _ERROR.search(first)
            line = int(match["line"]) if match and match["file"] == str(config) else None
            message = first.split("]", 1)[-1].strip().replace(str(config), target)
            findings = (Finding(file=target, line=line, message=message),)
        outcomes.append(
            Outcome(
                tool=NAME,
                target=target,
                status="fail" if findings else "pass",
                seconds=run.seconds,
                findings=findings,
            )
        )
    return outcomes


def _configs(project: Path) -> list[Path]:
    folder = project / "deploy" / "nginx"
    return sorted(folder.rglob("*.conf")) if folder.is_dir() else []
