"""The ``cnngrade`` command: a thin click layer over the library.

Every verb maps its options onto one keyword-only library function; defaults and
validation live in the library, so a notebook can make the same calls. A user mistake
(``grader.errors.UserError``) prints one line and exits with status 2.
"""

from __future__ import annotations

import os
import sys
import warnings

import click

# Before numpy loads: cnngrade's own numpy work is on small arrays, and OpenBLAS's idle threads
# would spin for about 0.1 s of CPU in every process (the grader, its workers' fork server),
# taken from the sandboxed children on a busy machine. torch keeps its own thread settings.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from grader.errors import SandboxError, UserError
from grader.sanitize import terminal


def _plain_warnings(shown: set[str]):
    """A ``warnings.showwarning`` that prints a SandboxWarning as one plain line on stderr
    ("Warning: ...", no file and line), once per message; other warnings as Python prints them."""
    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        from grader.sandbox import SandboxWarning

        if not issubclass(category, SandboxWarning):
            return default(message, category, filename, lineno, file, line)
        text = terminal(message, one_line=True)
        if text not in shown:
            shown.add(text)
            click.echo(f"Warning: {text}", err=True)

    return show


class _Cli(click.Group):
    """Turns UserError from any verb into one line on stderr and exit status 2, and
    SandboxError (the sandbox cannot start on this machine) into one line and status 1.
    A SandboxWarning (fewer protections than the platform could give) is one plain line."""

    def invoke(self, ctx):
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _plain_warnings(set())
                return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"Error: {terminal(exc, one_line=True)}", err=True)
            # The verb's own path ("cnngrade new exercise"): groups of verbs are _Cli too.
            words = ["cnngrade", *ctx.command_path.split()[1:], *([ctx.invoked_subcommand] if ctx.invoked_subcommand else [])]
            click.echo(f"Try '{' '.join(words)} --help' for help.", err=True)
            ctx.exit(2)
        except SandboxError as exc:  # the machine, not the user or the student
            click.echo(f"Error: {terminal(exc, one_line=True)}. Nothing was graded; 'cnngrade doctor' shows what is "
                       f"missing.", err=True)
            ctx.exit(1)


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
    """List the catalogue of code and paper exercises.

    Code exercises are numpy functions students write and 'cnngrade check' grades; paper
    exercises are seeded problem generators ('cnngrade new exercise KIND').

    Example: cnngrade list
    """
    from exercises import summaries

    catalogue = sorted(summaries(), key=lambda e: (e["kind"], e["name"]))
    width = max((len(e["name"]) for e in catalogue), default=4)
    click.echo(f"{'NAME':<{width}}  KIND   SUMMARY")
    for ex in catalogue:
        click.echo(f"{ex['name']:<{width}}  {ex['kind']:<5}  {ex['summary']}")


@main.group("new", cls=_Cli)
def new():
    """Create new material (see 'cnngrade new exercise --help')."""


_PAPER_FORMATS = ("md", "tex", "pdf", "html", "json", "moodle", "gift")


@new.command("exercise")
@click.argument("name", metavar="NAME")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="Seed of the variants: the same seed and student id always give the same variant.")
@click.option("--count", type=click.IntRange(min=1), default=None, metavar="K",
              help="Number of variants, numbered 1..K (paper exercises; default 1; at most 10,000: "
                   "a larger class comes as a --roster).")
@click.option("--roster", type=click.Path(dir_okay=False), default=None, metavar="ROSTER.csv",
              help="One variant per student of this CSV (its 'submission' column), no duplicates.")
@click.option("--format", "fmt", type=click.Choice(_PAPER_FORMATS), default="md", show_default=True,
              help="Output format of the sheet and key (pdf needs a TeX engine; moodle and gift "
                   "write one question bank).")
@click.option("--difficulty", type=click.Choice(("easy", "medium", "hard")), default="medium",
              show_default=True, help="Difficulty level of paper variants.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default=".",
              show_default=True, metavar="DIR", help="Folder to write into (created if missing).")
