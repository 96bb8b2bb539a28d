"""Grading a class: discovery, parallel executors, a resumable cache, gradebooks and exports.

>>> from grader.batch import grade_class
>>> graded = grade_class("examples/class", exercise="conv2d-forward", out_dir="out")
>>> [(r.submission, r.score) for r in graded]
"""

import importlib

#: Where each name lives; a submodule is imported when one of its names is first used, so
#: ``grader.batch.discovery`` (say, for reading a roster) does not import the whole batch layer.
_HOMES = {
    "cache": ("CacheKey", "ResultCache"),
    "discovery": ("Scan", "Submission", "discover", "load_source", "scan"),
    "exports": ("EXPORT_FORMATS", "Roster", "load_roster"),
    "grading": ("GradedClass", "grade_class"),
    "outputs": ("OutputSummary", "feedback_markdown", "gradescope_results", "write_outputs"),
    "similarity": ("SimilarPair", "find_similar", "similar_submissions"),
    "stats": ("ClassStats",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "CacheKey",
    "ClassStats",
    "EXPORT_FORMATS",
    "GradedClass",
    "OutputSummary",
    "ResultCache",
    "Roster",
    "Scan",
    "SimilarPair",
    "Submission",
    "discover",
    "feedback_markdown",
    "find_similar",
    "grade_class",
    "gradescope_results",
    "load_roster",
    "load_source",
    "scan",
    "similar_submissions",
    "write_outputs",
]


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_HOME])
