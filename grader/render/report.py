"""The class report: one self-contained HTML file (inline CSS and SVG, no script, no network).

Sections: overview, score histogram, pass rate per property group, item analytics (mean,
pass rate, discrimination, misconceptions and a plot per item; variant families of a paper
exam), the course policy and the submissions it changed, the regrade trail, most frequent
diagnosed misconceptions, runs that timed out / crashed / hit a limit, slowest submissions,
and the pairs of suspiciously alike submissions side by side, and the entries of the
submissions folder that were skipped, with the reason. Every string that comes from a
submission or a course file (names, code, messages, reasons) goes through
:func:`grader.sanitize.html`: student input is hostile.

:func:`report_data` gives the same numbers as JSON-able data (``report.json``,
schema ``cnngrade-report/1``) for scripts.
"""

from __future__ import annotations

import datetime as _dt

from grader.sanitize import html as escape

__all__ = ["render_report", "render_similarity", "render_similarity_page", "render_skipped", "render_items",
           "render_families", "render_policy", "render_regrades", "report_data", "REPORT_SCHEMA",
           "LOW_DISCRIMINATION"]

#: The schema name of report.json.
REPORT_SCHEMA = "cnngrade-report/1"
#: Items whose discrimination is below this are marked for review (a common rule of thumb
#: of classical test theory: 0.2).
LOW_DISCRIMINATION = 0.2

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
.flag{color:#b3261e;font-weight:600}.review{color:#9a6700}.nowrap{white-space:nowrap}
"""


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _ran(stats) -> int:
    """Submissions that ran (the item analytics count only those)."""
    return stats.passed + stats.failed


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


def _item_curve_svg(item) -> str:
    """An item's plot: its pass rate in each quarter of the rest of the score (lowest first).
    A working item rises to the right; a flat or falling one does not tell strong from weak."""
    width, height, pad, bottom = 168, 64, 4, 14
    bw = (width - 2 * pad) / max(len(item.curve), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + bottom}" role="img" '
             f'aria-label="pass rate of {escape(item.name)} per quarter of the rest of the score">']
    for i, (passed, graded) in enumerate(item.curve):
        x = pad + i * bw
        lo, hi = 100 * i // len(item.curve), 100 * (i + 1) // len(item.curve)
        if graded:
            h = (height - 12) * passed / graded
            parts.append(f'<rect x="{x + 2:.1f}" y="{height - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" '
                         f'fill="#3b6fc4"><title>rest score {lo}-{hi}%: {passed}/{graded} passed</title></rect>'
                         f'<text x="{x + bw / 2:.1f}" y="{height - h - 2:.1f}" font-size="9" '
                         f'text-anchor="middle">{passed}/{graded}</text>')
        else:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{height - 2}" font-size="9" text-anchor="middle" '
                         f'fill="#999">none</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{height + 11}" font-size="8" text-anchor="middle">'
                     f'{lo}-{hi}%</text>')
    parts.append(f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#999"/></svg>')
    return "".join(parts)


def _r(value) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def render_items(items, *, count: int) -> str:
    """The item table: one row per property group or paper part, with its plot."""
    if not items:
        return "<p>No item was graded.</p>"
    rows = []
    for item in items:
        review = (item.discrimination is not None and item.discrimination < LOW_DISCRIMINATION)
        mark = " <span class='review' title='discrimination below 0.2'>review</span>" if review else ""
        causes = ", ".join(f"{escape(k)} ({n})" for k, n in item.misconceptions.most_common(3)) or "&mdash;"
        rows.append(
            f"<tr><td>{escape(item.name)}</td><td class='num'>{item.graded}</td>"
            f"<td class='num'>{item.mean_points:.2f} / {item.max_score:g}</td>"
            f"<td class='num'>{_pct(item.pass_rate)}</td><td class='num'>{_r(item.discrimination)}{mark}</td>"
            f"<td>{causes}</td><td>{_item_curve_svg(item)}</td></tr>")
    return (f"<p class='muted'>Over the {count} submissions that ran. Discrimination: the point-biserial "
            f"correlation of passing the item with the rest of the score (n/a when everyone or nobody passed); "
            f"below {LOW_DISCRIMINATION} the item tells strong from weak submissions poorly. The plot: the pass "
            f"rate in each quarter of the rest of the score.</p>"
            "<table class='items'><tr><th>item</th><th>graded</th><th>mean score</th><th>pass rate</th>"
            "<th>discrimination</th><th>misconceptions behind its failures</th><th>pass rate by rest score</th></tr>"
            + "".join(rows) + "</table>")


def _p(value: float, *, relation: bool = False) -> str:
    """A p-value to four decimals; ``relation``: with its "=" (or "<" when tiny)."""
    if value < 1e-4:
        return "&lt; 0.0001"
    return f"= {value:.4f}" if relation else f"{value:.4f}"


def render_families(test) -> str:
    """The variant-family table of a paper exam: pass rates and which differ beyond chance."""
    rows = "".join(
        f"<tr><td>{escape(f.name)}</td><td class='num'>{f.students}</td><td class='num'>{f.passed}</td>"
        f"<td>{_bar(f.pass_rate)}</td><td class='num'>{_pct(f.pass_rate)}</td><td class='num'>{_pct(f.mean_fraction)}</td>"
        f"<td class='num'>{_p(f.p_value)}</td><td class='num'>{_p(f.p_adjusted)}</td>"
        f"<td>{'<span class=flag>' + f.direction + ' than the others</span>' if f.flagged else 'no'}</td></tr>"
        for f in test.families)
    verdict = (f"<p class='flag'>{len(test.flagged)} famil{'y' if len(test.flagged) == 1 else 'ies'} "
               f"differ{'s' if len(test.flagged) == 1 else ''} beyond chance: the variants are not equally hard.</p>"
               if test.flagged else "<p>No family's pass rate differs from the others beyond chance.</p>")
    return (f"{verdict}<p class='muted'>Passed: full marks. Each family against all the others: Fisher's exact "
            f"test, two-sided, Bonferroni-corrected over the families compared (p &times; {len(test.families)} at "
            f"first); the most significant is flagged below {test.alpha:g}, leaves, and the rest are compared "
            f"again among themselves. All families at once: chi-square test of "
            f"homogeneity, &chi;&sup2; = {test.chi_square:.2f}, df = {test.df}, p {_p(test.p_value, relation=True)}.</p>"
            "<table><tr><th>family</th><th>students</th><th>full marks</th><th></th><th>rate</th><th>mean score</th>"
            f"<th>p</th><th>p (Bonferroni)</th><th>flagged</th></tr>{rows}</table>")


def render_policy(policy) -> str:
    """The course policy section: the rule, where times came from, the grades it changed."""
    sources = {"lms": "the LMS export", "file": "the files' modification times", "none": "no time (never late)"}
    used = ", ".join(f"{sources.get(k, escape(k))}: {n}" for k, n in policy["time_sources"].items()) or "none"
    deadline = escape(policy["deadline"]) if policy["deadline"] else "none for this exercise (nobody is late)"
    rows = []
    for c in policy["changed"]:
        ext = c["extension"]
        ext_text = "&mdash;" if not ext else escape(
            (f"until {ext['until']}" if "until" in ext else f"+{ext['hours']} h")
            + (f" ({ext['reason']})" if ext.get("reason") else "") + (f", by {ext['by']}" if ext.get("by") else ""))
        over = c["override"]
        over_text = "&mdash;" if not over else escape(
            ("score set to " + str(over["score"]) if "score" in over else "late penalty waived")
            + f" by {over['by']}: {over['reason']}")
        final = "not graded" if c["final_score"] is None else c["final_score"]
        hours = c["late_hours"]
        late = "&mdash;" if not hours else (f"{hours:.1f} h" if hours < 24 else f"{hours / 24:.2f} days")
        submitted = escape((c["submitted_at"] or "").replace("T", " "))
        rows.append(f"<tr><td>{escape(c['submission'])}</td><td class='nowrap'>{submitted}</td>"
                    f"<td class='num nowrap'>{late}</td><td class='num'>{c['raw_score']}</td>"
                    f"<td class='num'>{'' if c['penalty'] is None else c['penalty']}</td>"
                    f"<td class='num'>{escape(final)}</td><td>{ext_text}</td><td>{over_text}</td></tr>")
    table = ("<table><tr><th>submission</th><th>submitted</th><th>late</th><th>raw</th><th>penalty</th>"
             "<th>final</th><th>extension</th><th>override</th></tr>" + "".join(rows) + "</table>"
             if rows else "<p>The policy changed no grade.</p>")
    return (f"<p>Course file <code>{escape(policy['course_file'])}</code>"
            + (f" ({escape(policy['name'])})" if policy.get("name") else "")
            + f". Deadline: {deadline}. Late rule: {escape(policy['rule_text'])}. Submission times from {used}.</p>"
            + table)


def render_regrades(trail) -> str:
    """The regrade trail: who regraded, when, why, and what changed."""
    rows = []
    for e in trail:
        changes = "; ".join(
            f"{escape(c['submission'])}: {escape((c.get('before') or {}).get('final_score'))} &rarr; "
            f"{escape(c['after'].get('final_score'))}" for c in e.get("changes", [])) or "no grade changed"
        what = ", ".join(escape(n) for n in e.get("submissions", [])) or "course policy re-applied"
        rows.append(f"<tr><td>{escape(e['at'])}</td><td>{escape(e['by'])}</td><td>{what}</td>"
                    f"<td>{escape(e['reason'])}</td><td>{changes}</td></tr>")
    return ("<p class='muted'>From regrades.jsonl (append-only).</p><table><tr><th>when</th><th>who</th>"
            "<th>regraded</th><th>why</th><th>final score before &rarr; after</th></tr>" + "".join(rows) + "</table>")


def report_data(stats, *, title: str | None = None, items=(), families=None, policy=None, regrades=(),
                skipped=None, generated_at: str | None = None) -> dict:
    """The numbers of the report as JSON-able data (``report.json``)."""
    return {
        "schema": REPORT_SCHEMA,
        "title": title or stats.exercise,
        "exercise": stats.exercise,
        "generated_at": generated_at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "count": stats.count, "passed": stats.passed, "failed": stats.failed, "errors": stats.errors,
        "mean_fraction": round(stats.mean_fraction, 6), "median_fraction": round(stats.median_fraction, 6),
        "histogram": stats.histogram(),
        "by_verdict": dict(sorted(stats.by_verdict.items())),
        "misconceptions": [{"key": k, "submissions": n} for k, n in stats.top_misconceptions()],
        "items": [item.to_dict() for item in items],
        "families": families.to_dict() if families is not None else None,
        "policy": policy,
        "regrades": list(regrades),
        "skipped": [s.to_dict() for s in skipped] if skipped is not None else None,
    }


def render_report(stats, *, title: str | None = None, similarity=None, generated_at: str | None = None,
                  skipped=None, items=None, families=None, policy=None, regrades=None) -> str:
    """The class report as one HTML document.

    - ``stats``: a :class:`grader.batch.stats.ClassStats`.
    - ``similarity``: :class:`grader.batch.similarity.SimilarPair` list, or None to omit the section.
    - ``skipped``: :class:`grader.batch.discovery.Skipped` list, or None to omit the section.
    - ``items``: :class:`grader.batch.analytics.ItemStats` list, or None to omit the item analytics;
      ``families``: a :class:`grader.batch.analytics.FamilyTest`, or None.
    - ``policy``: the course policy summary (``OutputSummary.policy``), or None to omit it.
    - ``regrades``: the regrade trail entries; the section is left out while there are none.
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
    analytics = "" if items is None else f"<h2>Item analytics</h2>{render_items(items, count=_ran(stats))}"
    if families is not None:
        analytics += f"<h2>Variant families</h2>{render_families(families)}"
    policy_section = "" if policy is None else f"<h2>Course policy</h2>{render_policy(policy)}"
    regrade_section = "" if not regrades else f"<h2>Regrades ({len(regrades)})</h2>{render_regrades(regrades)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}: class report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{heading}</h1><p class="muted">Class report generated by cnngrade on {escape(when)}. Run verdicts: {verdicts}.</p>
<div class="cards">{cards}</div>
<h2>Score distribution</h2>{_histogram_svg(stats.histogram())}
<h2>Pass rate per property group</h2>
<table><tr><th>group</th><th>passed</th><th></th><th>rate</th><th>mean points</th></tr>{groups}</table>
{analytics}
{policy_section}
{regrade_section}
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
