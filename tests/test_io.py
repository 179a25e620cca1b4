"""Reading the formats a photo folder really contains, writing images and label maps.

Every file is built at run time with Pillow (16-bit RGB with OpenCV or tifffile,
which Pillow cannot write) from a small image of flat colour blocks. Broken and odd
files and the fuzz test are in test_faults_io.py.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from PIL import Image

from segment.io import (
    DEFAULT_MAX_PIXELS,
    ImageReadError,
    atomic_path,
    read_image,
    read_labels,
    write_image,
    write_labels,
)


def blocks(height=40, width=60):
    """uint8 RGB: three vertical colour bands, the top half darker."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 3] = (200, 40, 30)
    image[:, width // 3: 2 * width // 3] = (40, 190, 60)
    image[:, 2 * width // 3:] = (30, 60, 210)
    image[: height // 2] //= 2
    return image


def write_formats(folder):
    """Write one file per format into `folder`; return {name: expected (shape, dtype)}."""
    rgb = blocks()
    grey = rgb[..., 1]
    h, w = grey.shape
    Image.fromarray(grey).save(folder / "grey.png")
    Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=8).save(folder / "palette.png")
    palette = Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=8)
    palette.save(folder / "palette_transparent.png", transparency=0)
    rgba = np.dstack([rgb, np.full((h, w), 100, np.uint8)])
    Image.fromarray(rgba).save(folder / "rgba.png")
    Image.fromarray(grey).convert("LA").save(folder / "la.png")
    Image.fromarray(grey.astype(np.uint16) * 257).save(folder / "grey16.png")
    Image.fromarray(grey.astype(np.uint16) * 257).save(folder / "grey16.tif")
    import cv2

    rgb16_bgr = np.ascontiguousarray((rgb.astype(np.uint16) * 257)[..., ::-1])
    assert cv2.imwrite(str(folder / "rgb16.png"), rgb16_bgr)
    assert cv2.imwrite(str(folder / "rgb16.tif"), rgb16_bgr)
    Image.fromarray(rgb).convert("CMYK").save(folder / "cmyk.jpg", quality=95)
    exif_image = Image.fromarray(rgb)
    exif = exif_image.getexif()
    exif[0x0112] = 6  # stored sideways: turn 90 degrees clockwise to view
    exif_image.save(folder / "exif_rotated.jpg", exif=exif, quality=95)
    frames = [Image.fromarray(rgb), Image.fromarray(255 - rgb), Image.fromarray(rgb[::-1])]
    frames[0].save(folder / "frames.gif", save_all=True, append_images=frames[1:])
    frames[0].save(folder / "frames.tif", save_all=True, append_images=frames[1:])
    Image.fromarray(rgb).save(folder / "plain.bmp")
    Image.fromarray(rgb).save(folder / "plain.webp", lossless=True)
    Image.fromarray(rgb).save(folder / "UPPER.PNG")
    return {
        "grey.png": ((h, w), np.uint8),
        "palette.png": ((h, w, 3), np.uint8),
        "palette_transparent.png": ((h, w, 3), np.uint8),
        "rgba.png": ((h, w, 3), np.uint8),
        "la.png": ((h, w), np.uint8),
        "grey16.png": ((h, w), np.uint16),
        "grey16.tif": ((h, w), np.uint16),
        "rgb16.png": ((h, w, 3), np.uint16),
        "rgb16.tif": ((h, w, 3), np.uint16),
        "cmyk.jpg": ((h, w, 3), np.uint8),
        "exif_rotated.jpg": ((w, h, 3), np.uint8),
        "frames.gif": ((h, w, 3), np.uint8),
        "frames.tif": ((h, w, 3), np.uint8),
        "plain.bmp": ((h, w, 3), np.uint8),
        "plain.webp": ((h, w, 3), np.uint8),
        "UPPER.PNG": ((h, w, 3), np.uint8),
    }


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    return folder, write_formats(folder)


def test_every_format_reads_with_its_shape_and_dtype(formats):
    folder, expected = formats
    for name, (shape, dtype) in expected.items():
        array = read_image(folder / name)
        assert array.shape == shape, name
        assert array.dtype == dtype, name


def test_pixel_values_survive_each_format(formats):
    folder, _ = formats
    rgb = blocks()
    for name in ["palette.png", "palette_transparent.png", "rgba.png", "frames.gif",
                 "frames.tif", "plain.bmp", "plain.webp"]:
        assert np.array_equal(read_image(folder / name), rgb), name
    assert np.array_equal(read_image(folder / "grey.png"), rgb[..., 1])
    assert np.array_equal(read_image(folder / "la.png"), rgb[..., 1])
    # 16 bits kept at full depth, not reduced to 8 by Pillow
    assert np.array_equal(read_image(folder / "rgb16.png"), rgb.astype(np.uint16) * 257)
    assert np.array_equal(read_image(folder / "rgb16.tif"), rgb.astype(np.uint16) * 257)
    assert np.array_equal(read_image(folder / "grey16.png"), rgb[..., 1].astype(np.uint16) * 257)
    # CMYK JPEG comes back as RGB close to the original (lossy)
    assert np.abs(read_image(folder / "cmyk.jpg").astype(int) - rgb).mean() < 8


def test_exif_orientation_is_applied(formats):
    folder, _ = formats
    array, info = read_image(folder / "exif_rotated.jpg", return_info=True)
    upright = np.rot90(blocks(), -1)
    assert array.shape == upright.shape
    assert np.abs(array.astype(int) - upright).mean() < 4
    assert info.orientation == 6
    assert "EXIF orientation 6 applied" in info.notes


@pytest.mark.parametrize("name", ["frames.gif", "frames.tif"])
def test_multi_frame_files_give_the_first_frame_and_say_so(formats, name):
    folder, _ = formats
    array, info = read_image(folder / name, return_info=True)
    assert info.n_frames == 3
    assert info.notes == ["first of 3 frames"]
    assert np.array_equal(array, blocks())


@pytest.mark.parametrize("name", ["rgba.png", "la.png", "palette_transparent.png"])
def test_dropped_alpha_is_noted(formats, name):
    folder, _ = formats
    _, info = read_image(folder / name, return_info=True)
    assert "alpha channel dropped" in info.notes


def test_opaque_images_have_no_notes(formats):
    folder, _ = formats
    for name in ["grey.png", "palette.png", "rgb16.png", "cmyk.jpg", "plain.bmp"]:
        assert read_image(folder / name, return_info=True)[1].notes == [], name


def bad_files(folder):
    """Write one broken file per kind; return {name: expected message fragment}."""
    rgb = blocks(120, 160)
    Image.fromarray(rgb).save(folder / "good.png")
    Image.fromarray(rgb).save(folder / "good.jpg", quality=90)
    png = (folder / "good.png").read_bytes()
    jpg = (folder / "good.jpg").read_bytes()
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    (folder / "truncated.jpg").write_bytes(jpg[: len(jpg) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_text("these are not the pixels you are looking for\n")
    rng = np.random.default_rng(0)
    (folder / "noise.tif").write_bytes(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
    (folder / "good.png").unlink()
    (folder / "good.jpg").unlink()
    return {
        "truncated.png": "truncated",
        "truncated.jpg": "cannot decode",
        "empty.png": "empty file (0 bytes)",
        "text.jpg": "not an image file",
        "noise.tif": "not an image file",
    }


def test_bad_files_raise_one_line_errors(tmp_path):
    for name, fragment in bad_files(tmp_path).items():
        with pytest.raises(ImageReadError, match=re.escape(fragment)) as caught:
            read_image(tmp_path / name)
        assert "\n" not in str(caught.value), name


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "absent.png")
    with pytest.raises(ImageReadError, match="is a directory"):
        read_image(tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read a file without read permission")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.png"
    Image.fromarray(blocks()).save(path)
    path.chmod(0)
    try:
        with pytest.raises(ImageReadError, match="permission denied"):
            read_image(path)
    finally:
        path.chmod(0o644)


def test_permission_error_is_reported(tmp_path, monkeypatch):
    """What a file without read permission does, simulated so that it runs as root too."""
    path = tmp_path / "secret.png"
    Image.fromarray(blocks()).save(path)
    real_open = Image.open

    def guarded_open(fp, *args, **kwargs):
        if os.fspath(fp) == os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(fp))
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(Image, "open", guarded_open)
    with pytest.raises(ImageReadError, match=f"^permission denied: {re.escape(str(path))}$"):
        read_image(path)


def test_pixel_limit(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(blocks(40, 60)).save(path)
    with pytest.raises(ImageReadError, match=r"60x40 = 2400 pixels, over the limit of 2399"):
        read_image(path, max_pixels=2399)
    assert read_image(path, max_pixels=2400).shape == (40, 60, 3)
    assert read_image(path, max_pixels=None).shape == (40, 60, 3)
    assert DEFAULT_MAX_PIXELS == 100_000_000


def test_pillow_decompression_bomb_guard_does_not_apply(tmp_path, monkeypatch):
    """Pillow refuses images over 2 * MAX_IMAGE_PIXELS; max_pixels decides instead."""
    path = tmp_path / "big.png"
    Image.fromarray(blocks(40, 60)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(path)
    assert read_image(path).shape == (40, 60, 3)
    assert Image.MAX_IMAGE_PIXELS == 1000  # restored
    with pytest.raises(ImageReadError, match="over the limit"):
        read_image(path, max_pixels=500)
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_pixel_limit_is_checked_before_decoding(tmp_path, monkeypatch):
    """An oversized image is refused from its header, without decoding its pixels."""
    path = tmp_path / "big.png"
    Image.fromarray(blocks(40, 60)).save(path)
    from PIL import ImageFile

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageReadError, match="over the limit"):
        read_image(path, max_pixels=100)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.png"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_write_and_read_back(tmp_path):
    rgb16 = blocks().astype(np.uint16) * 257
    write_image(tmp_path / "x16.png", rgb16)
    assert np.array_equal(read_image(tmp_path / "x16.png"), rgb16)


# ------------------------------------------------------------------ label maps

def label_map(high=11, shape=(3, 4)):
    labels = np.arange(shape[0] * shape[1]).reshape(shape) % (high + 1)
    labels.flat[-1] = high
    return labels


@pytest.mark.parametrize("suffix, high", [(".png", 11), (".png", 65535), (".tif", 11),
                                          (".tiff", 70000), (".npy", 11), (".npy", 2**31 - 1)])
def test_labels_round_trip_in_the_format_their_suffix_names(tmp_path, suffix, high):
    labels = label_map(high)
    written = write_labels(tmp_path / f"l{suffix}", labels)
    assert written == tmp_path / f"l{suffix}"
    back = read_labels(written)
    assert back.dtype == np.int32
    assert np.array_equal(back, labels)


def test_label_files_hold_16_bit_png_32_bit_tiff_and_int32_npy(tmp_path):
    import tifffile

    labels = label_map(300)
    with Image.open(write_labels(tmp_path / "l.png", labels)) as img:
        assert img.format == "PNG" and img.mode.startswith("I;16")
    assert tifffile.imread(write_labels(tmp_path / "l.tif", labels)).dtype == np.int32
    assert np.load(write_labels(tmp_path / "l.npy", labels)).dtype == np.int32


def test_labels_over_65535_asked_as_png_become_a_32_bit_tiff(tmp_path):
    labels = label_map(70_000)
    written = write_labels(tmp_path / "big_labels.png", labels)
    assert written == tmp_path / "big_labels.tif"
    assert not (tmp_path / "big_labels.png").exists()
    assert np.array_equal(read_labels(written), labels)


def test_label_format_can_be_named(tmp_path):
    labels = label_map()
    assert write_labels(tmp_path / "a.png", labels, format="npy") == tmp_path / "a.npy"
    assert write_labels(tmp_path / "b.png", labels, format="tiff") == tmp_path / "b.tif"
    assert write_labels(tmp_path / "c.tiff", labels, format="tif") == tmp_path / "c.tiff"
    assert write_labels(tmp_path / "d", labels, format="png") == tmp_path / "d.png"
    for name in ["a.npy", "b.tif", "c.tiff", "d.png"]:
        assert np.array_equal(read_labels(tmp_path / name), labels), name


def test_write_labels_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(ValueError, match=r"labels must be non-negative; the smallest is -1"):
        write_labels(tmp_path / "l.png", np.array([[0, -1]]))
    with pytest.raises(ValueError, match=r"labels must be an integer array; got float64"):
        write_labels(tmp_path / "l.png", np.array([[0.0, 1.5]]))
    with pytest.raises(ValueError, match=r"must be a 2-D \(H, W\) array; got shape \(2,\)"):
        write_labels(tmp_path / "l.png", np.array([0, 1]))
    with pytest.raises(ValueError,
                       match=r"labels must be at most 2147483647 \(int32\); the largest is 2147483648"):
        write_labels(tmp_path / "l.npy", np.array([[0, 2**31]]))
    with pytest.raises(ValueError, match=r"the label format from the suffix '\.jpg'.*format="):
        write_labels(tmp_path / "l.jpg", label_map())
    with pytest.raises(ValueError,
                       match=r"format must be one of 'png', 'tif', 'tiff', 'npy' or None; got 'jpeg'"):
        write_labels(tmp_path / "l.png", label_map(), format="jpeg")
    assert list(tmp_path.iterdir()) == []


def test_read_labels_accepts_8_bit_and_palette_images(tmp_path):
    labels = label_map(7).astype(np.uint8)
    Image.fromarray(labels).save(tmp_path / "grey.png")
    palette = Image.fromarray(labels, mode="L").convert("P")
    palette.putdata(labels.ravel().tolist())
    palette.save(tmp_path / "palette.png")
    for name in ["grey.png", "palette.png"]:
        back = read_labels(tmp_path / name)
        assert back.dtype == np.int32 and np.array_equal(back, labels), name


def test_read_labels_refuses_what_is_not_a_label_map(tmp_path):
    Image.fromarray(blocks()).save(tmp_path / "rgb.png")
    with pytest.raises(ValueError, match=r"rgb.png must be single-channel; got shape \(40, 60, 3\)"):
        read_labels(tmp_path / "rgb.png")
    np.save(tmp_path / "float.npy", np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"map .*float.npy must be an integer array; got float64"):
        read_labels(tmp_path / "float.npy")
    np.save(tmp_path / "negative.npy", -np.ones((2, 2), int))
    with pytest.raises(ValueError, match=r"map .*negative.npy must be non-negative; the smallest is -1"):
        read_labels(tmp_path / "negative.npy")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(10))
    with pytest.raises(ImageReadError, match=r"broken.png") as caught:
        read_labels(tmp_path / "broken.png")
    assert "\n" not in str(caught.value)
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ImageReadError, match=r"broken.npy"):
        read_labels(tmp_path / "broken.npy")
    with open(tmp_path / "archive.npy", "wb") as file:
        np.savez(file, a=np.zeros((2, 2), int))
    with pytest.raises(ImageReadError, match=r"archive.npy.*not a .npy file of one array"):
        read_labels(tmp_path / "archive.npy")
    with pytest.raises(ImageReadError, match=r"no such file: .*absent.tif"):
        read_labels(tmp_path / "absent.tif")


# ------------------------------------------------------------------ EXIF orientation

def corner_image(height=24, width=40):
    """uint8 RGB, dark, with a bright 8x8 block in the top-left corner and a mid-grey
    block beside it: each of the 8 orientations puts them somewhere else."""
    image = np.full((height, width, 3), 20, np.uint8)
    image[:8, :8] = 240
    image[:8, 8:16] = 120
    return image


def _png_with_exif(png, exif):
    """Insert an eXIf chunk (the EXIF block without its 'Exif\\0\\0' header) after IHDR."""
    import struct
    import zlib

    body = exif.tobytes()[6:]
    chunk = (struct.pack(">I", len(body)) + b"eXIf" + body
             + struct.pack(">I", zlib.crc32(b"eXIf" + body) & 0xFFFFFFFF))
    return png[:33] + chunk + png[33:]


def write_oriented(path, kind, stored, orientation):
    """Write the pixels `stored` as `kind` with EXIF orientation `orientation`."""
    import cv2
    import tifffile

    exif = Image.Exif()
    exif[0x0112] = orientation
    image = Image.fromarray(stored)
    if kind == "jpeg":
        image.save(path, format="JPEG", exif=exif, quality=95)
    elif kind == "png":
        image.save(path, format="PNG", exif=exif)
    elif kind == "webp":
        image.save(path, format="WEBP", exif=exif, lossless=True)
    elif kind == "tiff":
        image.save(path, format="TIFF", exif=exif)
    elif kind == "tiff16":
        tifffile.imwrite(path, stored.astype(np.uint16) * 257, photometric="rgb",
                         extratags=[(0x0112, "H", 1, orientation, True)])
    elif kind == "png16":
        bgr16 = np.ascontiguousarray(stored[..., ::-1]).astype(np.uint16) * 257
        ok, data = cv2.imencode(".png", bgr16)
        assert ok
        path.write_bytes(_png_with_exif(data.tobytes(), exif))


ORIENTED_KINDS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif",
                  "tiff16": ".tif", "png16": ".png"}


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", list(ORIENTED_KINDS))
def test_orientation_agrees_with_pillow_exif_transpose(tmp_path, kind, orientation):
    from PIL import ImageOps

    stored = corner_image()
    path = tmp_path / f"oriented{ORIENTED_KINDS[kind]}"
    write_oriented(path, kind, stored, orientation)
    reference = Image.fromarray(stored)
    reference.getexif()[0x0112] = orientation
    expected = np.asarray(ImageOps.exif_transpose(reference)).astype(float)

    array, info = read_image(path, return_info=True)
    assert array.dtype == (np.uint16 if kind.endswith("16") else np.uint8)
    got = array.astype(float) / (257 if array.dtype == np.uint16 else 1)
    assert got.shape == expected.shape
    # JPEG is lossy: compare the coarse pattern (where the bright and grey blocks are)
    assert np.abs(got - expected).mean() < 3
    assert np.array_equal(got > 180, expected > 180)
    assert info.orientation == orientation
    applied = [note for note in info.notes if note.startswith("EXIF orientation")]
    assert applied == ([] if orientation == 1 else [f"EXIF orientation {orientation} applied"])


# ------------------------------------------------------------------ writing images

@pytest.mark.parametrize("suffix", [".jpg", ".webp", ".bmp", ".gif"])
@pytest.mark.parametrize("channels", [3, 1])
def test_16_bit_images_written_to_8_bit_formats_are_value_over_257(tmp_path, suffix, channels):
    """JPEG, WebP, BMP and GIF hold 8 bits: uint16 is written as round(value / 257)."""
    rgb16 = (blocks().astype(np.uint16) * 257 + 100)  # between two 8-bit levels
    image16 = rgb16 if channels == 3 else rgb16[..., 1]
    path = tmp_path / f"x{suffix}"
    write_image(path, image16)
    expected = np.rint(image16 / 257)
    got = read_image(path).astype(float)
    if expected.ndim == 2 and got.ndim == 3:  # WebP and GIF store grey as colour
        assert np.array_equal(got, np.repeat(got[..., :1], 3, axis=2))
        got = got[..., 0]
    assert got.shape == expected.shape
    # JPEG and lossy WebP blur the colour edges a little; saturating would be ~200 off
    tolerance = 6 if suffix in (".jpg", ".webp") else 0.01
    assert np.abs(got - expected).mean() < tolerance, suffix


def test_16_bit_values_map_to_8_bits_by_rounding(tmp_path):
    values = np.array([[0, 128, 129, 257, 385, 386, 65535, 65407]], np.uint16)
    write_image(tmp_path / "v.bmp", values)
    assert read_image(tmp_path / "v.bmp").tolist() == [[0, 0, 1, 1, 1, 2, 255, 255]]


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16_bit_formats_keep_16_bits(tmp_path, suffix):
    rgb16 = blocks().astype(np.uint16) * 257 + 100
    for image in (rgb16, rgb16[..., 0]):
        write_image(tmp_path / f"x{suffix}", image)
        assert np.array_equal(read_image(tmp_path / f"x{suffix}"), image)


def test_write_image_refuses_other_dtypes_and_suffixes(tmp_path):
    with pytest.raises(ValueError, match=r"array must be uint8, uint16 or float .* got int64"):
        write_image(tmp_path / "x.png", np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError,
                       match=r"array must be \(H, W\), \(H, W, 3\) or \(H, W, 4\); got shape \(2, 3, 2\)"):
        write_image(tmp_path / "x.png", np.zeros((2, 3, 2), np.uint8))
    with pytest.raises(ValueError, match=r"unknown image file extension '\.xyz'"):
        write_image(tmp_path / "x.xyz", np.zeros((2, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []
