"""Regenerate every picture that README.md shows, from the bundled sample images.

    .venv/bin/python docs/make_figures.py                # writes docs/images/*.png
    .venv/bin/python docs/make_figures.py --out /tmp/fig # somewhere else
    .venv/bin/python docs/make_figures.py --scale 0.5    # quick check on half-size input

Pictures (PNG, matplotlib's Agg backend, no display needed):

``before_after.png``
    ``sample_images/coffee.png`` at its full 600 x 400: original | painted in the
    region mode colours | region boundaries over the original, at the package
    defaults.
``parameters.png``
    The parameter guide: one row per parameter (spatial_bandwidth,
    range_bandwidth, merge_threshold, min_size), each panel the painted result
    with one parameter changed from the defaults, titled with its value and
    region count.
``hierarchy.png``
    One segmentation cut at four levels of its merge hierarchy
    (``result.cut(t)``), and its ultrametric contour map (``result.ucm()``).

``--scale`` shrinks the input before segmenting (for a fast test). The bandwidths
and ``min_size`` are in pixels of the segmented image, so pictures made at another
scale are not the ones README.md describes; commit only those made at 1.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_images"
DEFAULT_OUT = Path(__file__).resolve().parent / "images"

#: The image shown in every figure.
PHOTO = "coffee.png"

#: (parameter, values, unit) per row of the parameter guide; ``None`` stands for the
#: package default (read from ``segment.DEFAULTS`` when the figure is made).
GUIDE_ROWS = [
    ("spatial_bandwidth", [4.0, None, 20.0, 30.0], "px"),
    ("range_bandwidth", [4.0, None, 10.0, 16.0], "ΔE"),
    ("merge_threshold", [0.0, None, 0.7, 0.9], ""),
    ("min_size", [20, 200, None, 8000], "px"),
]

DPI = 100


def load(name, scale=1.0):
    """A bundled sample image as (H, W, 3) uint8, resized by `scale` (Lanczos)."""
    from segment import read_image

    image = read_image(SAMPLES / name)
    if scale != 1.0:
        height, width = image.shape[:2]
        size = (max(16, round(width * scale)), max(16, round(height * scale)))
        image = np.asarray(Image.fromarray(image).resize(size, Image.LANCZOS))
    return image


def _panel(ax, picture, title):
    ax.imshow(picture, interpolation="lanczos")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig, path, colours=None):
    """Write `fig` as PNG; with `colours`, as a palette image of that many colours."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    picture = Image.open(buffer).convert("RGB")
    if colours:  # the painted panels hold few colours: a palette keeps the file small
        picture = picture.quantize(colours, dither=Image.Dither.NONE)
    picture.save(path, optimize=True)
    return path


def before_after(out, scale=1.0):
    """Original | painted | boundaries for :data:`PHOTO` at the defaults."""
    from segment import segment

    image = load(PHOTO, scale)
    result = segment(image)
    height, width = image.shape[:2]
    panel_w = 4.0
    fig, axes = plt.subplots(1, 3, figsize=(3 * panel_w, panel_w * height / width + 0.3),
                             layout="constrained")
    _panel(axes[0], image, f"original ({width} x {height})")
    _panel(axes[1], result.paint(), f"painted: {result.n_regions} regions")
    _panel(axes[2], result.overlay("image", color=(1.0, 0.1, 0.1), mode="thick"),
           "boundaries")
    return _save(fig, Path(out) / "before_after.png")


def _value_text(name, value, unit, used):
    if value is None:
        used = f"{used:.3g}" if isinstance(used, float) else used
        return f"{name} = {used}{' ' + unit if unit else ''} (auto)"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{name} = {value}{' ' + unit if unit else ''}"


def _guide_values(name, values, defaults):
    """The row's values with ``None`` replaced by the default (kept ``None`` if automatic)."""
    return [defaults[name] if value is None else value for value in values]


def parameter_guide(out, scale=1.0):
    """A grid: one row per parameter, four values each, everything else at the defaults."""
    from segment import DEFAULTS, segment

    image = load(PHOTO, scale)
    height, width = image.shape[:2]
    ncols = max(len(values) for _, values, _ in GUIDE_ROWS)
    panel_w = 3.0
    fig, axes = plt.subplots(
        len(GUIDE_ROWS), ncols,
        figsize=(ncols * panel_w, len(GUIDE_ROWS) * (panel_w * height / width + 0.5)),
        layout="constrained", squeeze=False,
    )
    for row, (name, values, unit) in enumerate(GUIDE_ROWS):
        for col in range(ncols):
            ax = axes[row, col]
            if col >= len(values):
                ax.axis("off")
                continue
            value = _guide_values(name, values, DEFAULTS)[col]
            result = segment(image, **{name: value})
            used = result.parameters[name]
            default = value == DEFAULTS[name]
            title = (f"{_value_text(name, value, unit, used)}"
                     f"{' *' if default else ''}\n{result.n_regions} regions")
            _panel(ax, result.overlay("painted", color=(0.0, 0.0, 0.0)), title)
    fig.suptitle(f"{PHOTO} ({width} x {height}): one parameter changed at a time; "
                 "* = package default", fontsize=11)
    return _save(fig, Path(out) / "parameters.png", colours=256)


#: Merge thresholds of the hierarchy figure's panels; ``None`` is the default.
HIERARCHY_LEVELS = [0.1, None, 0.7, 0.9]


def hierarchy(out, scale=1.0):
    """Four cuts of one merge hierarchy of :data:`PHOTO`, and its UCM."""
    from segment import DEFAULTS, segment

    image = load(PHOTO, scale)
    result = segment(image)
    height, width = image.shape[:2]
    panel_w = 3.0
    fig, axes = plt.subplots(1, 5, figsize=(5 * panel_w, panel_w * height / width + 0.6),
                             layout="constrained")
    for ax, level in zip(axes, HIERARCHY_LEVELS):
        threshold = DEFAULTS["merge_threshold"] if level is None else level
        cut = result.cut(threshold)
        title = f"cut({threshold:g}){' *' if level is None else ''}: {cut.n_regions} regions"
        _panel(ax, cut.overlay("painted", color=(0.0, 0.0, 0.0)), title)
    from scipy.ndimage import grey_dilation

    ucm = grey_dilation(result.ucm(), size=(3, 3))  # drawn 3 pixels wide to show at this size
    axes[-1].imshow(ucm, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    axes[-1].set_title("ucm(): boundary level", fontsize=10)
    axes[-1].set_xticks([])
    axes[-1].set_yticks([])
    fig.suptitle(f"{PHOTO}: one segmentation, cut at four levels of its merge hierarchy "
                 "(* = default)", fontsize=11)
    return _save(fig, Path(out) / "hierarchy.png", colours=256)


FIGURES = (before_after, parameter_guide, hierarchy)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the PNG files (default: {DEFAULT_OUT})")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="resize the sample image by this factor first (default: 1)")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 4:
        parser.error(f"--scale must be in (0, 4]; got {args.scale}")
    args.out.mkdir(parents=True, exist_ok=True)
    for make in FIGURES:
        path = make(args.out, args.scale)
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
