"""Paper exercises: seeded per-student variants, answer keys with worked solutions,
export to print and LMS formats, and grading of students' numeric answers.

Library calls behind ``cnngrade new exercise``, ``cnngrade grade-answers`` and
``cnngrade practice``; a notebook can make the same calls::

    from grader.paper import make_variants, write_exercise_set
    variants = make_variants("conv-output-shape", seed=7, count=3)
    write_exercise_set("pooling-by-hand", out_dir="out", seed=7, fmt="moodle", count=20)
"""

from grader.paper.model import (
    DIFFICULTIES,
    Body,
    Grid,
    Part,
    PaperExercise,
    Step,
    Variant,
    fmt_number,
)
from grader.paper.generate import (
    FORMATS,
    get_paper_exercise,
    make_variants,
    paper_exercises,
    read_roster_ids,
    write_exercise_set,
)
from grader.paper.grading import grade_answers, grade_variant, parse_number, read_answers

__all__ = [
    "DIFFICULTIES",
    "FORMATS",
    "Body",
    "Grid",
    "Part",
    "PaperExercise",
    "Step",
    "Variant",
    "fmt_number",
    "get_paper_exercise",
    "grade_answers",
    "grade_variant",
    "make_variants",
    "paper_exercises",
    "parse_number",
    "read_answers",
    "read_roster_ids",
    "write_exercise_set",
]
