"""Reshape a generated project's answers file when a template version renames or recodes
an answer; run by copier.yml's `_migrations` before the new version is rendered.

    _migrations:
      - version: v2.0.0
        when: "{{ _stage == 'before' }}"
        command:
          - "{{ _copier_python }}"
          - "{{ _copier_conf.src_path }}/extensions/migrations/answers.py"
          - "--file={{ _copier_conf.answers_file }}"
          - rename
          - db
          - database

Every step is idempotent: renaming a key that is already gone, or recoding a value that
is already new, changes nothing, so running a migration twice is safe. It runs with the
interpreter that runs Copier (`_copier_python`), which has PyYAML; it imports nothing else
outside the standard library.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import yaml

__all__ = ["main", "recode", "rename"]


def rename(answers: Mapping[str, object], old: str, new: str) -> dict[str, object]:
    """Return `answers` with the key `old` called `new`, in the same place.

    When both are present the `new` answer wins (the project was already migrated).
    """
    if old not in answers:
        return dict(answers)
    if new in answers:
        return {key: value for key, value in answers.items() if key != old}
    return {(new if key == old else key): value for key, value in answers.items()}


def recode(
    answers: Mapping[str, object], key: str, mapping: Mapping[str, str]
) -> dict[str, object]:
    """Return `answers` with the value of `key` replaced through `mapping` (old -> new).

    A value `mapping` does not name, or a missing key, is left as it is.
    """
    result = dict(answers)
    value = result.get(key)
    if isinstance(value, str) and value in mapping:
        result[key] = mapping[value]
    return result


def _read(path: Path) -> tuple[list[str], dict[str, object]]:
    """Return the file's leading comment lines (Copier's header) and its answers."""
    text = path.read_text(encoding="utf-8")
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    loaded = cast("dict[str, Any]", yaml.safe_load(text) or {})
    return header, dict(loaded)


def _write(path: Path, header: Sequence[str], answers: Mapping[str, object]) -> None:
    body = yaml.safe_dump(dict(answers), sort_keys=True, allow_unicode=True, width=10_000)
    path.write_text("".join(f"{line}\n" for line in header) + body, encoding="utf-8")


def _pairs(words: Sequence[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for word in words:
        old, sep, new = word.partition("=")
        if not sep or not old:
            raise SystemExit(f"'{word}' is not OLD=NEW: write each value change as OLD=NEW")
        mapping[old] = new
    return mapping


def main(argv: Sequence[str] | None = None) -> int:
    """Apply one step to the answers file; return the exit code (0, also when unchanged)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", default=".copier-answers.yml", help="The answers file.")
    steps = parser.add_subparsers(dest="step", required=True)
    renaming = steps.add_parser("rename", help="Rename an answer: rename OLD NEW.")
    renaming.add_argument("old")
    renaming.add_argument("new")
    recoding = steps.add_parser("recode", help="Change an answer's values: recode KEY OLD=NEW...")
    recoding.add_argument("key")
    recoding.add_argument("pairs", nargs="+", metavar="OLD=NEW")
    args = parser.parse_args(argv)
    path = Path(str(args.file))
    if not path.is_file():
        raise SystemExit(f"no answers file '{path}': run the migration in the project")
    header, answers = _read(path)
    if args.step == "rename":
        migrated = rename(answers, str(args.old), str(args.new))
    else:
        migrated = recode(answers, str(args.key), _pairs(cast("list[str]", args.pairs)))
    if migrated != answers or list(migrated) != list(answers):
        _write(path, header, migrated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
