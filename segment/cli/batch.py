"""``segment batch``: segment every image of a folder, with progress and a summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._defaults import DEFAULT_MAX_PIXELS, DEFAULT_OUTPUTS, first_line
from ..progress import PROGRESS_INTERVAL, _BatchProgress, _progress_interval
from .options import _not_stdout, _parse_outputs, output_options, segmentation_options

__all__ = ["batch_command"]


@click.command("batch")
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path),
                callback=_not_stdout)
@click.option("-R", "--recursive", is_flag=True,
              help="Include sub-folders, mirrored under OUTPUT_DIR (symlinked folders are not followed).")
@click.option("--outputs", default=",".join(DEFAULT_OUTPUTS), show_default=True,
              callback=_parse_outputs, help="Which files to write per image.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              show_default="number of CPUs",
              help="Images segmented in parallel: worker processes of one core each.")
@click.option("--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              help="Send the images to this Dask scheduler instead of local processes "
                   "(--jobs is then ignored; the workers must see both folders at the same "
                   "paths) [env: DASK_SCHEDULER_ADDRESS; needs segment[dask]].")
@click.option("--overwrite", is_flag=True,
              help="Redo images whose outputs are complete (by default they are skipped), "
                   "and replace a <stem>.json that segment did not write.")
@click.option("--max-pixels", type=click.IntRange(min=0), default=DEFAULT_MAX_PIXELS,
              show_default=True, help="Fail images larger than this many pixels (0: no limit).")
@click.option("--masks", "masks_dir", type=click.Path(exists=True, file_okay=False,
                                                      path_type=Path), default=None,
              help="Folder of masks matched by stem (<stem>.png, mirrored like the "
                   "inputs): each image is segmented where its mask is not black; an "
                   "image without a mask is segmented whole (the manifest says so).")
@output_options
@click.option("-q", "--quiet", is_flag=True,
              help="No progress (a bar on a terminal, else a line every "
                   f"{PROGRESS_INTERVAL:g} s) and no summary line.")
@segmentation_options
@click.pass_context
def batch_command(ctx, input_dir, output_dir, recursive, outputs, jobs, scheduler, overwrite,
                  max_pixels, masks_dir, label_format, boundary_color, quiet, **params):
    """Segment every image in INPUT_DIR, writing the `image` command's files to OUTPUT_DIR.

    Images are found by extension (jpg, jpeg, png, tif, tiff, bmp, webp, gif; any
    case).
    Images whose outputs are complete are skipped, so rerunning a stopped batch
    resumes it. OUTPUT_DIR/segment-manifest.json records every image: done,
    skipped or failed, with the reason. A bad file never stops the batch.

    One batch at a time writes to an OUTPUT_DIR: a second one is refused while
    the first runs.

    Exit status: 0 all done or skipped, 1 some image failed or the manifest could
    not be written, 2 usage error (OUTPUT_DIR in use by another batch included),
    130 interrupted by Ctrl-C, 143 stopped by SIGTERM (finished outputs are kept
    and the manifest is written).
    """
    from ..batch import BatchInterrupted, BatchUsageError, run_batch

    progress = None if quiet else _BatchProgress(
        sys.stderr, terminal=sys.stderr.isatty(), interval=_progress_interval())
    stopped = 0  # or the exit status for the signal that stopped the batch
    try:
        result = run_batch(
            input_dir, output_dir, params, recursive=recursive, outputs=outputs,
            overwrite=overwrite, max_pixels=max_pixels or None, jobs=jobs,
            scheduler=scheduler, progress=progress, masks=masks_dir,
            write_options={"label_format": label_format, "boundary_color": boundary_color},
        )
    except (BatchUsageError, ImportError) as exc:
        raise click.UsageError(first_line(exc)) from None
    except OSError as exc:  # e.g. OUTPUT_DIR cannot be created, or its lock file
        raise click.ClickException(first_line(exc)) from None
    except BatchInterrupted as exc:
        result, stopped = exc.result, 128 + int(exc.signum)
    finally:
        if progress is not None:
            progress.close()

    summary = result.summary
    for record in result.failures[:20]:
        click.echo(f"failed: {record['input']}: {record['error']}", err=True)
    if len(result.failures) > 20:
        click.echo(f"... and {len(result.failures) - 20} more failures; see {result.manifest}",
                   err=True)
    if not quiet or stopped:
        rate = summary["images_per_second"]
        line = (
            f"{summary['total']} images: {summary['done']} done, {summary['skipped']} skipped, "
            f"{summary['failed']} failed"
            + (f", {summary['pending']} not run" if summary["pending"] else "")
            + f" in {summary['seconds']:.1f} s"
            + (f" ({rate:.2f} images/s)" if rate else "")
            + (f"; manifest: {result.manifest}"
               if result.manifest and not result.manifest_error else "")
        )
        click.echo(("interrupted: " if stopped else "") + line, err=bool(stopped))
    if result.manifest_error:
        click.echo(f"segment: error: {result.manifest_error} (the manifest there, if any, "
                   "is from an earlier write)", err=True)
    ctx.exit(stopped or (1 if result.failures or result.manifest_error else 0))
