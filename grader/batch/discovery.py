"""Finding the submissions of a class in a folder (DESIGN.md section 3.2).

``SUBMISSIONS`` holds one entry per student: a folder (holding ``solution.py``, or else its
single ``.py`` or ``.ipynb`` file), or a file ``NAME.py`` / ``NAME.ipynb``. The entry's name
without extension is the submission's name. Everything else (hidden files, a roster, LMS
index pages) is skipped and listed, never graded.

An entry that exists but cannot be graded (a folder with several code files, a symbolic
link, an unreadable or binary file) is still a :class:`Submission`, carrying a ``problem``
sentence: the batch turns it into an ``"error"`` grade instead of stopping the class.

An entry whose *name* cannot be a submission name (:func:`name_problem`: not UTF-8, a
control or bidi character, a slash or backslash, a name cnngrade writes in OUT) is not a
submission at all: it is :class:`Skipped` with the reason, listed in the summary, the report
and ``OUT/skipped.json``, and the rest of the class is graded.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.exports import EXPORT_FORMATS, export_filename
from grader.errors import UserError
from grader.sanitize import BIDI_CONTROLS

__all__ = ["Submission", "Skipped", "Scan", "discover", "scan", "load_source", "name_problem", "shown_name",
           "RESERVED_NAMES", "CODE_SUFFIXES", "MAX_SOURCE_BYTES"]

#: File endings graded as code (compared case-insensitively).
CODE_SUFFIXES = (".py", ".ipynb")
#: A source larger than this is refused unread (a real conv2d solution is a few kB).
MAX_SOURCE_BYTES = 2_000_000
# LMS and OS clutter that is never a submission.
_CLUTTER = {"__MACOSX", "__pycache__", "Thumbs.db", "desktop.ini"}
#: Names in OUT that cnngrade writes itself; no submission may be called so (compared
#: case-insensitively: OUT may live on a case-insensitive filesystem).
RESERVED_NAMES = frozenset(
    {"grades.json", "grades.csv", "report.html", "similarity.html", "skipped.json",
     "report.json", "regrades.jsonl"}
    | {export_filename(f) for f in EXPORT_FORMATS}
)
_RESERVED_FOLDED = frozenset(n.casefold() for n in RESERVED_NAMES)
#: A longer name cannot be a folder on common filesystems (255 bytes, minus room for suffixes).
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class Submission:
    """One student's entry in the submissions folder."""

    name: str
    """Entry name without extension: the key in grades.json and the OUT/<name>/ folder."""
    path: Path
    """The entry itself (a folder or a file)."""
    source_path: Path | None
    """The file to grade, or None when the entry holds no gradable file."""
    problem: str | None = None
    """Why this entry cannot be graded (one sentence for the student), or None."""

    def __repr__(self) -> str:
        where = self.source_path.name if self.source_path else "-"
        extra = f", problem={self.problem!r}" if self.problem else ""
        return f"Submission({self.name!r}, {where}{extra})"


@dataclass(frozen=True)
class Skipped:
    """An entry of the submissions folder that is not graded, and why."""

    entry: str
    """The entry's name as shown (bytes that are not UTF-8 written as ``\\xff``); display
    it through :mod:`grader.sanitize`, it is still student text."""
    reason: str
    """Why it was skipped (one sentence)."""

    def to_dict(self) -> dict[str, str]:
        return {"entry": self.entry, "reason": self.reason}


@dataclass(frozen=True)
class Scan:
    """What :func:`scan` found: the submissions and the entries it skipped."""

    submissions: list[Submission]
    """Submissions in name order (case-insensitive, then exact)."""
    skipped: list[Skipped] = field(default_factory=list)
    """Entries that are not submissions (non-code files, hidden files, names that cannot be
    a submission name), with the reason, in entry-name order."""

    @property
    def skipped_names(self) -> list[str]:
        return [s.entry for s in self.skipped]


def _is_code(path: Path) -> bool:
    return path.suffix.lower() in CODE_SUFFIXES and not path.name.startswith(".")


def shown_name(name: str) -> str:
    """An entry name as text that can be written anywhere: bytes that are not UTF-8 (which
    Python holds as lone surrogates) become ``\\xNN``."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a submission name, or None when it can (the one place entry
    names are validated). A submission name is a key in every gradebook and the folder
    ``OUT/<name>/``, so it must be valid UTF-8, one safe folder name, shown as written
    (no control or bidi characters) and none of the files cnngrade writes in OUT."""
    if shown_name(name) != name:
        return "its name is not valid UTF-8"
    if not name.strip():
        return "its name is empty once its extension is removed"
    if name in (".", "..") or name.startswith("."):
        return "its name starts with a dot (a hidden file)"
    if "/" in name or "\\" in name:
        return "its name holds a slash or a backslash, so it cannot be a folder name in OUT"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "its name holds a control character (a newline, a tab, an escape...)"
    if any(ch in BIDI_CONTROLS or ch in "\u2028\u2029" for ch in name):
        return "its name holds a bidirectional-text control, which would display it as another name"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"its name is longer than {MAX_NAME_BYTES} bytes"
    if name.casefold() in _RESERVED_FOLDED:
        return f"its name {name!r} collides with a file cnngrade writes in OUT"
    return None


