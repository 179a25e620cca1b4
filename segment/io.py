"""Reading and writing files: images (Pillow), label maps, atomic output.

Images are read with Pillow, which copes with the formats a photo folder really
contains: EXIF orientation is applied; greyscale stays greyscale; palette, CMYK,
YCbCr and the like become RGB; the alpha of RGBA / LA is dropped; 16-bit greyscale
stays uint16; 16-bit RGB PNG and TIFF (which Pillow would reduce to 8 bits) are
decoded by OpenCV at full depth; multi-frame files give their first frame.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._defaults import DEFAULT_MAX_PIXELS, LABEL_PNG_MAX, first_line

__all__ = [
    "ImageReadError",
    "ImageInfo",
    "read_image",
    "write_image",
    "write_labels",
    "read_labels",
    "atomic_path",
    "temporary_name",
    "temporary_target",
    "DEFAULT_MAX_PIXELS",
]

# Pillow mode -> how to get an array we accept
_DIRECT = {"L", "RGB", "I;16", "I;16L", "I;16B", "I;16N"}
_TO_RGB = {"P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La"}

# EXIF orientation -> the operation that turns the stored array upright
_ORIENTATION_OPS = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}


class ImageReadError(ValueError):
    """A file could not be read as an image; the message says why in one line."""


@dataclass
class ImageInfo:
    """What :func:`read_image` learnt about a file."""

    format: str | None = None
    mode: str | None = None
    n_frames: int = 1
    orientation: int = 1
    notes: list = field(default_factory=list)


def _exif_orientation(img):
    try:
        value = img.getexif().get(0x0112, 1)
        return int(value) if value in _ORIENTATION_OPS or value == 1 else 1
    except Exception:
        return 1


def _is_16bit_rgb(img):
    if img.mode not in ("RGB", "RGBA"):
        return False
    for tile in getattr(img, "tile", []) or []:
        args = tile.args if hasattr(tile, "args") else tile[3]
        raw = args[0] if isinstance(args, tuple) else args
        if isinstance(raw, str) and ";16" in raw:
            return True
    return False


def _decode_16bit_rgb(path):
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8)
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if array is None or array.dtype != np.uint16 or array.ndim != 3:
        return None
    if array.shape[2] == 4:
        array = array[..., :3]
    return np.ascontiguousarray(array[..., ::-1])


def read_image(path, *, max_pixels=DEFAULT_MAX_PIXELS, return_info=False):
    """Read an image file into an array that :func:`segment.segment` accepts.

    Parameters
    ----------
    path : str or Path
    max_pixels : int or None, optional
        Refuse images with more pixels than this (``None``: no limit). Pillow's own
        decompression-bomb guard is replaced by this check, made before decoding.
    return_info : bool, optional
        Also return an :class:`ImageInfo`, whose ``notes`` say what was done to
        the file's pixels: "first of 3 frames", "alpha channel dropped",
        "EXIF orientation 6 applied".

    Returns
    -------
    image : (H, W, 3) or (H, W) ndarray of uint8, uint16 or float32
    info : ImageInfo, only if `return_info`

    Raises
    ------
    ImageReadError
        If the file is missing, unreadable, not an image, truncated or too large.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "grey.png")
    >>> Image.fromarray(np.zeros((4, 5), np.uint8)).save(path)
    >>> read_image(path).shape
    (4, 5)
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    info = ImageInfo()
    try:
        with _pillow_bomb_guard_off():
            with Image.open(path) as img:
                info.format = img.format
                info.mode = img.mode
                width, height = img.size
                if max_pixels is not None and width * height > max_pixels:
                    raise ImageReadError(
                        f"image is {width}x{height} = {width * height} pixels, over the "
                        f"limit of {max_pixels} (raise max_pixels to allow it)"
                    )
                info.n_frames = int(getattr(img, "n_frames", 1) or 1)
                if info.n_frames > 1:
                    img.seek(0)
                    info.notes.append(f"first of {info.n_frames} frames")
                # before getexif(): on PNG it decodes the image and forgets the raw mode
                sixteen_bit_rgb = _is_16bit_rgb(img)
                info.orientation = _exif_orientation(img)
                if _has_alpha(img):
                    info.notes.append("alpha channel dropped")
                array = _decode_16bit_rgb(path) if sixteen_bit_rgb else None
                if array is None:
                    array = _to_array(img)
    except ImageReadError:
        raise
    except FileNotFoundError:
        raise ImageReadError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ImageReadError(f"is a directory, not an image: {path}") from None
    except PermissionError:
        raise ImageReadError(f"permission denied: {path}") from None
    except UnidentifiedImageError:
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                raise ImageReadError(f"empty file (0 bytes): {path}") from None
        raise ImageReadError(f"not an image file Pillow can read: {path}") from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageReadError(f"cannot decode {path}: {first_line(exc)}") from None
    if info.orientation in _ORIENTATION_OPS:
        array = np.ascontiguousarray(_ORIENTATION_OPS[info.orientation](array))
        info.notes.append(f"EXIF orientation {info.orientation} applied")
    if array.shape[0] * array.shape[1] < 2:
        raise ImageReadError(f"image {path} has fewer than 2 pixels")
    return (array, info) if return_info else array


