"""The terminal summary printed after ``cnngrade grade`` (rich tables on stdout).

Every string that comes from a submission (names, verdict messages, the submission's own
exception text) goes through :func:`grader.sanitize.rich`: no control character, escape
sequence, bidi override or rich markup of a student reaches the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.render.report import LOW_DISCRIMINATION
from grader.sanitize import rich as _safe

__all__ = ["print_summary"]

_BLOCKS = " ▁▂▃▄▅▆▇█"


def _spark(counts: list[int]) -> str:
    top = max(counts) or 1
    return "".join(_BLOCKS[round(8 * c / top)] if c else "·" for c in counts)


def print_summary(graded, *, console: Console | None = None) -> None:
    """Counts, score histogram, group pass rates, misconceptions, incidents, slowest, similar pairs."""
    console = console or Console()
    stats = graded.outputs.stats
    console.print(
        f"[bold]{stats.exercise}[/]: {stats.count} submissions graded "
        f"({len(graded.regraded)} now, {graded.reused} from the cache): "
        f"[green]{stats.passed} full marks[/], {stats.failed} partial, [red]{stats.errors} could not run[/]; "
        f"mean {100 * stats.mean_fraction:.0f}%, median {100 * stats.median_fraction:.0f}%",
        highlight=False,
    )
    histogram = stats.histogram()
    console.print(f"score histogram 0% → 100%: {_spark(histogram)}  {histogram}", highlight=False)

    groups = Table(title="pass rate per property group", title_justify="left")
    for column in ("group", "passed", "rate"):
        groups.add_column(column, justify="left" if column == "group" else "right")
    for g in stats.groups.values():
        groups.add_row(_safe(g.name), f"{g.passed}/{g.graded}", f"{100 * g.pass_rate:.0f}%")
    console.print(groups)

    if stats.misconceptions:
        table = Table(title="most frequent misconceptions", title_justify="left")
        table.add_column("diagnosis")
        table.add_column("submissions", justify="right")
        for key, count in stats.top_misconceptions(5):
            table.add_row(_safe(key), str(count))
        console.print(table)
    if stats.incident_count:
        table = Table(title="timeouts, crashes and refusals", title_justify="left")
        for column in ("submission", "verdict", "message"):
            table.add_column(column, overflow="fold")
        for incident in stats.incidents[:10]:
            table.add_row(_safe(incident.submission), _safe(incident.verdict), _safe(incident.message[:120]))
        console.print(table)
    slowest = ", ".join(f"{_safe(name)} {seconds:.1f} s" for name, seconds in stats.slowest()[:5])
    if slowest:
        console.print(f"slowest: {slowest}", highlight=False)
    if graded.similar:
        pairs = ", ".join(f"{_safe(p.a)} ~ {_safe(p.b)} ({100 * p.score:.0f}%)" for p in graded.similar[:5])
        console.print(f"[yellow]similar submissions[/]: {len(graded.similar)} pair(s): {pairs}", highlight=False)
    skipped = getattr(graded, "skipped", None) or []
    if skipped:
        table = Table(title=f"entries skipped ({len(skipped)}, listed in skipped.json)", title_justify="left")
        for column in ("entry", "why"):
            table.add_column(column, overflow="fold")
        for entry in skipped[:10]:
            table.add_row(_safe(repr(entry.entry)), _safe(entry.reason))
        console.print(table)
    policy = graded.outputs.policy
    if policy is not None:
        late = sum(1 for c in policy["changed"] if c["penalty"])
        overridden = sum(1 for c in policy["changed"] if c["override"])
        sources = ", ".join(f"{source} {n}" for source, n in policy["time_sources"].items())
        console.print(f"course policy {_safe(policy['course_file'])}: {late} late (penalty), "
                      f"{overridden} override(s); submission times from {_safe(sources)}", highlight=False)
    flagged = [i.name for i in graded.outputs.items
               if i.discrimination is not None and i.discrimination < LOW_DISCRIMINATION]
    if flagged:
        console.print(f"items to review (discrimination below {LOW_DISCRIMINATION}): "
                      f"{_safe(', '.join(flagged))}", highlight=False)
    for warning in graded.outputs.warnings:
        console.print(f"[yellow]warning[/]: {_safe(warning)}", highlight=False)
    if graded.grader_failures:
        names = ", ".join(_safe(name) for name in graded.grader_failures[:5])
        console.print(f"[red]{len(graded.grader_failures)} submission(s) could not be graded because the grader "
                      f"failed[/] ({names}); run the same command again to retry.", highlight=False)
    console.print(f"wrote {_safe(graded.outputs.out_dir)}/grades.json, grades.csv, report.html, report.json and one "
                  f"folder per submission", highlight=False)
