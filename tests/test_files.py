"""Discovery (excludes, venvs, symlink loops, explicit paths) and reading source bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kerlint.config import load_settings
from kerlint.files import PathError, SourceError, decode_source, discover, might_build_keras_models, read_source


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import keras\n")


def found(tmp_path: Path, paths=None, pyproject: str = "[tool.kerlint]\n", force_exclude: bool = False) -> list[str]:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    settings = load_settings(tmp_path / "pyproject.toml")
    result = discover(paths or [tmp_path], lambda _path: settings, force_exclude=force_exclude)
    return [p.relative_to(tmp_path).as_posix() for p in result]


def test_recursive_sorted_python_files_and_notebooks_only(tmp_path):
    touch(tmp_path, "b.py", "a.py", "pkg/z.py", "pkg/sub/y.py", "notes.txt", "nb.ipynb", "pkg/data.pyc", "pkg/nb.ipynb.bak")
    assert found(tmp_path) == ["a.py", "b.py", "nb.ipynb", "pkg/sub/y.py", "pkg/z.py"]


def test_skips_hidden_default_excluded_and_virtualenv_dirs(tmp_path):
    touch(tmp_path, "ok.py", ".hidden/x.py", "build/x.py", "node_modules/x.py", "__pycache__/x.py")
    touch(tmp_path, "myenv/lib/x.py", "myenv/pyvenv.cfg")
    assert found(tmp_path) == ["ok.py"]


def test_exclude_globs_match_names_and_relative_paths(tmp_path):
    touch(tmp_path, "src/gen/x.py", "src/keep/y.py", "src/keep/generated_z.py", "legacy/old.py", "other/legacy/ok.py")
    pyproject = "[tool.kerlint]\nextend-exclude = ['gen', 'generated_*.py', 'legacy/*']\n"
    assert found(tmp_path, pyproject=pyproject) == ["other/legacy/ok.py", "src/keep/y.py"]


def test_explicit_files_are_always_yielded_unless_force_exclude(tmp_path):
    touch(tmp_path, "build/gen/x.py", "script")
    explicit = [tmp_path / "build" / "gen" / "x.py", tmp_path / "script"]
    assert found(tmp_path, explicit) == ["build/gen/x.py", "script"]
    assert found(tmp_path, explicit, force_exclude=True) == ["script"]  # excluded through its parent 'build'


def test_explicit_excluded_directory_is_walked_unless_force_exclude(tmp_path):
    touch(tmp_path, "build/x.py")
    assert found(tmp_path, [tmp_path / "build"]) == ["build/x.py"]
    assert found(tmp_path, [tmp_path / "build"], force_exclude=True) == []


def test_duplicates_across_arguments_are_yielded_once(tmp_path):
    touch(tmp_path, "pkg/a.py")
    assert found(tmp_path, [tmp_path / "pkg", tmp_path / "pkg" / "a.py", tmp_path]) == ["pkg/a.py"]


def test_settings_are_looked_up_per_directory(tmp_path):
    touch(tmp_path, "a/x.py", "b/x.py")
    loose, strict = load_settings(None), load_settings(None, extra_exclude=["x.py"])
    result = discover([tmp_path], lambda path: strict if path.name == "b" else loose)
    assert [p.relative_to(tmp_path).as_posix() for p in result] == ["a/x.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_terminates(tmp_path):
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "self1", tmp_path / "self2")
    os.symlink(tmp_path / "self2", tmp_path / "self1")
    assert found(tmp_path) == ["pkg/a.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_directory_outside_the_tree_is_followed(tmp_path):
    touch(tmp_path, "shared/lib.py")
    (tmp_path / "proj").mkdir()
    os.symlink(tmp_path / "shared", tmp_path / "proj" / "shared")
    result = discover([tmp_path / "proj"], lambda _path: load_settings(None))
    assert list(result) == [tmp_path / "proj" / "shared" / "lib.py"]


def test_unreadable_directories_are_skipped(tmp_path, monkeypatch):
    touch(tmp_path, "ok.py", "locked/x.py")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("kerlint.files.os.scandir", scandir)
    assert found(tmp_path) == ["ok.py"]
    warnings = []
    settings = load_settings(tmp_path / "pyproject.toml")
    list(discover([tmp_path], lambda _path: settings, warn=warnings.append))
    assert warnings == [f"cannot read directory {tmp_path / 'locked'}: Permission denied; skipped"]


def test_a_path_that_does_not_exist_raises(tmp_path):
    settings = load_settings(None)
    with pytest.raises(PathError, match="^nosuch: no such file or directory$"):
        list(discover([Path("nosuch")], lambda _path: settings))
    (tmp_path / "dangling").symlink_to(tmp_path / "gone.py")  # exists as a name: reading it is KER001
    assert list(discover([tmp_path / "dangling"], lambda _path: settings)) == [tmp_path / "dangling"]


def test_prefilter_keeps_files_that_name_keras_and_its_model_building_api():
    assert might_build_keras_models(b"from tensorflow import keras\nmodel = keras.Sequential()\n")
    assert might_build_keras_models(b"import tf_keras as k\nx = k.layers.Dense(3)\n")
    assert might_build_keras_models(b"from tensorflow.keras.layers import Dense as D\n")
    assert might_build_keras_models(b"import keras\nclass Block(keras.layers.Layer): pass\n")
    assert might_build_keras_models(b"import tensorflow as tf\nm = build()\nm.fit(x, y)\n")


def test_prefilter_skips_files_that_cannot_build_a_keras_model():
    assert not might_build_keras_models(b"import torch\nmodel = torch.nn.Linear(3, 4)\n")
    assert not might_build_keras_models(b"from keras import ops\ny = ops.add(1, 2)\n")
    assert not might_build_keras_models(b"import tensorflow as tf\nt = tf.constant(1)\n")
    assert not might_build_keras_models(b'{"cells": [{"cell_type": "code", "source": "import torch"}]}', notebook=True)


@pytest.mark.parametrize(
    "data, notebook",
    [
        (b"x = 1\n# caf\xe9\n", False),  # latin-1 without a coding cookie
        ("x = 1\n".encode("utf-16"), False),
        (b"\x00\x01\x02", False),
        (b'{"cells": [', True),  # not JSON
        (b'{"nbformat": 4}', True),  # no cells
    ],
)
def test_prefilter_keeps_files_that_cannot_be_read_so_that_they_are_reported(data, notebook):
    """Issue 18, items 2 and 3: a broken file without Keras's words must be KER001, not a silent pass."""
    assert might_build_keras_models(data, notebook=notebook)


