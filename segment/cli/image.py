"""``segment image``: segment one photo and write its outputs."""

from __future__ import annotations

from pathlib import Path

import click

from .._defaults import DEFAULT_MAX_PIXELS, DEFAULT_OUTPUTS, OUTPUT_KINDS, first_line
from .options import _not_stdout, _parse_outputs, output_options, segmentation_options

__all__ = ["image_command"]


@click.command("image")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path),
              required=True, callback=_not_stdout,
              help="Folder for the outputs (created if missing).")
@click.option("--max-pixels", type=click.IntRange(min=0), default=DEFAULT_MAX_PIXELS,
              show_default=True, help="Refuse an image larger than this many pixels "
                                      "before decoding it (0: no limit).")
@click.option("--outputs", default=",".join(DEFAULT_OUTPUTS), show_default=True,
              callback=_parse_outputs,
              help=f"Which files to write: any of {','.join(OUTPUT_KINDS)}.")
@click.option("--mask", "mask_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Segment only the pixels where this image (same size as "
                                 "PHOTO) is not black; the others get label 0.")
@output_options
@segmentation_options
def image_command(photo, outdir, max_pixels, outputs, mask_path, label_format, boundary_color,
                  **params):
    """Segment one PHOTO and write the chosen outputs into OUTDIR.

    By default <stem>_painted.png, <stem>_overlay.png (the boundaries over the
    photo), <stem>_labels.png (16-bit; a 32-bit .tif above 65535 regions) and
    <stem>.json; also, with --outputs, <stem>_boundaries.png (a 1-bit mask),
    <stem>_regions.csv, <stem>_polygons.geojson and <stem>_ucm.png.

    Exit status: 0 done, 1 the image could not be read, segmented or written
    (one line on stderr says why), 2 usage error.
    """
    from ..batch import BatchUsageError, validate_parameters
    from ..outputs import segment_file

    try:
        validate_parameters(params)
    except BatchUsageError as exc:
        raise click.UsageError(first_line(exc)) from None
    try:
        record = segment_file(photo, outdir, params, max_pixels=max_pixels or None,
                              outputs=outputs, mask=mask_path, label_format=label_format,
                              boundary_color=boundary_color)
    except (ValueError, TypeError, OSError) as exc:
        raise click.ClickException(first_line(exc)) from None
    except MemoryError:
        size = _pixel_size(photo)
        raise click.ClickException(
            f"out of memory segmenting {photo.name}{f' ({size})' if size else ''}; "
            "try a smaller (downscaled) image or more memory; --max-pixels N refuses "
            "images over N pixels before decoding them"
        ) from None
    except Exception as exc:  # a bug or an unforeseen failure: one line, no traceback
        raise click.ClickException(
            f"segmenting {photo.name} failed: {type(exc).__name__}: {first_line(exc)}"
        ) from None
    click.echo(
        f"{photo.name}: {record['n_regions']} regions in {record['seconds']:.2f} s -> {outdir}"
    )


def _pixel_size(photo):
    """'W x H pixels' of an image file as displayed (EXIF orientation applied), read
    from its header; None if the header cannot be read."""
    try:
        from PIL import Image

        with Image.open(photo) as img:
            width, height = img.size
            if img.getexif().get(0x0112) in (5, 6, 7, 8):  # turned a quarter
                width, height = height, width
    except Exception:  # e.g. a format only tifffile reads, or a decompression bomb
        return None
    return f"{width} x {height} pixels"
