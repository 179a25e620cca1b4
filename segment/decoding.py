"""Decoding image files into arrays: Pillow, tifffile and OpenCV behind one set of checks.

What :func:`segment.io.read_image` relies on: the file-type checks before anything
opens a path (so a FIFO cannot hang it), the header's declared size against the
pixel limit before decoding, the EXIF orientation applied once, and every decoder's
failure turned into one :class:`ImageReadError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import threading
from dataclasses import dataclass, field

import numpy as np

from ._defaults import first_line

__all__ = ["ImageReadError", "ImageInfo"]


# Pillow mode -> how to get an array we accept
_DIRECT = {"L", "RGB", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


_TO_RGB = {"P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La"}


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


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


# what a file that is not a regular file is, for the message
_FILE_KINDS = [(stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
               (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")]


class ImageReadError(ValueError):
    """A file could not be read as an image; the one-line message names it and says why."""


@dataclass
class ImageInfo:
    """What :func:`read_image` learnt about a file.

    Attributes
    ----------
    format : str or None
        Pillow's name of the format: "PNG", "JPEG", "TIFF", ...
    mode : str or None
        Pillow's mode of the file ("RGB", "P", "I;16", ...), or, for a TIFF read by
        tifffile, its sample type and colour ("float32 grey", "uint16 RGB").
    n_frames : int
        Frames (pages) in the file; the first is read.
    orientation : int
        The EXIF orientation (1-8) the file declares; the image is returned upright.
    notes : list of str
        What was done to the file's pixels, in words.
    """

    format: str | None = None
    mode: str | None = None
    n_frames: int = 1
    orientation: int = 1
    notes: list = field(default_factory=list)


def _check_regular_file(path):
    """ImageReadError unless `path` is a regular, non-empty file (links followed).

    The type is checked before the file is opened: a FIFO is refused instead of
    waiting for a writer.
    """
    try:
        status = os.stat(path)
    except OSError as exc:
        raise ImageReadError(_os_error_message(exc, path)
                             or f"cannot open {path}: {exc.strerror or first_line(exc)}") from None
    if stat.S_ISDIR(status.st_mode):
        raise ImageReadError(f"is a directory, not an image: {path}")
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(status.st_mode)), "special file")
        raise ImageReadError(f"not a regular file ({kind}): {path}")
    if status.st_size == 0:
        raise ImageReadError(f"empty file (0 bytes): {path}")


def _os_error_message(exc, path):
    """The message for a failure to open `path`, or None if `exc` is not one."""
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return f"no such file (a dangling symbolic link): {path}"
        return f"no such file: {path}"
    if isinstance(exc, IsADirectoryError):
        return f"is a directory, not an image: {path}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {path}"
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return f"symbolic link loop: {path}"
    return None


def _decode(path, info, max_pixels):
    """The pixels of the file `path`, upright, with the dtype its decoder gives."""
    from PIL import Image, UnidentifiedImageError

    is_tiff = False
    try:
        is_tiff = _is_tiff(path)
        with _pillow_bomb_guard_off(), Image.open(path) as img:
            info.format = img.format
            info.mode = img.mode
            _check_size(img.size, max_pixels, path)
            info.n_frames = int(getattr(img, "n_frames", 1) or 1)
            if info.n_frames > 1:
                img.seek(0)
                info.notes.append(f"first of {info.n_frames} frames")
            if img.format != "TIFF" or not _pillow_loses_tiff_samples(img):
                return _decode_with_pillow(img, path, info)
        # a TIFF that Pillow would misread: tifffile reads it below, at full depth
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        if not is_tiff:
            raise ImageReadError(f"not an image file Pillow can read: {path}") from None
    except Exception as exc:  # any decoder's failure on a damaged file: report it, one line
        raise _decode_error(exc, path) from None
    try:
        return _decode_with_tifffile(path, info, max_pixels)
    except ImageReadError:
        raise
    except Exception as exc:  # as above
        raise _decode_error(exc, path) from None


def _decode_error(exc, path):
    message = _os_error_message(exc, path) or f"cannot decode {path}: {first_line(exc)}"
    return ImageReadError(message)


def _is_tiff(path):
    with open(path, "rb") as file:
        return file.read(4) in _TIFF_MAGIC


def _check_size(size, max_pixels, path):
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise ImageReadError(
            f"image {path} is {width}x{height} = {width * height} pixels, over the "
            f"limit of {max_pixels} (raise max_pixels to allow it)"
        )


def _pillow_loses_tiff_samples(img):
    """Whether Pillow would read this TIFF page at less than its depth or misread it:
    float, signed or over-16-bit samples, or more than 8 bits of colour."""
    tags = img.tag_v2
    sample_format = _as_tuple(tags.get(339, 1))
    bits = _as_tuple(tags.get(258, 1))
    samples = tags.get(277, 1)
    return (any(value != 1 for value in sample_format) or max(bits) > 16
            or (max(bits) > 8 and samples > 1))


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _decode_with_pillow(img, path, info):
    from PIL import ImageOps

    # before getexif(): on PNG it decodes the image and forgets the raw mode
    sixteen_bit_rgb = _is_16bit_rgb(img)
    info.orientation = _exif_orientation(img)
    if _has_alpha(img):
        info.notes.append("alpha channel dropped")
    array = _decode_16bit_rgb(path) if sixteen_bit_rgb else None
    if array is not None:
        return _upright(array, info.orientation)
    # Pillow's TIFF loader turns the image upright itself and drops the tag;
    # exif_transpose does it for the other formats: once, either way
    img.load()
    ImageOps.exif_transpose(img, in_place=True)
    return _to_array(img)


def _exif_orientation(img):
    try:
        value = img.getexif().get(0x0112, 1)
        return int(value) if value in _ORIENTATION_OPS or value == 1 else 1
    except Exception:  # damaged EXIF: the pixels are still worth reading
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
    """16-bit RGB (a PNG) at full depth, as stored, or None if OpenCV cannot."""
    import cv2

    data = np.fromfile(path, dtype=np.uint8)
    # IMREAD_UNCHANGED alone: OpenCV then leaves the EXIF orientation to the caller
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if array is None or array.dtype != np.uint16 or array.ndim != 3:
        return None
    return np.ascontiguousarray(array[..., 2::-1])


class _TifffileComplaints(logging.Handler):
    """Collects what tifffile logs while this thread reads a file (it logs a broken
    page chain instead of raising) and keeps it off the console."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.errors = []

    def emit(self, record):
        if record.thread == self.thread and record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