@click.option("--force", is_flag=True,
              help="Replace files in DIR that differ from what would be written (without it, an "
                   "edited starter or another seed's sheets stop the command and nothing is written).")
@click.option("--preset", default=None, metavar="PRESET",
              help="Issue a fixed variant the exercise ships instead of a random one, the same for "
                   "everyone (no --roster, no --count above 1): 'course-notes' for architecture-trace "
                   "is the notes' 100x100x3 exercise (13,285,956 parameters; medium or hard).")
def new_exercise(name, seed, count, roster, fmt, difficulty, out_dir, force, preset):
    """Write a starter and statement (code exercise) or seeded variants and a key (paper exercise).

    NAME is an exercise of 'cnngrade list'. For a code exercise, writes the student starter
    and its statement into DIR, named after NAME with underscores (conv2d-forward gives
    conv2d_forward.py and conv2d_forward.md). For a paper exercise, writes a student sheet
    NAME-sheet.EXT and a separate instructor key NAME-key.EXT with worked solutions (or one
    question bank for moodle/gift), and NAME-answers-template.csv for 'cnngrade grade-answers'.
    Every variant of one paper exercise and difficulty is worth the same points. A file that
    already exists with other content (your edited starter) is never replaced without --force.

    \b
    Examples:
      cnngrade new exercise conv2d-forward -o hw
      cnngrade new exercise conv-output-shape --roster roster.csv --seed 7 --format moodle -o quiz
      cnngrade new exercise architecture-trace --preset course-notes --format html -o lecture2
    """
    from exercises import get_exercise

    exercise = get_exercise(name)
    if preset is not None:
        from grader.errors import UserError
        from grader.paper.presets import preset_exercise

        if exercise.kind == "code":
            raise UserError(f"--preset is for paper exercises; {name} is a code exercise")
        if roster is not None or (count or 1) > 1:
            raise UserError("--preset gives one fixed variant, the same for everyone: it takes no "
                            "--roster and no --count above 1")
        exercise = preset_exercise(exercise, preset)
    if exercise.kind == "code":
        from grader.checker import write_starter

        paths = write_starter(exercise, out_dir=out_dir, force=force)
    else:
        from grader.paper import write_exercise_set

        paths = write_exercise_set(exercise, out_dir=out_dir, seed=seed, count=count,
                                   roster=roster, fmt=fmt, difficulty=difficulty, force=force)
    for path in paths:
        click.echo(f"wrote {path}")


def _policy_options(*, times_fallback: str):
    """The --course and --times options of the verbs that grade (``times_fallback``: where
    submission times come from without an LMS export)."""
    def decorate(command):
        command = click.option(
            "--times", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="TIMES.csv",
            help=f"LMS export of submission times (columns submission, submitted_at in ISO 8601); default: the "
                 f"course file's [course] times, else {times_fallback}.")(command)
        return click.option(
            "--course", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="COURSE.toml",
            help="Course policy file: deadlines, late penalty, extensions and overrides, applied after grading "
                 "(raw score, penalty and final score in every output). See the README, 'Course policies'.")(command)
    return decorate


@main.command("grade")
@click.argument("submissions", type=click.Path(path_type=str))
@click.option("--exercise", "-e", required=True, metavar="NAME", help="Code exercise to grade against (see 'cnngrade list').")
@click.option("--out", "-o", "out_dir", required=True, metavar="OUT", type=click.Path(path_type=str),
              help="Folder receiving grades.json, grades.csv, report.html, one folder per submission and the cache.")
@click.option("--jobs", "-j", type=int, default=None, metavar="N",
              help="Local worker processes (default: the machine's cores; 1 grades in this process).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Grade on an existing Dask cluster instead of local processes (needs cnngrade[dask]).")
@click.option("--export", "exports", multiple=True, metavar="FORMAT",
              type=click.Choice(["canvas", "moodle", "gradescope", "csv"], case_sensitive=False),
              help="Also write an LMS gradebook: canvas, moodle, gradescope or csv (repeatable).")
@click.option("--roster", type=click.Path(path_type=str), default=None, metavar="ROSTER.csv",
              help="CSV mapping submission names to LMS ids (columns: submission, name, email, student_id, "
                   "canvas_id, login_id, username, section); canvas and moodle exports need one.")
