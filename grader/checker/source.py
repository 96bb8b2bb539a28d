"""Reading a submission's code and telling which exercise it answers.

The code is only read and parsed (``ast``) here, never executed: running it is the
sandbox's job.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UserError

__all__ = ["CodeSource", "read_source", "find_exercise_name", "header_name", "default_solution_path", "HEADER"]

#: The header line every starter carries: ``# cnngrade exercise: conv2d-forward``.
HEADER = "# cnngrade exercise: {name}"
_HEADER_RE = re.compile(r"^[ \t]*#[ \t]*cnngrade exercise:[ \t]*([A-Za-z0-9_.\-]+)", re.MULTILINE)
#: IPython-only lines (magics, shell escapes) are commented out so the cell code parses.
_MAGIC_RE = re.compile(r"^([ \t]*)([%!].*)$", re.MULTILINE)
#: The UTF-8 byte order mark some Windows editors write first: Python accepts it in a file
#: it reads as bytes, but it is a syntax error once the text is decoded, so it is dropped.
_BOM = "\ufeff"


@dataclass(frozen=True)
class CodeSource:
    """Submission code held in memory."""

    code: str
    """The Python source (a notebook's code cells joined in order)."""
    name: str = "submission"
    """Submission name (file or folder name without extension)."""
    filename: str = "solution.py"
    """The name the sandbox gives the file (shown in tracebacks)."""

    def __post_init__(self):
        if isinstance(self.code, str) and self.code.startswith(_BOM):  # code given directly
            object.__setattr__(self, "code", self.code[len(_BOM):])

    @classmethod
    def from_path(cls, path: str | Path, *, name: str | None = None) -> "CodeSource":
        path = Path(path)
        return cls(read_source(path), name or path.stem, path.with_suffix(".py").name)

    def __repr__(self) -> str:
        return f"CodeSource(name={self.name!r}, filename={self.filename!r}, {len(self.code)} chars)"


def read_source(path: str | Path) -> str:
    """A .py file's text, or a notebook's code cells in order (magics commented out); a
    leading UTF-8 byte order mark (of the file or of a cell) is dropped."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} is not a file")
    if path.suffix not in (".py", ".ipynb"):
        raise UserError(f"{path} is neither a .py file nor a .ipynb notebook")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path} as UTF-8 text ({exc.__class__.__name__})") from None
    if "\x00" in text:
        raise UserError(f"{path} is a binary file, not Python source")
    text = text.removeprefix(_BOM)
    if path.suffix == ".py":
        return text
    try:
        notebook = json.loads(text)
        cells = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else str(c["source"]) for c in cells]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(f"{path} is not a valid Jupyter notebook") from None
    except (RecursionError, MemoryError):
        raise UserError(f"{path} is nested too deeply to be read as a notebook") from None
    return "\n\n".join(_MAGIC_RE.sub(r"\1# \2", s.removeprefix(_BOM)) for s in sources) + "\n"


def defined_functions(code: str) -> list[str] | None:
    """Names of the top-level functions the code defines (None when it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def header_name(code: str) -> str | None:
    """The exercise the ``# cnngrade exercise: NAME`` header line names, or None."""
    header = _HEADER_RE.search(code)
    return header.group(1) if header else None


def find_exercise_name(code: str, catalogue: dict) -> str:
    """The exercise named in the header line, else the code exercise whose functions the code
    defines (most in common, then the largest share of its functions). ``catalogue`` maps
    names to code exercises."""
    name = header_name(code)
    if name is not None:
        if name not in catalogue:
            known = ", ".join(sorted(catalogue))
            raise UserError(f"the header names unknown exercise {name!r}; known code exercises: {known}")
        return name
    defined = defined_functions(code)
    if defined is None:
        raise UserError("the code has a syntax error and no '# cnngrade exercise: NAME' header, "
                        "so its exercise is unknown; pass --exercise NAME")
    def score(exercise) -> tuple[int, float]:
        # Most functions in common, then the largest share of the exercise's own: a conv2d
        # solution with an im2col helper is conv2d-forward (1 of 1), not im2col (1 of 2).
        wanted = {f.name for f in exercise.functions}
        common = len(wanted & set(defined))
        return common, common / len(wanted)

    scores = {n: score(e) for n, e in catalogue.items()}
    best = max(scores.values(), default=(0, 0.0))
    winners = sorted(n for n, s in scores.items() if s == best)
    if best[0] == 0:
        raise UserError("the code defines none of the exercise functions and has no "
                        "'# cnngrade exercise: NAME' header; pass --exercise NAME")
    if len(winners) > 1:
        raise UserError(f"the code matches several exercises ({', '.join(winners)}); pass --exercise NAME")
    return winners[0]


def default_solution_path(folder: Path) -> Path:
    """The file ``cnngrade check`` grades when given no PATH: the one .py file in ``folder``
    carrying a ``# cnngrade exercise:`` header, else ``solution.py``, else the only .py file."""
    candidates = sorted(p for p in Path(folder).glob("*.py") if p.is_file())
    headed = [p for p in candidates if _HEADER_RE.search(_head(p))]
    if len(headed) == 1:
        return headed[0]
    if (Path(folder) / "solution.py").is_file():
        return Path(folder) / "solution.py"
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UserError(f"no .py file in {folder}; give the PATH of your solution")
    names = ", ".join(p.name for p in (headed or candidates)[:5])
    raise UserError(f"several .py files in {folder} ({names}); give the PATH of your solution")


def _head(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:  # -sig: a BOM'd header
            return handle.read(4096)
    except OSError:
        return ""
