"""The options that ``segment image`` and ``segment batch`` share, and their checks."""

from __future__ import annotations

import math

import click

from .._defaults import DEFAULTS, KERNELS, LABEL_FORMATS, METHODS, first_line, parse_outputs

__all__ = ["segmentation_options", "output_options"]


class _AutoOrFloat(click.ParamType):
    """A positive number, or 'auto' for None (the library's automatic value)."""

    name = "number|auto"

    def convert(self, value, param, ctx):
        if value is None:
            return value
        if str(value).strip().lower() == "auto":
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            self.fail(f"{value!r} is not a positive number or 'auto'", param, ctx)
        return number


_AUTO_OR_FLOAT = _AutoOrFloat()


def segmentation_options(func):
    """The segmentation parameters shared by ``image`` and ``batch``.

    A decorator: it adds ``-s/--spatial-bandwidth``, ``-r/--range-bandwidth``,
    ``-m/--min-size``, ``-t/--merge-threshold``, ``--kernel`` and ``--method`` to a
    click command, which receives them as keyword arguments named as in
    :func:`segment.segment`.

    Examples
    --------
    >>> import click
    >>> from click.testing import CliRunner
    >>> @click.command()
    ... @segmentation_options
    ... def show(**params):
    ...     click.echo(" ".join(f"{k}={v}" for k, v in sorted(params.items())[:3]))
    >>> print(CliRunner().invoke(show, ["-r", "8", "-t", "0.6"]).output.strip())
    kernel=flat merge_threshold=0.6 method=exact
    """
    options = [
        click.option("-s", "--spatial-bandwidth", type=float,
                     default=DEFAULTS["spatial_bandwidth"],
                     show_default="auto: 10 at 481x321, growing with the image's side",
                     help="Spatial bandwidth h_s, in pixels of the input. Above 10 "
                          "the image is segmented at 10 / h_s of its size, and the regions "
                          "are brought back along its full-resolution edges."),
        click.option("-r", "--range-bandwidth", type=_AUTO_OR_FLOAT, default=DEFAULTS["range_bandwidth"],
                     show_default="auto: from the image's colour spread, about 3.5-14",
                     help="Range bandwidth h_r, in CIE Lab units, or 'auto'."),
        click.option("-m", "--min-size", type=int, default=DEFAULTS["min_size"],
                     show_default="0.3% of the image, at least 20",
                     help="Smallest region kept, in pixels."),
        click.option("-t", "--merge-threshold", type=click.FloatRange(0.0, 1.0),
                     default=DEFAULTS["merge_threshold"], show_default=True,
                     help="Merge adjacent regions while the estimated probability that they "
                          "differ is at most this (0-1; above 0.5 the square root of its "
                          "odds: 0.8 stops at 0.94); higher gives fewer regions."),
        click.option("--kernel", type=click.Choice(KERNELS), default=DEFAULTS["kernel"],
                     show_default=True,
                     help="Mean shift kernel: 'flat' weighs the window's pixels equally; "
                          "'gaussian' by their distance, and is about 25x slower than "
                          "'flat' (17 s against 0.7 s for a 481 x 321 photo on 2 cores)."),
        click.option("--method", type=click.Choice(METHODS), default=DEFAULTS["method"],
                     show_default=True,
                     help="Mode seeking: 'exact' runs mean shift from every pixel; 'fast' "
                          "from one seed pixel per f x f block (about 2x faster overall, "
                          "approximate)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _not_stdout(ctx, param, value):
    """Refuse '-' (standard output) as an output folder, rather than make a folder named '-'."""
    if value is not None and str(value) == "-":
        raise click.BadParameter("'-' (standard output) is not supported: the outputs are "
                                 "several files; give a folder")
    return value


def _parse_outputs(ctx, param, value):
    try:
        return parse_outputs(value)
    except ValueError as exc:
        raise click.BadParameter(first_line(exc)) from None


def _colour(ctx, param, value):
    """An RGB colour: a name, #rrggbb, or three numbers in 0..1 (or 0..255)."""
    if value is None:
        return None
    named = {"yellow": (1.0, 1.0, 0.0), "red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0),
             "blue": (0.0, 0.0, 1.0), "white": (1.0, 1.0, 1.0), "black": (0.0, 0.0, 0.0),
             "cyan": (0.0, 1.0, 1.0), "magenta": (1.0, 0.0, 1.0)}
    text = value.strip().lower()
    if text in named:
        return named[text]
    try:
        if text.startswith("#") and len(text) == 7:
            return tuple(int(text[i:i + 2], 16) / 255.0 for i in (1, 3, 5))
        parts = [float(part) for part in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 3 and all(0 <= v <= 255 for v in parts):
        scale = 255.0 if any(v > 1 for v in parts) else 1.0
        return tuple(v / scale for v in parts)
    raise click.BadParameter(f"expected a colour name ({', '.join(named)}), #rrggbb or "
                             f"R,G,B in 0-1 or 0-255; got {value!r}")


def output_options(func):
    """``--label-format`` and ``--boundary-color``, shared by ``image`` and ``batch``."""
    options = [
        click.option("--label-format", type=click.Choice(LABEL_FORMATS),
                     default=LABEL_FORMATS[0], show_default=True,
                     help="Label map file: 16-bit PNG (a 32-bit TIFF above 65535 regions), "
                          "32-bit TIFF, or NumPy .npy."),
        click.option("--boundary-color", callback=_colour, default=None,
                     show_default="yellow",
                     help="Boundary colour of the overlay: a name, #rrggbb or R,G,B."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