def _folder_entry(entry: Path) -> Submission:
    """A folder: its solution.py, else its single .py or .ipynb file."""
    name = entry.name
    try:
        children = sorted(entry.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return Submission(name, entry, None, f"the folder {name}/ cannot be read ({exc.strerror}).")
    solution = entry / "solution.py"
    if solution in children:  # iterdir lists links too, dangling ones included
        return _file_submission(name, entry, solution)
    code = [p for p in children if _is_code(p) and (p.is_file() or p.is_symlink())]
    if len(code) == 1:
        return _file_submission(name, entry, code[0])
    if not code:
        return Submission(name, entry, None, f"the folder {name}/ holds no .py or .ipynb file to grade.")
    listed = ", ".join(p.name for p in code[:5]) + (", ..." if len(code) > 5 else "")
    return Submission(
        name, entry, None,
        f"the folder {name}/ holds several code files ({listed}) and no solution.py, so it is "
        "unclear which one to grade; name it solution.py.",
    )


def _file_submission(name: str, entry: Path, source: Path) -> Submission:
    """A source file, refused when it is a link (it could point at anyone's file) or not a file."""
    shown = source.name if source == entry else f"{entry.name}/{source.name}"
    if source.is_symlink() or entry.is_symlink():
        return Submission(name, entry, None, f"{shown} is a symbolic link; submit the file itself.")
    if not source.is_file():
        return Submission(name, entry, None, f"{shown} is not a regular file.")
    return Submission(name, entry, source)


def scan(submissions_dir: str | os.PathLike) -> Scan:
    """Every submission in ``submissions_dir`` and the entries skipped (see module doc).

    Raises UserError when the folder is missing, unreadable, holds no submission at all,
    or holds two entries with the same name (``alice.py`` and ``alice/``).
    """
    folder = Path(submissions_dir)
    if not folder.exists():
        raise UserError(f"the submissions folder {folder} does not exist")
    if not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder of submissions")
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise UserError(f"the submissions folder {folder} cannot be read ({exc.strerror})") from None

    found: dict[str, Submission] = {}
    skipped: list[Skipped] = []
    for entry in sorted(entries, key=lambda p: p.name):
        raw = entry.name
        if raw.startswith("."):
            skipped.append(Skipped(shown_name(raw), "hidden file or folder"))
            continue
        if raw in _CLUTTER:
            skipped.append(Skipped(raw, "operating-system or LMS clutter"))
            continue
        try:
            is_folder = entry.is_dir() and not entry.is_symlink()
        except OSError as exc:  # e.g. a name too long for the filesystem's stat
            skipped.append(Skipped(shown_name(raw), f"it cannot be read ({exc.strerror or exc})"))
            continue
        if not is_folder and not _is_code(entry):
            skipped.append(Skipped(shown_name(raw), "not a folder, .py or .ipynb file"))
            continue
        name = raw if is_folder else entry.stem
        problem = name_problem(name)
        if problem is not None:
            skipped.append(Skipped(shown_name(raw), f"not graded: {problem}; rename it"))
            continue
        submission = _folder_entry(entry) if is_folder else _file_submission(name, entry, entry)
        if name in found:
            raise UserError(
                f"two entries in {folder} give the submission name {name!r} "
                f"({found[name].path.name} and {entry.name}); keep one of them"
            )
        found[name] = submission

    if not found:
        names = [s.entry for s in skipped[:5]]
        hint = f" (skipped: {', '.join(names)}{', ...' if len(skipped) > 5 else ''})" if skipped else ""
        raise UserError(
            f"no submissions in {folder}: expected one folder, NAME.py or NAME.ipynb per student{hint}"
        )
    ordered = sorted(found.values(), key=lambda s: (s.name.casefold(), s.name))
    return Scan(ordered, skipped)


def discover(submissions_dir: str | os.PathLike) -> list[Submission]:
    """The submissions in ``submissions_dir``, in name order (DESIGN.md 3.2).

    Example: ``[s.name for s in discover("examples/class")]``.
    """
    return scan(submissions_dir).submissions


def load_source(submission: Submission) -> tuple[str, str | None, str | None]:
    """Read a submission for grading: ``(content_hash, source_text, problem)``.

    ``content_hash`` is the SHA-256 of the file's bytes (of the problem sentence when there
    is no readable file), the cache key of the submission's content. ``source_text`` is the
    Python code to grade (a notebook's code cells in order), or None together with a
    ``problem`` sentence when the file is unreadable, binary, too large or not a notebook.
    """
    if submission.problem is not None or submission.source_path is None:
        problem = submission.problem or "no file to grade."
        return _sha256(problem.encode()), None, problem
    path = submission.source_path
    shown = path.name if path == submission.path else f"{submission.path.name}/{path.name}"
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            problem = f"{shown} is {size / 1e6:.1f} MB, larger than the {MAX_SOURCE_BYTES / 1e6:.0f} MB accepted."
            return _sha256(problem.encode()), None, problem
        data = path.read_bytes()
    except OSError as exc:
        problem = f"{shown} cannot be read ({exc.strerror or exc})."
        return _sha256(problem.encode()), None, problem
    digest = _sha256(data)

    from grader.checker import read_source  # the checker owns the .py / notebook formats

    try:
        text = read_source(path)
    except UserError as exc:  # the checker's sentence names the file by its full path: shorten it
        message = str(exc).replace(str(path), shown).rstrip(".")
        return digest, None, (message if shown in message else f"{shown}: {message}") + "."
    except Exception as exc:  # any other reader failure is this entry's problem, not the class's
        return digest, None, f"{shown} cannot be read ({type(exc).__name__})."
    return digest, text, None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