@click.option("--similarity-threshold", type=click.FloatRange(0, 1), default=None, metavar="T",
              help="Report pairs of submissions at least this alike (0-1, default 0.6) in report.html.")
@click.option("--no-similarity", is_flag=True, help="Skip the similarity section of the report.")
@click.option("--max-examples", type=click.IntRange(min=1), default=None, metavar="N",
              help="Hypothesis examples per property group (default: the exercise's; fewer is a quicker, "
                   "less thorough pass).")
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="FILE",
              envvar="CNNGRADE_SECRET_FILE", show_envvar=True,
              help="File holding the instructor secret that draws the hidden cases (any text of 16 or more "
                   "characters). Default: OUT/.cnngrade/secret, created on the first run. The same secret "
                   "gives the same grades on any machine; never give it to students.")
@click.option("--isolation", type=click.Choice(["kernel", "bwrap", "linux", "none"]), default="kernel",
              show_default=True,
              help="Sandbox layer: 'kernel' takes bubblewrap, else the built-in Linux layer, and refuses to run "
                   "without one; 'none' accepts in-process protections only (never for a class you do not trust).")
@click.option("--regrade", "regrade", multiple=True, metavar="NAME",
              help="Grade submission NAME again even if the cache holds its result (repeatable).")
@click.option("--force", is_flag=True, help="Grade every submission again, ignoring the cache.")
@_policy_options(times_fallback="the files' modification times")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines and no summary (exit status only).")
def grade(submissions, exercise, out_dir, jobs, scheduler, exports, roster, similarity_threshold, no_similarity,
          max_examples, secret_file, isolation, regrade, force, course, times, quiet):
    """Grade a folder of submissions into a gradebook, feedback files and a class report.

    SUBMISSIONS is a folder with one entry per student: a folder holding solution.py (or
    its single .py / .ipynb file), or a file NAME.py / NAME.ipynb. Each property group is
    graded on the public cases students see with 'cnngrade check' and on hidden cases drawn
    from the instructor secret (see --secret-file): its points need both. Results are cached in
    OUT as they finish: rerunning the same command after an interruption resumes, and
    unchanged submissions are never graded twice (unless --regrade NAME or --force). Entries
    whose name cannot be a submission name are skipped with the reason (skipped.json, the
    report, the summary). One run at a time per OUT. Exit status 0 when every submission
    received a grade (whatever it scored); 1 when the grader itself failed on some (they
    are graded again by the next run); 2 for a usage mistake (nothing is written) or an OUT
    another run is writing; 130 on Ctrl-C (what was graded stays cached: rerun to resume).
    With --course, the course's deadlines, late penalty, extensions and overrides are applied
    to the raw results (an edited course file is re-applied by 'cnngrade regrade OUT').

    \b
    Examples:
      cnngrade grade examples/class --exercise conv2d-forward --out out --export csv --roster examples/class/roster.csv
      cnngrade grade examples/class -e conv2d-forward -o out --course examples/class/course.toml
    """
    from grader.batch import grade_class
    from grader.batch.similarity import DEFAULT_THRESHOLD
    from grader.batch.summary import print_summary

    from grader.batch.grading import GradingInterrupted

    try:
        graded = grade_class(
            submissions, exercise=exercise, out_dir=out_dir, jobs=jobs, scheduler=scheduler,
            exports=exports, roster=roster, progress=not quiet,
            similarity=not no_similarity, max_examples=max_examples, secret_file=secret_file,
            isolation=isolation, regrade=regrade, force=force, course=course, times=times,
            threshold=DEFAULT_THRESHOLD if similarity_threshold is None else similarity_threshold,
        )
    except GradingInterrupted as exc:
        click.echo(str(exc), err=True)
        sys.exit(130)
    except KeyboardInterrupt:  # before grading started: nothing to resume
        click.echo("interrupted: 0 graded, rerun the same command to resume", err=True)
        sys.exit(130)
    if not quiet:
        print_summary(graded)
    sys.exit(1 if graded.grader_failures else 0)


