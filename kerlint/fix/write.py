"""Writing a fixed file back: atomically, in its own encoding and line endings, and only if it is unchanged.

The fixed text was made from the bytes read at the start of the run; if the
file changed on disk since (an editor saved it), writing would lose that
change, so the file is left alone. Line endings need no care here: the text
keeps the file's own (edits never rewrite a line break they do not touch).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tokenize
from pathlib import Path

from kerlint.files import read_file


class ChangedOnDisk(Exception):
    """The file is no longer what was read and fixed; it was not written."""


def source_encoding(data: bytes) -> str:
    """The encoding Python reads `data` in (PEP 263 cookie, BOM: "utf-8-sig"); the text goes back in it."""
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def write_fixed(path: Path, read: bytes, text: str) -> None:
    """Replace `path` (whose bytes were `read`) with `text`, encoded as `read` was (BOM and PEP 263 cookie).

    The new content goes to a temporary file in the same directory, with the
    file's permissions, which is then renamed over the file: a reader sees the
    old file or the new one, never half of one. Raises ChangedOnDisk, or OSError.
    """
    data = text.encode(source_encoding(read))  # "utf-8-sig" writes the BOM back
    if read_file(path) != read:
        raise ChangedOnDisk(f"{path} changed since it was read; not fixed")
    import tempfile  # only a run that writes files needs it (it imports random, shutil...)

    target = Path(os.path.realpath(path))  # a symbolic link stays a link: the file it points to is fixed
    mode = stat.S_IMODE(os.stat(target).st_mode)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".kerlint-fix", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