def _has_alpha(img):
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        return True
    return img.mode == "P" and "transparency" in img.info


# Pillow's decompression-bomb guard is a process-wide setting; read_image replaces it
# by its own `max_pixels` check. Threads reading at once share one relaxation: the
# first in saves the setting, the last out restores it.
_BOMB_GUARD_LOCK = threading.Lock()
_bomb_guard = {"depth": 0, "saved": None}


@contextlib.contextmanager
def _pillow_bomb_guard_off():
    from PIL import Image

    with _BOMB_GUARD_LOCK:
        if _bomb_guard["depth"] == 0:
            _bomb_guard["saved"] = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None
        _bomb_guard["depth"] += 1
    try:
        yield
    finally:
        with _BOMB_GUARD_LOCK:
            _bomb_guard["depth"] -= 1
            if _bomb_guard["depth"] == 0:
                Image.MAX_IMAGE_PIXELS = _bomb_guard["saved"]


def _to_array(img):
    mode = img.mode
    if mode == "1":
        img = img.convert("L")
    elif mode == "LA":
        img = img.getchannel("L")
    elif mode == "RGBA":
        img = img.convert("RGB")
    elif mode == "I":
        array = np.asarray(img)
        return np.clip(array, 0, 65535).astype(np.uint16)
    elif mode == "F":
        array = np.asarray(img, dtype=np.float32)
        if not np.isfinite(array).all():
            raise ImageReadError("floating point image holds NaN or infinite values")
        lo, hi = float(array.min()), float(array.max())
        if lo < 0 or hi > 1:
            raise ImageReadError(
                f"floating point image values must lie in [0, 1]; found [{lo:g}, {hi:g}]"
            )
        return array
    elif mode in _TO_RGB or mode not in _DIRECT:
        img = img.convert("RGB")
    array = np.asarray(img)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("="))
    return np.ascontiguousarray(array)


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


def write_image(path, array):
    """Write an (H, W) or (H, W, 3) uint8 / uint16 array atomically (format from the suffix).

    16-bit RGB is written by OpenCV (Pillow cannot); everything else by Pillow.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> write_image(path, np.zeros((2, 3, 3), np.uint8))
    >>> read_image(path).shape
    (2, 3, 3)
    """
    from PIL import Image

    array = np.asarray(array)
    if array.dtype.kind == "f":
        array = np.rint(np.clip(array, 0, 1) * 255).astype(np.uint8)
    path = Path(path)
    with atomic_path(path) as tmp:
        if array.dtype == np.uint16 and array.ndim == 3:
            import cv2

            ok, data = cv2.imencode(path.suffix or ".png", np.ascontiguousarray(array[..., ::-1]))
            if not ok:
                raise OSError(f"OpenCV could not encode {path}")
            data.tofile(str(tmp))
        else:
            Image.fromarray(np.ascontiguousarray(array)).save(tmp, format=_format_for(path))


def _format_for(path):
    from PIL import Image

    Image.init()
    fmt = Image.EXTENSION.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"unknown image file extension {Path(path).suffix!r} for {path}")
    return fmt


def write_labels(path, labels):
    """Write a label map atomically: 16-bit PNG if it fits, else ``.npy``.

    Parameters
    ----------
    path : str or Path
        Target path; its suffix is replaced by ``.png`` or ``.npy``.
    labels : (H, W) int ndarray
        Non-negative labels.

    Returns
    -------
    written : Path

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = write_labels(os.path.join(tempfile.mkdtemp(), "l.png"), np.array([[0, 1], [2, 3]]))
    >>> p.suffix, read_labels(p).tolist()
    ('.png', [[0, 1], [2, 3]])
    """
    from PIL import Image

    labels = np.asarray(labels)
    path = Path(path)
    if labels.size and int(labels.max()) > LABEL_PNG_MAX:
        target = path.with_suffix(".npy")
        with atomic_path(target) as tmp:
            np.save(tmp, labels.astype(np.int32))
        return target
    target = path.with_suffix(".png")
    with atomic_path(target) as tmp:
        Image.fromarray(labels.astype(np.uint16)).save(tmp, format="PNG")
    return target


def read_labels(path):
    """Read a label map written by :func:`write_labels` (16-bit PNG or ``.npy``).

    Plain 8-bit PNG label images are accepted too.

    Parameters
    ----------
    path : str or Path
        A ``.npy`` file, or a single-channel image file.

    Returns
    -------
    labels : (H, W) ndarray
        int64 from an image file; as stored from ``.npy``.

    Raises
    ------
    ValueError
        If the image file has more than one channel.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = write_labels(os.path.join(tempfile.mkdtemp(), "big.png"), np.array([[0, 70000]]))
    >>> p.suffix, read_labels(p).tolist()
    ('.npy', [[0, 70000]])
    """
    from PIL import Image

    path = Path(path)
    if path.suffix.lower() == ".npy":
        return np.load(path)
    with Image.open(path) as img:
        array = np.asarray(img)
    if array.ndim != 2:
        raise ValueError(f"label map {path} must be single-channel; got shape {array.shape}")
    return array.astype(np.int64)
