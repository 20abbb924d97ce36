"""`add` and `remove` on a multiselect question (deploy targets): options join and leave.

A throwaway template renders one file per chosen target; `add targets=k8s` adds a target
to those the project has, `remove targets=vm` takes one out, `remove targets` chooses none.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from stackcraft.render import render_new
from stackcraft.template import Template
from stackcraft.toggle import change_answers
from tests.conftest import make_template
from tests.update.conftest import commit_all, git

SETTINGS = """\
targets:
  type: str
  multiselect: true
  choices: [vm, swarm, k8s]
  default: [vm]
"""
FILES = {
    "deploy/{% if 'vm' in targets %}vm.txt{% endif %}": "vm\n",
    "deploy/{% if 'swarm' in targets %}swarm.txt{% endif %}": "swarm\n",
    "deploy/{% if 'k8s' in targets %}k8s.txt{% endif %}": "k8s\n",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
}


def _project(tmp_path: Path) -> Path:
    root = make_template(tmp_path / "tpl", FILES, SETTINGS)
    git(root, "init", "-q")
    commit_all(root, "v1", tag="v1.0.0")
    project = render_new(
        tmp_path / "svc", template=Template.load(root), data={}, defaults=True, vcs_ref="v1.0.0"
    ).path
    git(project, "init", "-q")
    commit_all(project, "generated")
    return project


def _targets(project: Path) -> object:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())["targets"]


def _deployed(project: Path) -> list[str]:
    return sorted(path.name for path in (project / "deploy").glob("*.txt"))


def test_add_joins_an_option_to_those_the_project_has(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = change_answers(project, add=["targets=k8s"])
    assert result.update.applied
    assert _targets(project) == ["vm", "k8s"]
    assert _deployed(project) == ["k8s.txt", "vm.txt"]


def test_remove_of_one_option_keeps_the_others(tmp_path: Path) -> None:
    project = _project(tmp_path)
    change_answers(project, add=["targets=swarm"])
    commit_all(project, "swarm")
    change_answers(project, remove=["targets=vm"])
    assert _targets(project) == ["swarm"]
    assert _deployed(project) == ["swarm.txt"]


def test_remove_of_the_question_chooses_no_option(tmp_path: Path) -> None:
    project = _project(tmp_path)
    change_answers(project, remove=["targets"])
    assert _targets(project) == []
    assert not (project / "deploy").exists()
