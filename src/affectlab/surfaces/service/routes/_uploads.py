"""Uploaded files: their format, and a private temporary copy for the readers of :mod:`affectlab.io`.

The client's file name only tells the format (its suffix); the copy is made under a name the
server chooses in its temporary folder and removed after reading, so no request names a server path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from affectlab.core.validation import check_choice
from affectlab.io import FORMATS, SUFFIXES
from affectlab.surfaces.service.problems import ServiceError

__all__ = ["upload_format", "upload_path"]


def upload_format(filename: str | None, given: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format of an upload: ``given`` (the ``input_format`` field), else the file name's suffix."""
    if given is not None:
        check_choice(given, "input_format", "the service", allowed)
        return given
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None or fmt not in allowed:
        raise ServiceError(
            "invalid-parameter",
            f"Cannot tell the format of the uploaded file {filename!r} from its name; name it with one of "
            f"{', '.join(s for s, f in sorted(SUFFIXES.items()) if f in allowed)} or set input_format "
            f"({', '.join(allowed)}).",
            field="input_format",
        )
    return fmt


@contextmanager
def upload_path(data: IO[bytes], fmt: str) -> Iterator[Path]:
    """A temporary file holding the upload, with the format's suffix; removed on exit."""
    handle, name = tempfile.mkstemp(prefix="affectlab-upload-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            data.seek(0)
            shutil.copyfileobj(data, out, 1 << 20)
        yield path
    finally:
        path.unlink(missing_ok=True)