@main.command("grade-answers")
@click.option("--exercise", "exercise", required=True, metavar="KIND",
              help="The paper exercise the variants came from (see 'cnngrade list').")
@click.option("--roster", type=click.Path(dir_okay=False), required=True, metavar="ROSTER.csv",
              help="The roster the variants were generated for (same file, same order).")
@click.option("--answers", type=click.Path(dir_okay=False), required=True, metavar="ANSWERS.csv",
              help="Students' answers: a 'submission' column, then one column per number "
                   "(see NAME-answers-template.csv).")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="The seed given to 'cnngrade new exercise'.")
@click.option("--difficulty", type=click.Choice(("easy", "medium", "hard")), default="medium",
              show_default=True, help="The difficulty given to 'cnngrade new exercise'.")
@click.option("--export", "exports", multiple=True, metavar="FORMAT",
              help="Also write a gradebook for an LMS (canvas, moodle, gradescope, csv); repeatable.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, metavar="OUT",
              help="Folder for grades.json, grades.csv and per-student feedback.")
@_policy_options(times_fallback="the answers file's submitted_at column")
def grade_answers(exercise, roster, answers, seed, difficulty, exports, out_dir, course, times):
    """Grade students' numeric answers to their own paper-exercise variants.

    Regenerates each student's variant from KIND, the ROSTER, the seed and the difficulty,
    compares every number of ANSWERS with the key within its tolerance, and gives partial
    credit per sub-question. Writes the same files as 'cnngrade grade' into OUT. When most
    answers are wrong, it warns and looks for the --seed or --difficulty they fit (the
    sheets were perhaps made with other ones).

    Example: cnngrade grade-answers --exercise pooling-by-hand --roster roster.csv --answers answers.csv --seed 7 --out grades
    """
    from grader.paper import grade_answers as grade

    results, warnings = grade(exercise, roster=roster, answers=answers, seed=seed,
                              out_dir=out_dir, difficulty=difficulty, exports=exports, course=course, times=times)
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    full = sum(r.score == r.max_score for r in results)
    click.echo(f"graded {len(results)} students ({full} with full marks); wrote {out_dir}")


@main.command("regrade")
@click.argument("out_dir", metavar="OUT", type=click.Path(file_okay=False, path_type=str))
@click.argument("submissions", metavar="[SUBMISSION]...", nargs=-1)
@click.option("--reason", required=True, metavar="TEXT", help="Why: recorded in OUT/regrades.jsonl and the report.")
@click.option("--by", metavar="NAME", default=None, help="Who decided (default: your login name).")
@click.option("--course", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="COURSE.toml",
              help="Use this course file from now on instead of the one of the last run.")
@click.option("--times", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="TIMES.csv",
              help="Use this LMS export of submission times from now on.")
def regrade(out_dir, submissions, reason, by, course, times):
    """Grade submissions again, or re-apply the course policy, with a trail of who, when and why.

    OUT is a folder 'cnngrade grade' wrote (it remembers the class, exercise, secret, course
    file and exports). Each SUBMISSION named is graded again in the sandbox; everyone else
    keeps their cached result. With no SUBMISSION nobody is graded again: the course file is
    read as it is now (an edited extension or override) and every output is rebuilt from the
    cached raw results, without running any code. Either way one entry (who, when, why, the
    final scores before and after) is appended to OUT/regrades.jsonl and the report lists it.

    \b
    Examples:
      cnngrade regrade out dan --reason "fixed a test that rejected valid padding"
      cnngrade regrade out --reason "2-day extension for ben (medical)" --by prof.lee
    """
    from grader.batch.regrade import regrade as run_regrade
    from grader.sanitize import terminal

    done = run_regrade(out_dir, submissions, reason=reason, by=by, course=course, times=times,
                       progress=bool(submissions))
    for warning in done.warnings:
        click.echo(f"Warning: {terminal(warning, one_line=True)}", err=True)
    changed = 0
    for change in done.entry["changes"]:
        before, after = (change["before"] or {}).get("final_score"), change["after"]["final_score"]
        changed += before != after
        click.echo(terminal(f"{change['submission']}: final score {before} -> {after}", one_line=True))
    regraded = f"{len(submissions)} graded again, " if submissions else "nobody graded again, "
    click.echo(f"{regraded}{changed} final score(s) changed; recorded in {terminal(out_dir)}/regrades.jsonl")


