"""Broken, odd and mutated files: read_image ends in an array or a one-line ImageReadError.

Every file is made at run time: a table of damaged and unusual files of each format
with the outcome each must have, then a seeded property-based fuzz test that mutates
the bytes of small valid files and feeds them to read_image and segment().
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import threading
import tracemalloc
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from segment.io import ImageReadError, read_image

#: suffix -> Pillow format, for every format a photo folder holds
FORMATS = {"png": "PNG", "jpg": "JPEG", "tif": "TIFF", "bmp": "BMP", "webp": "WEBP", "gif": "GIF"}
LOSSY = {"jpg"}


def blocks(height=24, width=32):
    """uint8 RGB: four flat colour quadrants (JPEG-friendly: edges on 8-pixel lines)."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = (200, 40, 30)
    image[: height // 2, width // 2:] = (40, 190, 60)
    image[height // 2:, : width // 2] = (30, 60, 210)
    image[height // 2:, width // 2:] = (220, 220, 220)
    return image


def encode(image, ext, **options):
    """The bytes of a Pillow image or array saved in the format of suffix `ext`."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if ext == "webp":
        options.setdefault("lossless", True)
    if ext == "jpg":
        options.setdefault("quality", 95)
    buffer = io.BytesIO()
    image.save(buffer, format=FORMATS[ext], **options)
    return buffer.getvalue()


def tiff_bytes(array, **options):
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, **options)
    return buffer.getvalue()


def bounded(function, seconds=20):
    """Call `function()` in a daemon thread; fail the test if it has not ended in `seconds`."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s (hangs?)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# ------------------------------------------------- files that declare a huge size

BOMB_SIDE = 60_000  # 3.6e9 pixels declared, over the default max_pixels of 1e8


def _tiff_header_only(width, height):
    """A little-endian TIFF whose one IFD declares width x height 8-bit grey pixels
    in a strip that the file does not hold."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 8 + 2 + 8 * 12 + 4), (277, 3, 1), (279, 4, width * height)]
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        ifd += struct.pack("<HHII" if kind == 4 else "<HHIHxx", tag, kind, 1, value)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + bytes(16)


def bomb(ext):
    """A file of a few hundred bytes whose header declares a huge image."""
    if ext == "tif":
        return _tiff_header_only(BOMB_SIDE, BOMB_SIDE)
    data = bytearray(encode(blocks(), ext))
    if ext == "png":  # IHDR width and height, then the chunk's CRC
        data[16:24] = struct.pack(">II", BOMB_SIDE, BOMB_SIDE)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    elif ext == "bmp":  # BITMAPINFOHEADER width and height
        data[18:26] = struct.pack("<ii", BOMB_SIDE, BOMB_SIDE)
    elif ext == "gif":  # logical screen and the first image descriptor
        data[6:10] = struct.pack("<HH", BOMB_SIDE, BOMB_SIDE)
        start = data.index(b"\x2c", 13)
        data[start + 5: start + 9] = struct.pack("<HH", BOMB_SIDE, BOMB_SIDE)
    elif ext == "jpg":  # baseline SOF0: marker, length, precision, height, width
        start = data.index(b"\xff\xc0")
        data[start + 5: start + 9] = struct.pack(">HH", BOMB_SIDE, BOMB_SIDE)
    elif ext == "webp":  # VP8L: 14 bits of width - 1, 14 of height - 1 (16384 x 16384)
        start = data.index(b"VP8L") + 9
        data[start: start + 4] = struct.pack("<I", 16383 | (16383 << 14))
    return bytes(data)


# ------------------------------------------------------------- the table of files

@dataclass
class Error:
    """read_image must raise a one-line ImageReadError naming the path and holding `fragment`."""

    fragment: str = ""


@dataclass
class Pixels:
    """read_image must return `expected` (mean absolute difference at most `tolerance`)."""

    expected: np.ndarray
    tolerance: float = 0.0
    notes: list = field(default_factory=list)


def _write(data, name):
    def make(folder):
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path
    return make


def _special(kind):
    def make(folder):
        path = folder / f"{kind}.png"
        if kind == "directory":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "symlink_loop":
            os.symlink(folder / "symlink_loop_b.png", path)
            os.symlink(path, folder / "symlink_loop_b.png")
        elif kind == "dangling_symlink":
            os.symlink(folder / "gone.png", path)
        elif kind == "symlink":
            (folder / "target.png").write_bytes(encode(blocks(), "png"))
            os.symlink(folder / "target.png", path)
        elif kind == "device":
            return Path(os.devnull)
        return path
    return make


def _frames(ext, rgb=None):
    rgb = blocks() if rgb is None else rgb
    frames = [Image.fromarray(rgb), Image.fromarray(255 - rgb), Image.fromarray(rgb[::-1])]
    return encode(frames[0], ext, save_all=True, append_images=frames[1:])


def _truncated_multipage_tiff():
    data = _frames("tif")
    return data[: len(data) // 2]


def cases():
    """(id, make(folder) -> path, expectation) for every broken and odd file."""
    rgb = blocks()
    grey = rgb[..., 1]
    big = blocks(96, 128)
    rng = np.random.default_rng(0)
    table = []
    for ext in FORMATS:
        good = encode(big, ext)
        table += [
            (f"empty.{ext}", _write(b"", f"empty.{ext}"), Error("empty file (0 bytes)")),
            (f"truncated.{ext}", _write(good[: len(good) // 2], f"truncated.{ext}"), Error()),
            (f"header_only.{ext}", _write(good[:20], f"header_only.{ext}"), Error()),
            (f"text.{ext}", _write(b"not pixels\n" * 20, f"text.{ext}"),
             Error("not an image file")),
            (f"noise.{ext}", _write(rng.integers(0, 256, 3000, np.uint8).tobytes(),
                                    f"noise.{ext}"), Error()),
            (f"bomb.{ext}", _write(bomb(ext), f"bomb.{ext}"), Error("over the limit")),
        ]
        wrong = "png" if ext != "png" else "jpg"
        expected = Pixels(rgb, 6 if ext in LOSSY else 0)
        table.append((f"{ext}_named.{wrong}", _write(encode(rgb, ext), f"{ext}_named.{wrong}"),
                      expected))
    for kind, fragment in [("directory", "is a directory"), ("fifo", "not a regular file (FIFO)"),
                           ("symlink_loop", "symbolic link loop"),
                           ("dangling_symlink", "no such file (a dangling symbolic link)"),
                           ("device", "not a regular file (character device)")]:
        table.append((kind, _special(kind), Error(fragment)))
    table.append(("symlink", _special("symlink"), Pixels(rgb)))
    table.append(("missing.png", lambda folder: folder / "missing.png", Error("no such file")))
    table.append(("truncated_multipage.tif", _write(_truncated_multipage_tiff, "t.tif"), Error()))

    import cv2

    rgb16 = rgb.astype(np.uint16) * 257 + 3
    grey16 = grey.astype(np.uint16) * 257 + 3
    png16 = cv2.imencode(".png", np.ascontiguousarray(rgb16[..., ::-1]))[1].tobytes()
    unit = rng.random(grey.shape)
    table += [
        ("grey16.png", _write(encode(grey16, "png"), "grey16.png"), Pixels(grey16)),
        ("grey16.tif", _write(encode(grey16, "tif"), "grey16.tif"), Pixels(grey16)),
        ("rgb16.png", _write(png16, "rgb16.png"), Pixels(rgb16)),
        ("rgb16.tif", _write(tiff_bytes(rgb16, photometric="rgb"), "rgb16.tif"), Pixels(rgb16)),
        ("rgb16_lzw.tif", _write(tiff_bytes(rgb16, photometric="rgb", compression="lzw"),
                                 "rgb16_lzw.tif"), Pixels(rgb16)),
        ("rgb16_planar.tif", _write(tiff_bytes(np.moveaxis(rgb16, -1, 0), photometric="rgb",
                                               planarconfig="separate"),
                                    "rgb16_planar.tif"), Pixels(rgb16)),
        ("rgba16.tif", _write(tiff_bytes(np.dstack([rgb16, grey16]), photometric="rgb",
                                         extrasamples=["unassalpha"]), "rgba16.tif"),
         Pixels(rgb16, notes=["alpha channel dropped"])),
        ("int32.tif", _write(tiff_bytes(grey16.astype(np.int32)), "int32.tif"), Pixels(grey16)),
        ("int32_mode_I.tif", _write(encode(Image.fromarray(grey16.astype(np.int32)), "tif"),
                                    "int32_mode_I.tif"), Pixels(grey16)),
        ("uint32.tif", _write(tiff_bytes(grey16.astype(np.uint32)), "uint32.tif"), Pixels(grey16)),
        ("int32_large.tif", _write(tiff_bytes(grey16.astype(np.int32) + 70_000), "i.tif"),
         Error("integers in 0..65535")),
        ("uint32_huge.tif", _write(tiff_bytes(np.full(grey.shape, 3_000_000_000, np.uint32)),
                                   "u.tif"), Error("integers in 0..65535")),
        ("int16_negative.tif", _write(tiff_bytes(grey.astype(np.int16) - 100), "n.tif"),
         Error("integers in 0..65535")),
        ("int8_negative.tif", _write(tiff_bytes(grey.astype(np.int8)), "n8.tif"),
         Error("integers in 0..65535")),
        ("float32.tif", _write(tiff_bytes(unit.astype(np.float32)), "f32.tif"),
         Pixels(unit.astype(np.float32))),
        ("float32_mode_F.tif", _write(encode(Image.fromarray(unit.astype(np.float32)), "tif"),
                                      "f.tif"), Pixels(unit.astype(np.float32))),
        ("float64.tif", _write(tiff_bytes(unit), "f64.tif"), Pixels(unit.astype(np.float32))),
        ("float16.tif", _write(tiff_bytes(unit.astype(np.float16)), "f16.tif"),
         Pixels(unit.astype(np.float16).astype(np.float32))),
        ("float32_rgb.tif", _write(tiff_bytes(rgb / np.float32(255), photometric="rgb"),
                                   "frgb.tif"), Pixels((rgb / np.float32(255)).astype(np.float32))),
        ("float_over_1.tif", _write(tiff_bytes(unit.astype(np.float32) * 300), "over.tif"),
         Error("floats in [0, 1]")),
        ("float_negative.tif", _write(tiff_bytes(unit.astype(np.float32) - 0.5), "neg.tif"),
         Error("floats in [0, 1]")),
        ("float_nan.tif", _write(tiff_bytes(np.full(grey.shape, np.nan, np.float32)), "nan.tif"),
         Error("NaN or infinite")),
        ("complex.tif", _write(tiff_bytes(unit.astype(np.complex64)), "c.tif"), Error()),
        ("cmyk.jpg", _write(encode(Image.fromarray(rgb).convert("CMYK"), "jpg"), "cmyk.jpg"),
         Pixels(rgb, 8)),
        ("cmyk.tif", _write(encode(Image.fromarray(rgb).convert("CMYK"), "tif"), "cmyk.tif"),
         Pixels(np.asarray(Image.fromarray(rgb).convert("CMYK").convert("RGB")))),
    ]
    palette = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    for ext in ["png", "gif", "bmp", "tif"]:
        table.append((f"palette.{ext}", _write(encode(palette, ext), f"palette.{ext}"),
                      Pixels(rgb)))
    bilevel = grey > 100
    for ext in ["png", "bmp", "tif"]:
        table.append((f"bilevel.{ext}", _write(encode(Image.fromarray(bilevel), ext),
                                               f"bilevel.{ext}"),
                      Pixels(bilevel.astype(np.uint8) * 255)))
    for ext in ["png", "tif"]:
        table.append((f"la.{ext}", _write(encode(Image.fromarray(grey).convert("LA"), ext),
                                          f"la.{ext}"),
                      Pixels(grey, notes=["alpha channel dropped"])))
    for ext in ["gif", "tif", "webp"]:
        table.append((f"frames.{ext}", _write(_frames(ext), f"frames.{ext}"),
                      Pixels(rgb, notes=["first of 3 frames"])))
    return table


CASES = cases()


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's on damaged metadata
@pytest.mark.parametrize("make, expect", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_broken_and_odd_files(tmp_path, make, expect):
    path = make(tmp_path)
    if isinstance(expect, Error):
        with pytest.raises(ImageReadError) as caught:
            bounded(lambda: read_image(path))
        message = str(caught.value)
        assert "\n" not in message
        assert str(path) in message
        assert expect.fragment in message
        return
    array, info = bounded(lambda: read_image(path, return_info=True))
    assert array.dtype == expect.expected.dtype
    assert array.shape == expect.expected.shape
    difference = np.abs(array.astype(float) - expect.expected.astype(float)).mean()
    assert difference <= expect.tolerance
    assert [note for note in info.notes if not note.startswith("EXIF")] == expect.notes


@pytest.mark.parametrize("ext", list(FORMATS))
def test_declared_huge_size_is_refused_before_decoding(tmp_path, ext, monkeypatch):
    """The header's size is checked against max_pixels before any decoder runs."""
    import cv2
    import tifffile
    from PIL import ImageFile

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(cv2, "imdecode", no_decoding)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", no_decoding)
    path = tmp_path / f"bomb.{ext}"
    path.write_bytes(bomb(ext))
    tracemalloc.start()
    try:
        with pytest.raises(ImageReadError, match=r"pixels, over the limit of 100000000"):
            read_image(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's on damaged metadata
def test_the_cli_names_the_file_it_cannot_read(tmp_path):
    from click.testing import CliRunner

    from segment.cli import cli

    path = tmp_path / "pages.tif"
    path.write_bytes(_truncated_multipage_tiff())
    result = CliRunner().invoke(cli, ["image", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"cannot decode {path}" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------- mutated bytes (fuzzing)

def samples():
    """{suffix name: bytes} of a small valid file of each format and decoder path."""
    import cv2

    rgb = blocks(12, 16)
    rgb16 = rgb.astype(np.uint16) * 257
    return {
        "png": encode(rgb, "png"),
        "jpg": encode(rgb, "jpg"),
        "tif": encode(rgb, "tif"),
        "pages.tif": _frames("tif", rgb),
        "bmp": encode(rgb, "bmp"),
        "webp": encode(rgb, "webp"),
        "gif": _frames("gif", rgb),
        "16.png": cv2.imencode(".png", np.ascontiguousarray(rgb16[..., ::-1]))[1].tobytes(),
        "16.tif": tiff_bytes(rgb16, photometric="rgb", compression="zlib"),
        "float.tif": tiff_bytes(rgb / np.float32(255), photometric="rgb"),
    }


SAMPLES = samples()
FUZZ_MAX_PIXELS = 4096  # keeps what a mutated header declares small to decode and segment


def _mutations():
    from hypothesis import strategies as st

    @st.composite
    def mutated(draw):
        """A sample's name and its bytes after 1-4 flips, inserts, deletes or truncations,
        half of them in the first 64 bytes, where the headers are."""
        name = draw(st.sampled_from(sorted(SAMPLES)))
        data = bytearray(SAMPLES[name])
        for _ in range(draw(st.integers(1, 4))):
            last = max(len(data) - 1, 0)
            at = draw(st.one_of(st.integers(0, min(last, 63)), st.integers(0, last)))
            operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
            if operation == "flip" and data:
                data[at] ^= draw(st.integers(1, 255))
            elif operation == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            elif operation == "delete":
                del data[at: at + draw(st.integers(1, 16))]
            else:
                del data[at:]
        return name, bytes(data)

    return mutated()


@pytest.fixture(scope="module")
def fuzz_folder():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def segment_compiled():
    """segment() once on each dtype and channel count read_image gives, before the
    fuzzing, so that compiling it counts against no example's deadline."""
    from segment import segment

    rgb = blocks(12, 16)
    for image in (rgb, rgb.astype(np.uint16) * 257, rgb / np.float32(255)):
        for channels in (image, image[..., 0]):
            segment(channels, spatial_bandwidth=3, range_bandwidth=8.0, min_size=0)
    return segment


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's on damaged metadata
def test_mutated_files_end_in_an_array_or_the_package_s_own_errors(fuzz_folder, segment_compiled):
    from hypothesis import HealthCheck, event, given, settings

    @settings(derandomize=True, max_examples=600, deadline=3000, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_mutations())
    def check(case):
        name, data = case
        path = fuzz_folder / f"mutated.{name}"
        path.write_bytes(data)
        try:
            image = bounded(lambda: read_image(path, max_pixels=FUZZ_MAX_PIXELS), seconds=10)
        except ImageReadError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            event("ImageReadError")
            return
        event("decoded")
        assert image.dtype in (np.uint8, np.uint16, np.float32)
        assert image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)
        try:
            segment_compiled(image, spatial_bandwidth=3, range_bandwidth=8.0, min_size=0)
        except (ValueError, TypeError):
            pass

    check()
