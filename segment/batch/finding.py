"""Finding the inputs of a batch: the image files of a folder and their masks."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .._defaults import IMAGE_EXTENSIONS

__all__ = ["find_images", "find_mask"]


def _resolve(path):
    """``path.resolve()``, a symlink loop raising OSError(ELOOP) on every Python
    (Python 3.12 and older raise RuntimeError)."""
    try:
        return Path(path).resolve()
    except RuntimeError:
        raise OSError(errno.ELOOP, "symlink loop", str(path)) from None


def _is_loop(exc):
    return isinstance(exc, OSError) and exc.errno == errno.ELOOP


def _is_image_name(name):
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _wanted_file(path):
    """A regular file (or a symlink to one), or a dangling symlink (reported as missing)."""
    try:
        return path.is_file() or (path.is_symlink() and not path.exists())
    except OSError:
        return True


def find_images(input_dir, *, recursive=False, exclude=(), errors=None):
    """List the image files in `input_dir`, as sorted paths relative to it.

    Parameters
    ----------
    input_dir : path
    recursive : bool, optional
        Also look in sub-folders. Symlinked folders are not followed, so nothing
        outside `input_dir` is reached through them.
    exclude : sequence of path, optional
        Folders never entered (e.g. the output folder).
    errors : list, optional
        If given, ``(relative folder, message)`` is appended for each folder that
        could not be listed.

    Returns
    -------
    paths : list of Path
        Files whose extension is one of :data:`IMAGE_EXTENSIONS` (any case).
        Hidden files and folders (name starting with ".", such as macOS
        ``._IMG_0001.jpg``) and things that are not regular files are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["b.PNG", "a.jpg", "notes.txt", "sub/c.tif"]:
    ...     (root / name).parent.mkdir(exist_ok=True)
    ...     (root / name).touch()
    >>> [p.as_posix() for p in find_images(root)]
    ['a.jpg', 'b.PNG']
    >>> [p.as_posix() for p in find_images(root, recursive=True)]
    ['a.jpg', 'b.PNG', 'sub/c.tif']
    """
    root = Path(input_dir)
    excluded = set()
    for folder in exclude:
        try:
            excluded.add(_resolve(folder))
        except OSError:
            pass  # a folder that does not resolve is never entered anyway
    found = []

    def on_error(exc):
        if errors is not None:
            where = Path(exc.filename) if exc.filename else root
            rel = os.path.relpath(where, root)
            errors.append((Path(rel).as_posix(), f"cannot list folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        if recursive:
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and not (here / d).is_symlink()
                and _resolve(here / d) not in excluded
            )
        else:
            dirnames[:] = []
        for name in filenames:
            if _is_image_name(name) and _wanted_file(here / name):
                found.append(rel_dir / name)
        # os.walk lists symlinks to folders among dirnames; a symlink to a file among
        # filenames. Nothing else to do: symlinked folders were dropped above.
    return sorted(found, key=lambda p: p.as_posix())



def find_mask(masks, rel):
    """The mask of input `rel` (relative to INPUT_DIR) in folder `masks`: the image
    file of the same stem in the same sub-folder, or None.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "cat.png").write_bytes(b"")
    >>> find_mask(folder, Path("cat.jpg")).name, find_mask(folder, Path("dog.jpg"))
    ('cat.png', None)
    """
    if masks is None:
        return None
    folder = Path(masks) / Path(rel).parent
    stem = Path(rel).stem
    for suffix in sorted(IMAGE_EXTENSIONS):
        for candidate in (folder / f"{stem}{suffix}", folder / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None