@main.command("similarity")
@click.argument("submissions", type=click.Path(path_type=str))
@click.option("--threshold", "-t", type=click.FloatRange(0, 1), default=None, metavar="T",
              help="Report pairs at least this alike, from 0 to 1 (default 0.6).")
@click.option("--html", "html_path", type=click.Path(path_type=str), default=None, metavar="FILE",
              help="Also write the pairs side by side, shared runs highlighted, to this HTML file.")
def similarity(submissions, threshold, html_path):
    """List pairs of submissions whose code is suspiciously alike.

    SUBMISSIONS is a folder of submissions (same layout as for 'cnngrade grade'). Code is
    compared after normalising names, comments and formatting (Python's syntax tree). Runs
    shared by many submissions weigh little (common idiom), so independent solutions of a
    short exercise do not flag each other, while a copy shares every run and scores about 1
    however common its code is. Exit status 0 whether or not pairs are found; 2 for a
    usage mistake (an --html FILE that cannot be written).

    Example: cnngrade similarity examples/class --threshold 0.7 --html similar.html
    """
    from grader.batch.similarity import DEFAULT_THRESHOLD, similar_submissions, write_similarity_page

    pairs = similar_submissions(submissions, threshold=DEFAULT_THRESHOLD if threshold is None else threshold)
    if not pairs:
        click.echo("No pair of submissions above the similarity threshold.")
    for pair in pairs:
        click.echo(f"{pair.score:.2f}  {pair.a}  {pair.b}  (coverage {pair.coverage_a:.0%} / {pair.coverage_b:.0%})")
    if html_path:
        write_similarity_page(pairs, path=html_path)
        click.echo(f"wrote {html_path}")


# --- students ----------------------------------------------------------------------------


@main.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--exercise", "-e", metavar="NAME", default=None,
              help="Exercise to check against (default: the '# cnngrade exercise: NAME' header "
                   "of the file, else inferred from the function names it defines).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of a table.")
def check(path, exercise, as_json):
    """Check your own solution: points per property group, smallest failing input, diagnosis.

    PATH is your solution: a .py file or a Jupyter notebook (.ipynb, code cells taken in
    order). Without PATH, the single starter or solution .py file in the current folder is
    used. Your functions run in a sandbox on inputs drawn by hypothesis (the same for every
    student); each failing group shows the smallest failing input and, when your output
    matches a common mistake, names it. These are the public cases: the final grade also
    uses hidden ones, so code that computes the layer (not a table of these inputs) is what
    scores. Exit status 0 only at full marks, 1 otherwise.

    Example: cnngrade check conv2d_forward.py
    """
    import json as json_module
    from pathlib import Path

    from grader.checker import check_submission
    from grader.checker.source import default_solution_path

    target = Path(path) if path else default_solution_path(Path.cwd())
    result = check_submission(target, exercise=exercise)
    if as_json:
        click.echo(json_module.dumps(result.to_dict(), indent=2))
    else:
        from grader.checker.display import print_result

        print_result(result)
    sys.exit(0 if result.status == "passed" else 1)


@main.command("practice")
@click.argument("kind", metavar="KIND")
@click.option("--difficulty", type=click.Choice(("easy", "medium", "hard")), default="medium",
              show_default=True, help="Difficulty of the variant.")
@click.option("--seed", type=int, default=None, metavar="S",
              help="Replay a given variant (default: a fresh random one).")
def practice(kind, difficulty, seed):
    """Drill a paper exercise in the terminal: a fresh variant, your answer checked.

    KIND is a paper exercise of 'cnngrade list'. Type each number when asked (fractions such
    as 25/4 are fine, an empty line skips it); then the score and the worked solution show.

    Example: cnngrade practice convolution-by-hand --difficulty easy
    """
    from grader.paper.practice import run_practice

    run_practice(kind, difficulty=difficulty, seed=seed, ask=lambda text: click.prompt(
        text, default="", show_default=False), say=click.echo)


