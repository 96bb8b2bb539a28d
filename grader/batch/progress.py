"""Progress of a batch: a rich bar with ETA on a terminal, plain lines in logs and CI.

Everything goes to stderr, so stdout keeps only the summary. Submission names are student
text: they reach the terminal only through :func:`grader.sanitize.terminal` (plain lines) or
:func:`grader.sanitize.rich` (the bar's markup field).
"""

from __future__ import annotations

import sys

from grader.results import SubmissionResult
from grader.sanitize import rich, terminal

__all__ = ["Progress"]


def _fmt(x: float) -> str:
    return f"{x:g}"


class Progress:
    """Reports submissions as they finish; a context manager around the grading loop."""

    def __init__(self, *, total: int, enabled: bool = True, stream=None):
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.count = 0
        self.cached = 0
        self._bar = None
        self._task = None
        self._notes: list[str] = []
        self._entered = False

    def __repr__(self) -> str:
        return f"Progress({self.count}/{self.total})"

    def __enter__(self) -> "Progress":
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[last]}"),
                console=Console(file=self.stream), transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("grading", total=self.total, last="")
        self._entered = True
        for note in self._notes:
            self._line(note)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if self.enabled and self.cached:
            self._line(f"reused {self.cached} result(s) from the cache (unchanged submissions)")

    def _line(self, text: str) -> None:
        if not self.enabled:
            return
        text = terminal(text)
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        """A line for the instructor (held until the loop starts, printed at once after)."""
        if self._entered:
            self._line(text)
        else:
            self._notes.append(text)

    def reused(self) -> None:
        """A result taken from the cache."""
        self.count += 1
        self.cached += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1)

    def done(self, result: SubmissionResult) -> None:
        """A freshly graded result."""
        self.count += 1
        line = (f"[{self.count}/{self.total}] {terminal(result.submission, one_line=True)}: "
                f"{_fmt(result.score)}/{_fmt(result.max_score)} "
                f"{result.status}" + (f" ({result.verdict})" if result.verdict != "ok" else "")
                + f" in {result.duration_s:.1f} s")
        if self._bar is not None:
            self._bar.update(self._task, advance=1, last=f"{rich(result.submission)}: {rich(result.status)}")
        else:
            self._line(line)
