"""The ``segment`` command line: a thin layer over the library.

Heavy modules (numba, OpenCV, scikit-image) are imported inside the commands, so
``segment --help`` and ``segment --version`` start fast.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from ._defaults import (
    BOUNDARY_RULES,
    DEFAULT_MAX_DIST,
    DEFAULT_MAX_PIXELS,
    DEFAULTS,
    KERNELS,
    METHODS,
    DEFAULT_OUTPUTS,
    LABEL_FORMATS,
    OUTPUT_KINDS,
    first_line,
    parse_outputs,
)
from ._version import __version__
from .progress import PROGRESS_INTERVAL, _BatchProgress, _progress_interval


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


@click.group("segment", cls=_OneLineErrors, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="segment")
@click.pass_context
def cli(ctx):
    """Mean shift image segmentation in the joint spatial-colour domain."""
    if ctx.invoked_subcommand is None:  # bare `segment`: its help, exit status 0
        click.echo(ctx.get_help())
        ctx.exit(0)


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


@cli.command("image")
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
    from ._warmup import COMPILE_NOTICE
    from .batch import BatchUsageError, validate_parameters
    from .outputs import segment_file

    try:
        validate_parameters(params)
    except BatchUsageError as exc:
        raise click.UsageError(first_line(exc)) from None
    try:
        record = segment_file(photo, outdir, params, max_pixels=max_pixels or None,
                              outputs=outputs, mask=mask_path, label_format=label_format,
                              boundary_color=boundary_color,
                              on_compile=lambda: click.echo(COMPILE_NOTICE, err=True))
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


def _compile_kernels_first(params, *, quiet):
    """Before a batch on local workers: if the kernels are not in numba's cache,
    compile them here, once, with a notice, rather than in every worker at once."""
    from ._warmup import COMPILE_NOTICE, kernels_cached, warm_up

    if kernels_cached() is False:
        if not quiet:
            click.echo(COMPILE_NOTICE, err=True)
        warm_up(params)


@cli.command("batch")
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
    from .batch import BatchInterrupted, BatchUsageError, run_batch, validate_parameters

    progress = None if quiet else _BatchProgress(
        sys.stderr, terminal=sys.stderr.isatty(), interval=_progress_interval())
    stopped = 0  # or the exit status for the signal that stopped the batch
    try:
        if scheduler is None:
            _compile_kernels_first(validate_parameters(params), quiet=quiet)
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


@cli.command("evaluate")
@click.argument("pred_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("gt_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the per-image and summary figures to this JSON file.")
@click.option("--max-dist", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=DEFAULT_MAX_DIST, show_default=True,
              help="Boundary matching tolerance, as a fraction of the image diagonal.")
@click.option("--boundary-rule", type=click.Choice(BOUNDARY_RULES), default="bsds",
              show_default=True,
              help="Label map -> boundary pixels: 'thin' (right/lower neighbour differs) or "
                   "'bsds' (the official seg2bdry + thinning, as BSDS's Boundaries field).")
@click.option("--ucm", "ucm", is_flag=True,
              help="PRED_DIR holds ultrametric contour maps (<id>_ucm.png, 16-bit level * 65535; "
                   "<id>_ucm.npy; or BSDS <id>.mat with ucm2): score them at every threshold "
                   "and report ODS, OIS and AP.")
@click.option("--thresholds", type=click.IntRange(min=1), default=99, show_default=True,
              help="With --ucm: how many thresholds, evenly spaced in (0, 1) as in the BSDS "
                   "benchmark.")
@click.pass_context
def evaluate_command(ctx, pred_dir, gt_dir, json_path, max_dist, boundary_rule, ucm, thresholds):
    """Score the label maps in PRED_DIR against the ground truth in GT_DIR (BSDS500 measures).

    Each ground-truth file <id>.mat (BSDS500 layout, with its Boundaries field),
    <id>.png or <id>.npy in GT_DIR is paired with the first of <id>_labels.png,
    <id>_labels.npy, <id>.png, <id>.npy found in PRED_DIR. Prints PRI, VoI,
    Covering and boundary F per image, then the data-set figures: mean PRI and
    VoI, Covering pooled over humans and images, boundary P/R/F from counts
    summed over images.

    With --ucm, each UCM is cut at every threshold, and the table gives ODS (the
    best threshold for the data set), OIS (each image at its best) and AP (area
    under the precision-recall curve) for F, ODS and OIS for Covering, PRI and
    VoI, and Best (each human region at its best threshold) for Covering, as the
    BSDS500 benchmark's collect_eval scripts.

    Exit status: 0 every image scored, 1 some prediction missing or unreadable,
    2 usage error (e.g. no ground truth in GT_DIR).
    """
    import json

    from .evaluate import evaluate_folders, evaluate_ucm_folders
    from .io import atomic_path

    try:
        if ucm:
            result = evaluate_ucm_folders(pred_dir, gt_dir, thresholds=thresholds,
                                          max_dist=max_dist, boundary_rule=boundary_rule)
        else:
            result = evaluate_folders(pred_dir, gt_dir, max_dist=max_dist,
                                      boundary_rule=boundary_rule)
    except ValueError as exc:  # e.g. no ground truth in GT_DIR
        raise click.UsageError(first_line(exc)) from None
    except OSError as exc:
        raise click.ClickException(first_line(exc)) from None
    for line in result.problem_lines():
        click.echo(line, err=True)
    table = result.format_table()
    if table:
        click.echo(table)
    if result.count_line():
        click.echo(result.count_line(), err=True)

    if json_path is not None:
        try:
            with atomic_path(json_path) as tmp:
                tmp.write_text(json.dumps(result.as_dict(), indent=2) + "\n")
        except OSError as exc:
            raise click.ClickException(f"cannot write {json_path}: {exc.strerror or exc}") from None
    ctx.exit(1 if result.missing or result.failed else 0)


from .serve import SERVE_DEFAULTS  # noqa: E402  (stdlib only: keeps --help fast)


def _missing_serve_modules():
    import importlib.util

    return [name for module, name in (("starlette", "starlette"), ("uvicorn", "uvicorn"),
                                      ("multipart", "python-multipart"))
            if importlib.util.find_spec(module) is None]


def _is_loopback(host):
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.command("serve")
@click.option("--host", default=SERVE_DEFAULTS["host"], show_default=True,
              help="Address to listen on; anything but a loopback address lets other "
                   "machines reach the page.")
@click.option("--port", type=click.IntRange(1, 65535), default=SERVE_DEFAULTS["port"],
              show_default=True, help="TCP port.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.option("--max-pixels", type=click.IntRange(min=2), default=SERVE_DEFAULTS["max_pixels"],
              show_default=True, help="Refuse images with more pixels than this (413).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=SERVE_DEFAULTS["max_bytes"],
              show_default=True, help="Refuse uploads larger than this many bytes (413).")
@click.option("--max-memory", type=click.IntRange(min=1), default=SERVE_DEFAULTS["max_memory"],
              show_default=True,
              help="Bytes of arrays kept for all results; the least recently used go first.")
@click.option("--queue", "queue_size", type=click.IntRange(min=0),
              default=SERVE_DEFAULTS["queue_size"], show_default=True,
              help="Segmentations that may wait while one computes; more get 503.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              default=SERVE_DEFAULTS["timeout"], show_default=True,
              help="Seconds a segmentation request may take before a 504.")
def serve_command(host, port, open_browser, max_pixels, max_bytes, max_memory, queue_size,
                  timeout):
    """Serve an interactive page: open an image, tune the parameters, cut the merge
    hierarchy with a slider, download the results.

    Also an HTTP API (POST /api/segment, GET /api/segment/ID/cut, ...; see the
    README). Needs the serve extra: pip install 'segment[serve]'. Stop with Ctrl+C.
    """
    missing = _missing_serve_modules()
    if missing:
        raise click.ClickException(
            f"segment serve needs {', '.join(missing)}: pip install 'segment[serve]'")
    import threading
    import time
    import webbrowser

    import uvicorn

    from .serve import create_app

    loopback = _is_loopback(host)
    if not loopback:
        click.echo(f"segment serve: warning: listening on {host}, not a loopback address: "
                   f"other machines that reach it can upload images", err=True)
    allowed = [host, "localhost", "127.0.0.1"] if loopback and ":" not in host else None
    app = create_app(max_pixels=max_pixels, max_bytes=max_bytes, max_memory=max_memory,
                     queue_size=queue_size, timeout=timeout, allowed_hosts=allowed)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           lifespan="on"))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"

    def announce():
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            click.echo(f"segment serve: {url} (Ctrl+C to stop)", err=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    if not server.started:
        raise click.ClickException(f"could not listen on {host}:{port}")


main = cli.main

if __name__ == "__main__":  # pragma: no cover
    cli()
