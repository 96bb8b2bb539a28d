"""Paper exercises as PDF, compiled from the LaTeX renderer by the first TeX engine found
(tectonic, pdflatex, xelatex or lualatex). Without one, a clear UserError: cnngrade does not
depend on TeX."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

from grader.errors import UserError
from grader.paper.model import Variant
from grader.render import latex

__all__ = ["EXTENSION", "ENGINES", "find_engine", "require_engine", "render", "compile_tex"]

EXTENSION = "pdf"
ENGINES = ("tectonic", "pdflatex", "xelatex", "lualatex")
_TIMEOUT_S = 300


def find_engine() -> str | None:
    """Path of the first TeX engine on PATH, or None."""
    for name in ENGINES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_engine() -> str:
    """Path of the first TeX engine on PATH; UserError naming the alternatives when none is."""
    engine = find_engine()
    if engine is None:
        raise UserError(f"no TeX engine found (looked for {', '.join(ENGINES)}); install one, "
                        "or use --format tex and compile the file elsewhere, or --format html "
                        "and print it")
    return engine


def compile_tex(source: str) -> bytes:
    """Compile a LaTeX document to PDF bytes; UserError when no engine is installed or it fails."""
    engine = require_engine()
    with tempfile.TemporaryDirectory(prefix="cnngrade-tex-") as tmp:
        (Path(tmp) / "doc.tex").write_text(source, encoding="utf-8")
        if Path(engine).name == "tectonic":
            cmd = [engine, "--keep-logs", "doc.tex"]
        else:
            cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
        try:
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True,
                                  timeout=_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise UserError(f"{Path(engine).name} took more than {_TIMEOUT_S} s; use --format tex") from None
        pdf = Path(tmp) / "doc.pdf"
        if done.returncode != 0 or not pdf.exists():
            log = (done.stdout + done.stderr).strip().splitlines()[-15:]
            raise UserError(f"{Path(engine).name} could not compile the LaTeX: " + " | ".join(log))
        return pdf.read_bytes()


def render(variants: Sequence[Variant], *, key: bool) -> bytes:
    return compile_tex(latex.render(variants, key=key))
