"""The ``segment`` command line: a thin layer over the library.

Heavy modules (numba, OpenCV, scikit-image) are imported inside the commands, so
``segment --help`` and ``segment --version`` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._version import __version__

# Defaults repeated here as literals so that --help needs no import of the library;
# tests check that they equal segment.segmentation.DEFAULTS.
DEFAULT_SPATIAL = 7.0
DEFAULT_RANGE = 6.5
DEFAULT_MIN_SIZE = 20


class _OneLineErrors(click.Group):
    """A group whose errors are one line on stderr and a non-zero exit, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "segment", complete_var=complete_var,
                standalone_mode=False, **extra,
            )
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"segment: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("segment: interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


def segmentation_options(func):
    """The segmentation parameters shared by ``image`` and ``batch``."""
    options = [
        click.option("-s", "--spatial-bandwidth", type=float, default=DEFAULT_SPATIAL,
                     show_default=True, help="Spatial bandwidth h_s, in pixels."),
        click.option("-r", "--range-bandwidth", type=float, default=DEFAULT_RANGE,
                     show_default=True, help="Range bandwidth h_r, in CIE Lab units."),
        click.option("-m", "--min-size", type=int, default=DEFAULT_MIN_SIZE,
                     show_default=True, help="Smallest region kept, in pixels."),
        click.option("--kernel", type=click.Choice(["flat", "gaussian"]), default="flat",
                     show_default=True, help="Mean shift kernel."),
        click.option("--method", type=click.Choice(["fast", "exact"]), default="fast",
                     show_default=True, help="Mode seeking: basin speed-up or every pixel."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="segment")
def cli():
    """Mean shift image segmentation in the joint spatial-colour domain."""


@cli.command("image")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder for the outputs (created if missing).")
@segmentation_options
def image_command(photo, outdir, **params):
    """Segment one PHOTO and write its painted, boundary, label and JSON outputs.

    Writes <stem>_painted.png, <stem>_boundaries.png, <stem>_labels.png (16-bit;
    .npy above 65535 regions) and <stem>.json into OUTDIR.
    """
    from .outputs import segment_file

    try:
        record = segment_file(photo, outdir, params)
    except (ValueError, TypeError, OSError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    click.echo(
        f"{photo.name}: {record['n_regions']} regions in {record['seconds']:.2f} s -> {outdir}"
    )


main = cli.main

if __name__ == "__main__":  # pragma: no cover
    cli()
