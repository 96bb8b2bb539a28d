"""Paper exercises as JSON: kind, seed, parameters, statement, structured answers with
tolerances, and the worked solution (the schema is documented in the README)."""

from __future__ import annotations

import json
from typing import Sequence

from grader.paper.model import Variant

__all__ = ["EXTENSION", "SCHEMA", "render", "document"]

EXTENSION = "json"
SCHEMA = "cnngrade-paper-exercise/1"


def document(variants: Sequence[Variant], *, key: bool) -> dict:
    first = variants[0]
    return {
        "schema": SCHEMA,
        "kind": first.kind,
        "title": first.title,
        "seed": first.seed,
        "difficulty": first.difficulty,
        "key": key,
        "variants": [v.to_dict(key=key) for v in variants],
    }


def render(variants: Sequence[Variant], *, key: bool) -> str:
    return json.dumps(document(variants, key=key), indent=1) + "\n"
