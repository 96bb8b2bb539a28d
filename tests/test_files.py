"""grader.files: every file cnngrade writes appears whole or not at all."""

import pytest

from grader.files import atomic_open, write_atomic


def test_text_and_bytes_are_written_whole_with_readable_permissions(tmp_path):
    write_atomic(tmp_path / "sub" / "a.md", "héllo\n")
    write_atomic(tmp_path / "b.pdf", b"%PDF-1.5\x00\xff")
    assert (tmp_path / "sub" / "a.md").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "b.pdf").read_bytes() == b"%PDF-1.5\x00\xff"
    assert oct((tmp_path / "b.pdf").stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.md", "b.pdf", "sub"]


def test_a_failing_write_keeps_the_old_content_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "grades.json"
    write_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("half of the new")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.json"]