# --- reading -----------------------------------------------------------------------------------


def test_read_plain_utf8(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes("name = 'café'\n".encode())
    assert read_source(path) == "name = 'café'\n"


def test_bom_is_stripped():
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"


def test_coding_cookie_is_respected():
    data = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    assert decode_source(data).endswith("name = 'café'\n")


def test_undecodable_bytes():
    with pytest.raises(SourceError) as info:
        decode_source(b"x = 1\n# \xff\xfe\n")
    assert str(info.value) == "cannot decode file as UTF-8: invalid start byte at byte 8"


def test_null_byte():
    with pytest.raises(SourceError, match=r"^file contains a null byte \(UTF-16 text, or not text at all\)$"):
        decode_source(b"x = 1\x00\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_named(encoding):
    with pytest.raises(SourceError, match="^cannot decode file: it is UTF-16 or UTF-32 text; Python reads source as UTF-8"):
        decode_source("import keras\n".encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + "import keras\n".encode(encoding))


def test_bytes_that_are_not_utf8_on_the_first_lines_say_where():
    with pytest.raises(SourceError, match="^cannot decode file as UTF-8: invalid start byte at byte 0$"):
        decode_source(b"\x8b\x1f junk\n")


def test_unknown_coding_cookie():
    with pytest.raises(SourceError, match="cannot detect the file's encoding: unknown encoding"):
        decode_source(b"# coding: klingon\nx = 1\n")


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "missing.py")
