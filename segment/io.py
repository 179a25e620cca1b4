"""Reading and writing files: images (Pillow, tifffile), label maps and masks.

Images are read with Pillow, which copes with the formats a photo folder really
contains: the EXIF orientation is applied once, as ``PIL.ImageOps.exif_transpose``
does; greyscale stays greyscale; palette, CMYK, YCbCr and the like become RGB; the
alpha of RGBA / LA is dropped; 16-bit greyscale stays uint16; multi-frame files give
their first frame. 16-bit RGB, which Pillow would reduce to 8 bits, is decoded at
full depth: by OpenCV from a PNG, by tifffile from a TIFF. tifffile also reads the
TIFFs Pillow cannot (float, signed or 32-bit samples).

Every failure to read a file is an :class:`ImageReadError` whose one-line message
names the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._defaults import DEFAULT_MAX_PIXELS, LABEL_PNG_MAX
from .atomic import atomic_path, temporary_name, temporary_target
from .decoding import (_ORIENTATION_OPS, ImageInfo, ImageReadError, _accepted_samples,
                       _check_regular_file, _decode, _decode_error, _is_tiff)

__all__ = [
    "ImageReadError",
    "ImageInfo",
    "read_image",
    "write_image",
    "write_labels",
    "write_mask",
    "read_mask",
    "read_labels",
    "atomic_path",
    "temporary_name",
    "temporary_target",
    "DEFAULT_MAX_PIXELS",
]


def read_image(path, *, max_pixels=DEFAULT_MAX_PIXELS, return_info=False):
    """Read an image file into an array that :func:`segment.segment` accepts.

    Parameters
    ----------
    path : str or Path
    max_pixels : int or None, optional
        Refuse images with more pixels than this (``None``: no limit). The size
        the file's header declares is checked before any pixel is decoded; this
        check replaces Pillow's own decompression-bomb guard.
    return_info : bool, optional
        Also return an :class:`ImageInfo`, whose ``notes`` say what was done to
        the file's pixels: "first of 3 frames", "alpha channel dropped",
        "EXIF orientation 6 applied".

    Returns
    -------
    image : (H, W, 3) or (H, W) ndarray of uint8, uint16 or float32
        uint8 and uint16 as stored (1-bit images become 0 / 255). Other integer
        samples (32-bit, signed) become uint16 when every value lies in 0..65535.
        Float samples (16, 32 or 64 bits) become float32 and must lie in [0, 1].
    info : ImageInfo, only if `return_info`

    Raises
    ------
    ImageReadError
        If the path is missing, a directory, a FIFO or device, a dangling symbolic
        link or a link loop, or unreadable; if the file is empty, not an image,
        truncated or damaged, larger than `max_pixels`, or holds samples outside
        the ranges above.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "grey.png")
    >>> Image.fromarray(np.zeros((4, 5), np.uint8)).save(path)
    >>> read_image(path).shape
    (4, 5)
    >>> _ = open(path, "wb").write(b"text")
    >>> read_image(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segment.decoding.ImageReadError: not an image file Pillow can read: ...grey.png
    """
    path = Path(path)
    info = ImageInfo()
    _check_regular_file(path)
    array = _decode(path, info, max_pixels)
    array = _accepted_samples(array, path)
    if array.shape[0] * array.shape[1] < 2:
        raise ImageReadError(f"image {path} has fewer than 2 pixels")
    if info.orientation in _ORIENTATION_OPS:
        info.notes.append(f"EXIF orientation {info.orientation} applied")
    return (array, info) if return_info else array












































# Pillow formats that hold 16 bits per sample; the others get 8
_SIXTEEN_BIT_FORMATS = {"PNG", "TIFF"}


def write_image(path, array):
    """Write an image array atomically, in the format its suffix names.

    Parameters
    ----------
    path : str or Path
        Target file; the suffix (any Pillow knows: ``.png``, ``.jpg``, ``.tif``,
        ``.webp``, ``.bmp``, ``.gif``, ...) chooses the format.
    array : (H, W), (H, W, 3) or (H, W, 4) ndarray of uint8, uint16 or float
        Floats are taken as 0..1 and written as uint8 (``round(value * 255)``,
        clipped). uint16 keeps its 16 bits in PNG and TIFF; formats that hold 8
        bits (JPEG, WebP, BMP, GIF, ...) get ``round(value / 257)``.

    Raises
    ------
    ValueError
        If the dtype, the shape or the suffix is not one of those above.

    Notes
    -----
    16-bit RGB is written by tifffile (TIFF) or OpenCV (PNG), which Pillow cannot;
    everything else by Pillow.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> write_image(os.path.join(folder, "x.png"), np.zeros((2, 3, 3), np.uint8))
    >>> read_image(os.path.join(folder, "x.png")).shape
    (2, 3, 3)
    >>> write_image(os.path.join(folder, "x.bmp"), np.array([[0, 129, 65535]], np.uint16))
    >>> read_image(os.path.join(folder, "x.bmp")).tolist()
    [[0, 1, 255]]
    """
    from PIL import Image

    array = np.asarray(array)
    path = Path(path)
    if not (array.dtype in (np.uint8, np.uint16) or array.dtype.kind == "f"):
        raise ValueError(f"array must be uint8, uint16 or float (0..1); got {array.dtype}")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(f"array must be (H, W), (H, W, 3) or (H, W, 4); got shape {array.shape}")
    fmt = _format_for(path)
    if array.dtype.kind == "f":
        array = np.rint(np.clip(array, 0, 1) * 255).astype(np.uint8)
    if array.dtype == np.uint16 and fmt not in _SIXTEEN_BIT_FORMATS:
        array = _to_8_bits(array)
    array = np.ascontiguousarray(array)
    with atomic_path(path) as tmp:
        if array.dtype == np.uint16 and array.ndim == 3 and fmt == "TIFF":
            import tifffile

            with open(tmp, "wb") as file:
                tifffile.imwrite(file, array, photometric="rgb", compression="zlib")
        elif array.dtype == np.uint16 and array.ndim == 3:
            import cv2

            bgr = array[..., [2, 1, 0, 3][: array.shape[2]]]
            ok, data = cv2.imencode(".png", np.ascontiguousarray(bgr))
            if not ok:
                raise OSError(f"OpenCV could not encode {path}")
            data.tofile(str(tmp))
        else:
            Image.fromarray(array).save(tmp, format=fmt)


def _to_8_bits(array):
    """uint16 -> uint8 as round(value / 257) (257 = 65535 / 255), in integers."""
    return ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _format_for(path):
    from PIL import Image

    Image.init()
    fmt = Image.EXTENSION.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"unknown image file extension {Path(path).suffix!r} for {path}")
    return fmt


# label file suffix -> format, and each format's own suffix
_LABEL_SUFFIXES = {".png": "png", ".tif": "tif", ".tiff": "tif", ".npy": "npy"}
_LABEL_FORMATS = {"png": ".png", "tif": ".tif", "tiff": ".tif", "npy": ".npy"}
_INT32_MAX = 2**31 - 1


def read_mask(path, *, shape=None):
    """Read a mask image: True where it is not black (any channel above 0).

    Parameters
    ----------
    path : str or Path
    shape : (int, int), optional
        The (H, W) the mask must have; an ImageReadError names both otherwise.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "m.png")
    >>> write_mask(path, np.array([[True, False]]))
    >>> read_mask(path).tolist()
    [[True, False]]
    """
    array = read_image(path)
    mask = array > 0 if array.ndim == 2 else (array > 0).any(axis=2)
    if shape is not None and mask.shape != tuple(shape):
        raise ImageReadError(f"mask {path} is {mask.shape[1]}x{mask.shape[0]} pixels; the "
                             f"image is {shape[1]}x{shape[0]}")
    return mask


def write_mask(path, mask):
    """Write a boolean (H, W) mask atomically as a 1-bit PNG (white where True).

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "mask.png")
    >>> write_mask(path, np.array([[True, False]]))
    >>> with Image.open(path) as img: img.mode, np.asarray(img).tolist()
    ('1', [[True, False]])
    """
    from PIL import Image

    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.ndim != 2:
        raise ValueError(f"mask must be a 2-D bool array; got {mask.dtype} of shape {mask.shape}")
    with atomic_path(path) as tmp:
        Image.fromarray(mask).convert("1").save(tmp, format="PNG")


def write_labels(path, labels, *, format=None):
    """Write a label map atomically, as a 16-bit PNG, a 32-bit TIFF or a ``.npy`` file.

    Parameters
    ----------
    path : str or Path
        Target path. Its suffix names the format: ``.png`` (16-bit greyscale, for
        labels up to 65535), ``.tif`` / ``.tiff`` (int32, zlib-compressed) or
        ``.npy`` (int32).
    labels : (H, W) ndarray of integers
        Non-negative labels, at most 2**31 - 1, as :func:`segment.segment` gives.
    format : {'png', 'tif', 'tiff', 'npy'}, optional
        The format, whatever the suffix; the suffix then becomes the format's
        (``.tif`` for 'tif' and 'tiff') unless it already names it.

    Returns
    -------
    written : Path
        The file written: a PNG asked for labels over 65535 is written as a
        32-bit TIFF instead, with the suffix ``.tif``.

    Raises
    ------
    ValueError
        If `labels` is not a 2-D array of non-negative integers that fit int32,
        if `format` is not one of those above, or if it is None and the suffix
        names no label format.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> p = write_labels(os.path.join(folder, "l.png"), np.array([[0, 1], [2, 3]]))
    >>> p.name, read_labels(p).tolist()
    ('l.png', [[0, 1], [2, 3]])
    >>> write_labels(os.path.join(folder, "big.png"), np.array([[0, 70000]])).name
    'big.tif'
    """
    path = Path(path)
    labels = _checked_labels(np.asarray(labels), "labels must")
    if format is None:
        kind = _LABEL_SUFFIXES.get(path.suffix.lower())
        if kind is None:
            raise ValueError(
                f"cannot tell the label format from the suffix {path.suffix!r} of {path}: "
                f"use .png, .tif, .tiff or .npy, or pass format='png', 'tif' or 'npy'"
            )
    elif format in _LABEL_FORMATS:
        kind = _LABEL_SUFFIXES[_LABEL_FORMATS[format]]
        if _LABEL_SUFFIXES.get(path.suffix.lower()) != kind:
            path = path.with_suffix(_LABEL_FORMATS[format])
    else:
        raise ValueError(
            f"format must be one of 'png', 'tif', 'tiff', 'npy' or None; got {format!r}"
        )
    if kind == "png" and labels.size and int(labels.max()) > LABEL_PNG_MAX:
        kind, path = "tif", path.with_suffix(".tif")
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        if kind == "png":
            from PIL import Image

            Image.fromarray(labels.astype(np.uint16)).save(file, format="PNG")
        elif kind == "tif":
            import tifffile

            tifffile.imwrite(file, labels.astype(np.int32), photometric="minisblack",
                             compression="zlib")
        else:
            np.save(file, labels.astype(np.int32))
    return path


def _checked_labels(labels, subject):
    """`labels` if it is a 2-D map of non-negative int32-sized integers, else ValueError
    whose message starts with `subject` ("labels must", "label map x.npy must")."""
    if labels.dtype.kind not in "iub":
        raise ValueError(f"{subject} be an integer array; got {labels.dtype}")
    if labels.ndim != 2:
        raise ValueError(f"{subject} be a 2-D (H, W) array; got shape {labels.shape}")
    if labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low < 0:
            raise ValueError(f"{subject} be non-negative; the smallest is {low}")
        if high > _INT32_MAX:
            raise ValueError(f"{subject} be at most {_INT32_MAX} (int32); the largest is {high}")
    return labels


def read_labels(path):
    """Read a label map: a ``.npy`` file, a TIFF or a single-channel image file.

    Reads what :func:`write_labels` writes (16-bit PNG, 32-bit TIFF, ``.npy``) and
    plain 8-bit or palette images, whose pixel values (palette indices) are the
    labels.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    labels : (H, W) int32 ndarray
        The dtype :func:`segment.segment` gives.

    Raises
    ------
    ImageReadError
        If the file is missing, not a regular file, or cannot be decoded.
    ValueError
        If it holds more than one channel, non-integers, negative labels or labels
        over 2**31 - 1.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = write_labels(os.path.join(tempfile.mkdtemp(), "l.npy"), np.array([[0, 70000]]))
    >>> labels = read_labels(p)
    >>> labels.tolist(), labels.dtype
    ([[0, 70000]], dtype('int32'))
    """
    path = Path(path)
    _check_regular_file(path)
    try:
        array = _decode_labels(path)
    except ImageReadError:
        raise
    except Exception as exc:  # any decoder's failure on a damaged file: one line
        raise _decode_error(exc, path) from None
    if array.ndim != 2:
        raise ValueError(f"label map {path} must be single-channel; got shape {array.shape}")
    return _checked_labels(array, f"label map {path} must").astype(np.int32)


def _decode_labels(path):
    if path.suffix.lower() == ".npy":
        array = np.load(path, allow_pickle=False)
        if not isinstance(array, np.ndarray):
            raise ImageReadError(f"cannot decode {path}: not a .npy file of one array")
        return array
    if _is_tiff(path):
        import tifffile

        with tifffile.TiffFile(path) as tif:
            return tif.pages[0].asarray()
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img)
