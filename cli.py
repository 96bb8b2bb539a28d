"""The ``cnngrade`` command: a thin click layer over the library.

Every verb maps its options onto one keyword-only library function; defaults and
validation live in the library, so a notebook can make the same calls. A user mistake
(``grader.errors.UserError``) prints one line and exits with status 2.
"""

from __future__ import annotations

import sys

import click

from grader.errors import UserError

NOT_BUILT_EXIT = 2


class _Cli(click.Group):
    """Turns UserError from any verb into one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"Error: {exc}", err=True)
            sub = ctx.invoked_subcommand
            click.echo(f"Try 'cnngrade {sub + ' ' if sub else ''}--help' for help.", err=True)
            ctx.exit(2)


def _not_built(verb: str) -> None:
    click.echo(f"cnngrade {verb}: not built yet in this version.", err=True)
    sys.exit(NOT_BUILT_EXIT)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnngrade")
def main():
    """Autograder toolkit for courses on convolutional networks.

    Instructors generate exercises and grade a class; students check their own
    code before submitting. Run 'cnngrade VERB --help' for the manual of a verb.
    """


# --- instructors -------------------------------------------------------------------------


@main.command("list")
def list_cmd():
    """List the catalogue of code and paper exercises."""
    _not_built("list")


@main.group("new")
def new():
    """Create new material (see 'cnngrade new exercise --help')."""


@new.command("exercise")
def new_exercise():
    """Write a starter and statement (code exercise) or seeded variants and a key (paper exercise)."""
    _not_built("new exercise")


@main.command("grade")
def grade():
    """Grade a folder of submissions into a gradebook, feedback files and a class report."""
    _not_built("grade")


@main.command("grade-answers")
def grade_answers():
    """Grade students' numeric answers to their own paper-exercise variants."""
    _not_built("grade-answers")


@main.command("similarity")
def similarity():
    """List pairs of submissions whose code is suspiciously alike."""
    _not_built("similarity")


# --- students ----------------------------------------------------------------------------


@main.command("check")
def check():
    """Check your own solution: points per property group, smallest failing input, diagnosis."""
    _not_built("check")


@main.command("practice")
def practice():
    """Drill a paper exercise in the terminal: a fresh variant, your answer checked."""
    _not_built("practice")


# --- anyone ------------------------------------------------------------------------------


@main.command("inspect")
def inspect():
    """Per-layer shapes, parameters, MACs and receptive field of a model or layer spec."""
    _not_built("inspect")


@main.command("doctor")
def doctor():
    """Report which sandbox protections are active on this machine."""
    _not_built("doctor")


if __name__ == "__main__":
    main()
