"""The class report: one self-contained HTML file (inline CSS and SVG, no script, no network).

Sections: overview, score histogram, pass rate per property group, most frequent diagnosed
misconceptions, runs that timed out / crashed / hit a limit, slowest submissions, and the
pairs of suspiciously alike submissions side by side, and the entries of the submissions
folder that were skipped, with the reason. Every string that comes from a submission (names,
code, messages) goes through :func:`grader.sanitize.html`: student input is hostile.
"""

from __future__ import annotations

import datetime as _dt

from grader.sanitize import html as escape

__all__ = ["render_report", "render_similarity", "render_similarity_page", "render_skipped"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;color:#1d1d1f;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.muted{color:#666}.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:8px;padding:.7rem 1.1rem;min-width:8rem}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.3rem .7rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#fafafa}.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#e8eef8;width:14rem;height:.9rem;border-radius:3px;overflow:hidden}.bar span{display:block;height:100%;background:#3b6fc4}
.pair{margin:1rem 0;border:1px solid #ddd;border-radius:8px;padding:.5rem 1rem}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
pre{background:#f7f7f9;padding:.5rem;overflow:auto;font-size:.8rem;line-height:1.35;margin:0}
pre .hit{background:#ffe08a;display:inline-block;width:100%}
"""


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _bar(fraction: float) -> str:
    width = max(0.0, min(1.0, fraction)) * 100
    return f'<div class="bar"><span style="width:{width:.1f}%"></span></div>'


def _histogram_svg(counts: list[int]) -> str:
    """Bars of the score histogram as inline SVG (bins of score / max_score)."""
    width, height, pad = 560, 200, 30
    headroom = 18  # room above the tallest bar for its count label
    top = max(counts) or 1
    bw = (width - pad) / len(counts)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
             f'aria-label="score histogram">']
    for i, count in enumerate(counts):
        h = (height - headroom) * count / top
        x = pad + i * bw
        parts.append(f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" fill="#3b6fc4">'
                     f'<title>{count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{height - h - 4:.1f}" font-size="11" text-anchor="middle">{count}</text>')
        lo, hi = 100 * i // len(counts), 100 * (i + 1) // len(counts)
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{height + 16}" font-size="10" text-anchor="middle">{lo}-{hi}%</text>')
    parts.append(f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/></svg>')
    return "".join(parts)


def _code(source: str, hits: list[int]) -> str:
    marked = set(hits)
    lines = source.splitlines() or [""]
    body = "\n".join(
        (f'<span class="hit">{escape(line) or " "}</span>' if number in marked else escape(line))
        for number, line in enumerate(lines, start=1)
    )
    return f"<pre>{body}</pre>"


def render_similarity(pairs, *, limit: int = 50) -> str:
    """The similarity section: one side-by-side block per pair, shared runs highlighted."""
    if not pairs:
        return "<p>No pair of submissions above the similarity threshold.</p>"
    rows = "".join(
        f"<tr><td>{escape(p.a)}</td><td>{escape(p.b)}</td><td class='num'>{_pct(p.score)}</td>"
        f"<td class='num'>{_pct(p.coverage_a)} / {_pct(p.coverage_b)}</td></tr>"
        for p in pairs
    )
    blocks = "".join(
        f'<details class="pair"><summary><b>{escape(p.a)}</b> and <b>{escape(p.b)}</b>: {_pct(p.score)} alike</summary>'
        f'<div class="side"><div><h4>{escape(p.a)}</h4>{_code(p.source_a, p.lines_a)}</div>'
        f'<div><h4>{escape(p.b)}</h4>{_code(p.source_b, p.lines_b)}</div></div></details>'
        for p in pairs[:limit]
    )
    more = f"<p class='muted'>{len(pairs) - limit} more pairs not shown side by side.</p>" if len(pairs) > limit else ""
    return (
        "<p class='muted'>Alike after normalising names, comments and formatting (AST fingerprints); "
        "highlighted lines lie inside shared runs. A lead for a conversation, not proof.</p>"
        f"<table><tr><th>submission</th><th>submission</th><th>alike</th><th>coverage</th></tr>{rows}</table>{blocks}{more}"
    )


def render_similarity_page(pairs) -> str:
    """A standalone HTML page holding only the similarity section (``cnngrade similarity --html``)."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>similar submissions</title>"
        f"<style>{_CSS}</style></head>\n<body>\n<h1>Similar submissions</h1>{render_similarity(pairs)}\n</body></html>\n"
    )


def render_skipped(skipped) -> str:
    """The section listing entries of the submissions folder that were not graded."""
    if not skipped:
        return "<p>Every entry of the submissions folder was graded.</p>"
    rows = "".join(f"<tr><td><code>{escape(s.entry)}</code></td><td>{escape(s.reason)}</td></tr>" for s in skipped)
    return ("<p class='muted'>Not submissions, so not in grades.json (listed in skipped.json).</p>"
            f"<table><tr><th>entry</th><th>why it was skipped</th></tr>{rows}</table>")


def render_report(stats, *, title: str | None = None, similarity=None, generated_at: str | None = None,
                  skipped=None) -> str:
    """The class report as one HTML document.

    - ``stats``: a :class:`grader.batch.stats.ClassStats`.
    - ``similarity``: :class:`grader.batch.similarity.SimilarPair` list, or None to omit the section.
    - ``skipped``: :class:`grader.batch.discovery.Skipped` list, or None to omit the section.
    """
    when = generated_at or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    heading = escape(title or stats.exercise or "class report")
    cards = "".join(
        f'<div class="card"><span class="muted">{label}</span><b>{value}</b></div>'
        for label, value in (
            ("submissions", stats.count), ("full marks", stats.passed), ("partial", stats.failed),
            ("could not run", stats.errors), ("mean score", _pct(stats.mean_fraction)),
            ("median score", _pct(stats.median_fraction)),
        )
    )
    groups = "".join(
        f"<tr><td>{escape(g.name)}</td><td class='num'>{g.passed}/{g.graded}</td><td>{_bar(g.pass_rate)}</td>"
        f"<td class='num'>{_pct(g.pass_rate)}</td><td class='num'>{g.mean_points:.2f} / {g.max_score:g}</td></tr>"
        for g in stats.groups.values()
    ) or "<tr><td colspan=5>No property group was graded.</td></tr>"
    misconceptions = "".join(
        f"<tr><td>{escape(key)}</td><td class='num'>{count}</td><td>{_bar(count / max(stats.count, 1))}</td></tr>"
        for key, count in stats.top_misconceptions()
    ) or "<tr><td colspan=3>No misconception was diagnosed.</td></tr>"
    incidents = "".join(
        f"<tr><td>{escape(i.submission)}</td><td>{escape(i.verdict)}</td><td>{escape(i.message)}</td></tr>"
        for i in stats.incidents
    ) or "<tr><td colspan=3>No submission timed out, crashed, hit a limit or was refused.</td></tr>"
    hidden = stats.incident_count - len(stats.incidents)
    incidents_more = f"<p class='muted'>and {hidden} more.</p>" if hidden > 0 else ""
    slowest = "".join(
        f"<tr><td>{escape(name)}</td><td class='num'>{seconds:.1f} s</td></tr>" for name, seconds in stats.slowest()
    )
    verdicts = ", ".join(f"{escape(v)}: {n}" for v, n in sorted(stats.by_verdict.items()))
    similar = "" if similarity is None else f"<h2>Similar submissions</h2>{render_similarity(similarity)}"
    skipped_section = "" if skipped is None else (f"<h2>Entries skipped ({len(skipped)})</h2>"
                                                  f"{render_skipped(skipped)}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}: class report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{heading}</h1><p class="muted">Class report generated by cnngrade on {escape(when)}. Run verdicts: {verdicts}.</p>
<div class="cards">{cards}</div>
<h2>Score distribution</h2>{_histogram_svg(stats.histogram())}
<h2>Pass rate per property group</h2>
<table><tr><th>group</th><th>passed</th><th></th><th>rate</th><th>mean points</th></tr>{groups}</table>
<h2>Most frequent misconceptions</h2>
<table><tr><th>diagnosis</th><th>submissions</th><th></th></tr>{misconceptions}</table>
<h2>Timeouts, crashes and refusals</h2>
<table><tr><th>submission</th><th>verdict</th><th>message</th></tr>{incidents}</table>{incidents_more}
<h2>Slowest submissions</h2>
<table><tr><th>submission</th><th>grading time</th></tr>{slowest}</table>
{similar}
{skipped_section}
</body></html>
"""
