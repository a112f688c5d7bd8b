"""The optional compiled build: one list of hot-path modules, and a build that says
which form is loaded."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from scrubbers import native
from streams.cli import cli

SETUP = Path(__file__).resolve().parents[2] / "setup.py"


def _setup_hot_path() -> list[str]:
    tree = ast.parse(SETUP.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "HOT_PATH":
            return [ast.literal_eval(element) for element in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("setup.py has no HOT_PATH list")


def test_setup_compiles_exactly_the_hot_path_modules() -> None:
    paths = _setup_hot_path()
    assert [p.removesuffix(".py").replace("/", ".") for p in paths] == list(native.HOT_PATH_MODULES)
    root = SETUP.parent
    assert all((root / p).is_file() for p in paths)


def test_the_version_names_the_loaded_build() -> None:
    kind = native.build_kind()
    assert kind in ("compiled", "interpreted")  # "partly compiled" is a broken build
    assert (kind == "compiled") == bool(native.compiled_modules())
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip().endswith(f"(hot path {kind})")


def test_require_fails_unless_everything_is_compiled(capsys: object) -> None:
    expected = 0 if native.build_kind() == "compiled" else 1
    assert native.main(["--require"]) == expected
    assert native.main([]) == 0