# --- anyone ------------------------------------------------------------------------------


def _listing_models(command):
    """Fill the ``{models}`` of a command's docstring from the model catalogue, which needs
    no torch: the names in --help are the names build_model knows."""
    from grader.reference.catalogue import MODEL_NAMES

    command.__doc__ = command.__doc__.replace("{models}", ", ".join(MODEL_NAMES))
    return command


@main.command("inspect")
@click.argument("model_or_spec", metavar="MODEL_OR_SPEC")
@click.option("--input", "input_shape", metavar="C,H,W", default=None,
              help="Input shape without the batch: channels,height,width (or C,L for 1-D, "
                   "C,D,H,W for 3-D, D for a flat input). Default: the model's own (3,224,224 for most ImageNet models, "
                   "3,299,299 for inception_v3, 3,32,32 for the CIFAR ResNets, 1,32,32 for "
                   "lenet5) or the spec's 'input'.")
@click.option("--depth", type=click.IntRange(min=1), default=None, metavar="N",
              help="Group the rows into the blocks N levels below the model (e.g. --depth 1 "
                   "on googlenet: one row per inception module, on densenet121 one per dense "
                   "block and transition, on mobilenet_v2 one per stage). Default: every layer.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the analysis as JSON for scripts (shapes in C,H,W order).")
@click.option("--device", metavar="D", default=None,
              help="Run a real pass on zeros on device D (cpu, cuda, auto) instead of the "
                   "default meta pass, which allocates nothing.")
@_listing_models
def inspect(model_or_spec, input_shape, depth, as_json, device):
    """Per-layer shapes, parameters, MACs and receptive field of a model or layer spec.

    MODEL_OR_SPEC is a model name ({models}; case, '-' and '_' do not matter) or a
    layer-spec file (.yaml, .yml or .json) such as those in examples/specs/.

    The table shows each layer's output (height x width x channels), its parameters, its
    multiply-accumulates (MACs, convolutions and dense layers, one input) and the receptive
    field and jump (cumulative stride) of its units in input pixels, then the totals. The
    receptive field is the theoretical one on every row, padding included and never clipped to
    the image; a flatten or dense row has the union over the map it flattens. 1-D specs
    (input [C, L]) and 3-D specs ([C, D, H, W]) work the same way.
    Batch-norm running statistics are buffers, not parameters. Nothing is allocated: the
    model runs on PyTorch's meta device.
    A repeated inspect is read from the user cache (CNNGRADE_CACHE=off: never).

    \b
    Examples:
      cnngrade inspect examples/specs/course-exercise.yaml
      cnngrade inspect resnet50 --input 3,160,160 --depth 2
      cnngrade inspect examples/specs/audio-conv1d.yaml
      cnngrade inspect densenet121 --depth 1
      cnngrade inspect vgg16 --json > vgg16.json
    """
    import json

    from grader.reference.analysis_cache import analyze_cached
    from grader.reference.spec import parse_shape

    shape = parse_shape(input_shape, what="--input shape") if input_shape is not None else None
    # A repeated meta pass is read from the user cache, without importing torch.
    analysis = analyze_cached(model_or_spec, input_shape=shape, device=device, depth=depth)
    if as_json:
        click.echo(json.dumps(analysis.to_dict(), indent=2))
    else:
        from rich.console import Console

        from grader.render.inspect_table import render_analysis

        render_analysis(analysis, console=Console(width=None if sys.stdout.isatty() else 160))


@main.command("landscape")
@click.argument("model_or_spec", metavar="MODEL_OR_SPEC")
@click.option("--out", "-o", metavar="FILE.png", default="landscape.png", show_default=True,
              help="The plot; the grid goes beside it as JSON (FILE.json), with the axes, seeds, "
                   "trained loss and timings.")
@click.option("--steps", type=int, default=200, show_default=True, metavar="N",
              help="Adam steps of training (batches of 64); 0 plots the landscape at initialisation.")
