"""The render tier's checks catch what they promise to, and nothing legitimate."""

from __future__ import annotations

from pathlib import Path

from stackcraft.checks import leftover_jinja, render_problems, unparseable_files
from tests.conftest import write_files


def test_leftover_jinja_names_file_and_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"README.md": "# ok\n{{ project_name }}\n"})
    assert leftover_jinja(tmp_path) == ["README.md:2: leftover Jinja: {{ project_name }}"]


def test_github_and_metadata_action_placeholders_are_not_jinja(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"ci.yml": "x: ${{ github.sha }}\ntags: type=semver,pattern={{major}}.{{minor}}\n"},
    )
    assert leftover_jinja(tmp_path) == []


def test_unparseable_files_names_each_broken_format(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a.yaml": "key: [unclosed\n",
            "b.toml": "x = \n",
            "c.json": "{,}",
            "d.py": "def f(:\n",
            "fine.yaml": "ok: true\n",
        },
    )
    problems = unparseable_files(tmp_path)
    assert [p.split(":")[0] for p in problems] == ["d.py", "a.yaml", "b.toml", "c.json"]


def test_python_parses_with_the_projects_target_version(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".copier-answers.yml": "python_version: '3.12'\n",
            "types.py": "type Owner = int\n",
        },
    )
    assert render_problems(tmp_path) == []


def test_the_fuzzer_leaves_out_operations_that_answer_a_stream() -> None:
    from stackcraft.smoke.fuzz import streaming_paths

    schema: dict[str, object] = {
        "paths": {
            "/events": {
                "get": {"responses": {"200": {"content": {"text/event-stream": {}}}}},
            },
            "/items": {
                "get": {"responses": {"200": {"content": {"application/json": {}}}}},
                "parameters": [],
            },
        }
    }
    assert streaming_paths(schema) == ["/events"]
