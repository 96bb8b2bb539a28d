"""Fixtures of the sandbox tests (helpers live in sandbox_support.py)."""

import pytest
from sandbox_support import make_world


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A class folder, a gradebook and a grader working directory with canary files, and a
    secret in the grader's environment."""
    return make_world(tmp_path, monkeypatch)
