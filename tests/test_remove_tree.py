"""grader.files.remove_tree: trees a submission built to break cleanup."""

import os

from grader.files import remove_tree


def _dig(root, depth: int) -> None:
    here = os.getcwd()
    os.chdir(root)
    try:
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
            with open("f", "w") as handle:
                handle.write("x")
    finally:
        os.chdir(here)


def test_a_tree_deeper_than_the_recursion_limit_and_path_max_is_removed(tmp_path):
    top = tmp_path / "run"
    top.mkdir()
    _dig(top, 3000)  # 6000 bytes of path: past PATH_MAX, past Python's recursion limit
    assert remove_tree(top) and not top.exists()


def test_links_are_removed_never_followed_and_locked_folders_are_opened(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    top = tmp_path / "run"
    (top / "locked" / "inner").mkdir(parents=True)
    (top / "locked" / "inner" / "f").write_text("x")
    (top / "to_outside").symlink_to(outside)
    (top / "locked" / "to_file").symlink_to(outside / "keep.txt")
    os.chmod(top / "locked", 0)
    assert remove_tree(top) and not top.exists()
    assert (outside / "keep.txt").read_text() == "mine"


def test_a_missing_path_or_a_file(tmp_path):
    assert remove_tree(tmp_path / "nothing")
    (tmp_path / "file").write_text("x")
    assert remove_tree(tmp_path / "file") and not (tmp_path / "file").exists()
