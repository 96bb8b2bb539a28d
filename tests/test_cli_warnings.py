"""`cnngrade check` on the portable layer: the SandboxWarning is one plain line on stderr, once."""

import warnings
from pathlib import Path

from click.testing import CliRunner

import cli
from grader.sandbox import SandboxWarning

SOLUTION = Path(__file__).resolve().parents[1] / "solutions" / "relu.py"


def test_a_sandbox_warning_is_one_plain_line_printed_once(monkeypatch):
    import grader.checker

    real = grader.checker.check_submission

    def weak_machine(*args, **kwargs):  # what Sandbox does on a machine without kernel layers
        for _ in range(2):
            warnings.warn("only the portable sandbox layer is available \x1b[2J", SandboxWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(grader.checker, "check_submission", weak_machine)
    result = CliRunner().invoke(cli.main, ["check", str(SOLUTION)])
    assert result.exit_code == 0, result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if "portable" in line]
    assert lines == ["Warning: only the portable sandbox layer is available \\x1b[2J"]
    assert "SandboxWarning" not in result.stderr and ".py:" not in result.stderr


def test_other_warnings_keep_python_s_format():
    shown = []
    show = cli._plain_warnings(set())
    import click

    original = click.echo
    try:
        click.echo = lambda *a, **k: shown.append(a)
        show(DeprecationWarning("old"), DeprecationWarning, "x.py", 3, file=__import__("io").StringIO())
    finally:
        click.echo = original
    assert shown == []  # not turned into a plain line
