"""Grading a class: discovery, parallel executors, a resumable cache, gradebooks and exports.

>>> from grader.batch import grade_class
>>> graded = grade_class("examples/class", exercise="conv2d-forward", out_dir="out")
>>> [(r.submission, r.score) for r in graded]
"""

from grader.batch.cache import CacheKey, ResultCache
from grader.batch.discovery import Scan, Submission, discover, load_source, scan
from grader.batch.exports import EXPORT_FORMATS, Roster, load_roster
from grader.batch.grading import GradedClass, grade_class
from grader.batch.outputs import OutputSummary, feedback_markdown, gradescope_results, write_outputs
from grader.batch.similarity import SimilarPair, find_similar, similar_submissions
from grader.batch.stats import ClassStats

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