@click.option("--seconds", type=float, default=None, metavar="S",
              help="Also stop training after S seconds (then the run is not exactly repeatable).")
@click.option("--grid", type=int, default=21, show_default=True, metavar="N",
              help="Grid side: N x N loss evaluations (odd puts the trained weights at the centre).")
@click.option("--span", type=float, default=1.0, show_default=True, metavar="X",
              help="The grid covers alpha and beta in [-X, X] (1: one filter norm along each direction).")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="Seed of the data, the initial weights, the batches and the two directions.")
@click.option("--input", "input_shape", metavar="C,H,W", default=None,
              help="Input shape without the batch (default: the model's or the spec's), e.g. 3,32,32 "
                   "to make an ImageNet model affordable.")
@click.option("--device", metavar="D", default="auto", show_default=True,
              help="cpu, cuda, cuda:N or auto (CUDA when present).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
def landscape(model_or_spec, out, steps, seconds, grid, span, seed, input_shape, device, quiet):
    """Plot the loss landscape around a briefly trained network (Li et al. 2018).

    MODEL_OR_SPEC is a model name (see 'cnngrade inspect --help') or a layer-spec file
    whose output is a vector of class scores. The network trains on a seeded synthetic
    set sized to its input (stripes in one orientation per class for images), then the
    training loss is evaluated on an N x N grid around the trained weights, along two
    random Gaussian directions normalised filter by filter to the weights' filter norms
    (biases and batch-norm parameters stay put). Writes FILE.png and FILE.json. Deterministic
    for a seed on the CPU. A run too big for the device (an ImageNet model at 224x224 on a
    CPU) stops at once and says how to shrink it. Needs matplotlib: pip install 'cnngrade[landscape]'.

    \b
    Examples:
      cnngrade landscape examples/specs/landscape-cnn.yaml --out landscape.png
      cnngrade landscape resnet20-cifar --input 3,16,16 --steps 100 --grid 15 --device cuda
    """
    from pathlib import Path

    from grader.reference.landscape import loss_landscape

    result = loss_landscape(model_or_spec, out=out, input_shape=input_shape, grid=grid, span=span,
                            steps=steps, seconds=seconds, seed=seed, device=device, progress=not quiet)
    if not quiet:
        t = result.timings
        click.echo(f"{result.model}: {result.steps} steps in {t['train_s']:.1f} s, training loss "
                   f"{result.trained_loss:.4g}, accuracy {result.train_accuracy:.0%}; {grid}x{grid} grid "
                   f"in {t['grid_s']:.1f} s on {result.device}")
    click.echo(f"wrote {out}")
    click.echo(f"wrote {Path(out).with_suffix('.json')}")


@main.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
def doctor(as_json):
    """Report which sandbox protections are active on this machine.

    Starts a real sandbox with each isolation layer (bubblewrap, the built-in Linux layer)
    to see what works here, then lists every wall with how it is provided or why it is
    missing, and runs a self-test on the layer 'grade' would use. Takes no ARGUMENTS.
    Exit status 0 when a kernel-enforced layer works (so 'cnngrade grade' can run), 1 when
    only the in-process protections are left (then the last line names the fix).

    Example: cnngrade doctor
    """
    import json

    from rich.console import Console
    from rich.table import Table

    from grader.sandbox import capabilities

    caps = capabilities()
    if as_json:
        click.echo(json.dumps(caps, indent=2))
    else:
        table = Table(title=f"cnngrade sandbox protections (layer in use: {caps['layer']})")
        table.add_column("protection")
        table.add_column("active")
        table.add_column("how / why missing")
        for row in caps["protections"]:
            mark = "[green]yes[/green]" if row["active"] else "[red]no[/red]"
            table.add_row(row["name"], mark, row["detail"])
        Console().print(table)
        if not caps["kernel"]:
            click.echo(f"No kernel-enforced isolation: 'cnngrade grade' will refuse to run. "
                       f"To fix: {caps['fix']}.", err=True)
    sys.exit(0 if caps["kernel"] else 1)


if __name__ == "__main__":
    main()
