"""Atomic file writes: a temporary file beside the target, renamed onto it on success.

An interrupted write never leaves a truncated file under the target's name, and a
temporary's name tells which file it is for (:func:`temporary_target`), so that a
batch can recognise and clear the temporaries an earlier run left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

__all__ = ["atomic_path", "temporary_name", "temporary_target"]

_TEMPORARY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TEMPORARY = re.compile(r"\.(?P<stem>.+)\.[a-z0-9_]{8}\.tmp(?P<suffix>\.[^.]+)?")


def temporary_name(target):
    """A fresh name for a temporary file of `target`, as :func:`atomic_path` uses.

    The name is ``.<stem>.<8 random characters>.tmp<suffix>``: hidden, so that
    folder listings skip it, and ending in the target's suffix, so that writers that
    choose a format from the suffix choose the target's.

    Examples
    --------
    >>> name = temporary_name("out/cat_labels.png")
    >>> name.startswith(".cat_labels.") and name.endswith(".tmp.png"), len(name)
    (True, 28)
    >>> temporary_target(name)
    'cat_labels.png'
    """
    import secrets  # on first use: it costs a fresh process about 15 ms to import

    path = Path(target)
    random = "".join(secrets.choice(_TEMPORARY_CHARS) for _ in range(8))
    return f".{path.stem}.{random}.tmp{path.suffix}"


def temporary_target(name):
    """The file name that `name` is a temporary of (see :func:`temporary_name`), or None.

    Examples
    --------
    >>> temporary_target(".cat.k3x9_q2a.tmp.json"), temporary_target("cat.json")
    ('cat.json', None)
    """
    match = _TEMPORARY.fullmatch(name)
    return None if match is None else match["stem"] + (match["suffix"] or "")


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; on success rename it onto `path`.

    An interrupted write never leaves a truncated file at `path`. The temporary
    file is created empty, under a name from :func:`temporary_name`, with the
    permissions a plain ``open(path, "w")`` gives a new file (0o666 less the
    process umask, and the folder's default ACL where it has one).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = path.parent / temporary_name(path)
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask, as open() does
        except FileExistsError:  # the name is taken: draw another
            continue
        break
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