def _decode_with_tifffile(path, info, max_pixels):
    """The first page of a TIFF, read by tifffile, upright."""
    import tifffile

    logger = logging.getLogger("tifffile")
    complaints = _TifffileComplaints()
    logger.addHandler(complaints)
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            _check_size((page.imagewidth, page.imagelength * max(page.imagedepth, 1)),
                        max_pixels, path)
            info.format = "TIFF"
            info.n_frames = len(tif.pages)
            orientation = page.tags.valueof(0x0112, 1)
            info.orientation = orientation if orientation in _ORIENTATION_OPS else 1
            array = page.asarray()
            axes, photometric, extra = page.axes, page.photometric, len(page.extrasamples)
    finally:
        logger.removeHandler(complaints)
    if complaints.errors:
        raise ImageReadError(f"cannot decode {path}: {first_line(complaints.errors[0])}")
    info.notes = [note for note in info.notes if not note.startswith("first of")]
    if info.n_frames > 1:
        info.notes.append(f"first of {info.n_frames} frames")
    array = _samples_last(array, axes, path)
    colour = {tifffile.PHOTOMETRIC.MINISBLACK: 1, tifffile.PHOTOMETRIC.RGB: 3}.get(photometric)
    samples = array.shape[2] if array.ndim == 3 else 1
    if colour is None or samples != colour + extra:
        raise ImageReadError(
            f"cannot decode {path}: a TIFF of {samples} {array.dtype} samples per pixel, "
            f"photometric {getattr(photometric, 'name', photometric)}, is not grey or RGB"
        )
    info.mode = f"{array.dtype} {'RGB' if colour == 3 else 'grey'}"
    if extra:
        info.notes.append("alpha channel dropped" if extra == 1
                          else f"{extra} extra samples dropped")
        array = array[..., :colour] if colour == 3 else array[..., 0]
    return _upright(array, info.orientation)


def _samples_last(array, axes, path):
    """A tifffile page as (H, W) or (H, W, samples)."""
    order = [axes.index(axis) for axis in "YXS" if axis in axes]
    if len(order) != len(axes):
        raise ImageReadError(f"cannot decode {path}: a TIFF page of axes {axes} is not an image")
    return np.ascontiguousarray(np.transpose(array, order))


def _upright(array, orientation):
    """`array` as stored -> as viewed, for EXIF `orientation` (as ImageOps.exif_transpose)."""
    if orientation not in _ORIENTATION_OPS:
        return array
    return np.ascontiguousarray(_ORIENTATION_OPS[orientation](array))


def _accepted_samples(array, path):
    """`array` as uint8, uint16 or float32 in [0, 1], or ImageReadError (see read_image)."""
    if array.dtype in (np.uint8, np.uint16):
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if array.size == 0:
        raise ImageReadError(f"image {path} has no pixels")
    if array.dtype.kind == "f":
        array = array.astype(np.float32, copy=False)
        if not np.isfinite(array).all():
            raise ImageReadError(f"floating point image {path} holds NaN or infinite values")
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 1:
            raise ImageReadError(
                f"floating point image {path} has values in [{low:g}, {high:g}]; "
                f"read_image accepts floats in [0, 1], the range segment() requires"
            )
        return array
    if array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 65535:
            raise ImageReadError(
                f"{array.dtype} image {path} has values in [{low}, {high}]; read_image "
                f"accepts integers in 0..65535 (read as uint16)"
            )
        return array.astype(np.uint16)
    raise ImageReadError(f"image {path} has {array.dtype} samples, which read_image cannot use")


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
    """A loaded Pillow image as an array; dtypes are settled by _accepted_samples."""
    mode = img.mode
    if mode == "1":
        img = img.convert("L")
    elif mode == "LA":
        img = img.getchannel("L")
    elif mode == "RGBA":
        img = img.convert("RGB")
    elif mode in _TO_RGB or mode not in _DIRECT:
        img = img.convert("RGB")
    array = np.asarray(img)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("="))
    return np.ascontiguousarray(array)
