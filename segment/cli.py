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
    OUTPUT_KINDS,
    first_line,
    label_names,
    parse_outputs,
)
from ._version import __version__


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
                          "differ is at most this (0-1); higher gives fewer regions."),
        click.option("--kernel", type=click.Choice(KERNELS), default=DEFAULTS["kernel"],
                     show_default=True, help="Mean shift kernel."),
        click.option("--method", type=click.Choice(METHODS), default=DEFAULTS["method"],
                     show_default=True,
                     help="Mode seeking: 'exact' runs mean shift from every pixel; 'fast' "
                          "from one seed pixel per f x f block (about 2x faster overall, "
                          "approximate)."),
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
        raise click.ClickException(first_line(exc)) from None
    click.echo(
        f"{photo.name}: {record['n_regions']} regions in {record['seconds']:.2f} s -> {outdir}"
    )


def _parse_outputs(ctx, param, value):
    try:
        return parse_outputs(value)
    except ValueError as exc:
        raise click.BadParameter(first_line(exc)) from None


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class _ProgressLine:
    """One self-rewriting line on a terminal: count, bar, rate, ETA, failures."""

    def __init__(self, stream):
        import time

        self._clock = time.monotonic
        self.stream = stream
        self.start = self._clock()
        self.processed = 0
        self.failed = 0
        self.last = 0.0
        self.drawn = False

    def __call__(self, record, finished, total):
        if record["status"] in ("done", "failed"):
            self.processed += 1
        self.failed += record["status"] == "failed"
        now = self._clock()
        if finished < total and now - self.last < 0.1:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = self.processed / elapsed
        eta = _duration((total - finished) / rate) if rate > 0 else "?"
        import shutil

        width = shutil.get_terminal_size((80, 20)).columns
        tail = f" {finished}/{total}  {rate:.2f} img/s  ETA {eta}"
        if self.failed:
            tail += f"  {self.failed} failed"
        bar_width = max(10, min(40, width - len(tail) - 3))
        filled = int(bar_width * finished / total) if total else bar_width
        line = f"[{'#' * filled}{'.' * (bar_width - filled)}]{tail}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


@cli.command("batch")
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-R", "--recursive", is_flag=True,
              help="Include sub-folders, mirrored under OUTPUT_DIR (symlinked folders are not followed).")
@click.option("--outputs", default=",".join(OUTPUT_KINDS), show_default=True,
              callback=_parse_outputs, help="Which files to write per image.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              show_default="number of CPUs",
              help="Images segmented in parallel: worker processes of one core each.")
@click.option("--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              help="Send the images to this Dask scheduler instead of local processes "
                   "(--jobs is then ignored; the workers must see both folders at the same "
                   "paths) [env: DASK_SCHEDULER_ADDRESS; needs segment[dask]].")
@click.option("--overwrite", is_flag=True,
              help="Redo images whose outputs are complete (by default they are skipped).")
@click.option("--max-pixels", type=click.IntRange(min=0), default=DEFAULT_MAX_PIXELS,
              show_default=True, help="Fail images larger than this many pixels (0: no limit).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@segmentation_options
@click.pass_context
def batch_command(ctx, input_dir, output_dir, recursive, outputs, jobs, scheduler, overwrite,
                  max_pixels, quiet, **params):
    """Segment every image in INPUT_DIR, writing the `image` command's files to OUTPUT_DIR.

    Images are found by extension (jpg, jpeg, png, tif, tiff, bmp, webp, gif; any
    case).
    Images whose outputs are complete are skipped, so rerunning a stopped batch
    resumes it. OUTPUT_DIR/segment-manifest.json records every image: done,
    skipped or failed, with the reason. A bad file never stops the batch.

    Exit status: 0 all done or skipped, 1 some image failed, 2 usage error,
    130 interrupted (finished outputs are kept).
    """
    from .batch import BatchInterrupted, BatchUsageError, run_batch

    progress = None if quiet or not sys.stderr.isatty() else _ProgressLine(sys.stderr)
    interrupted = False
    try:
        result = run_batch(
            input_dir, output_dir, params, recursive=recursive, outputs=outputs,
            overwrite=overwrite, max_pixels=max_pixels or None, jobs=jobs,
            scheduler=scheduler, progress=progress,
        )
    except (BatchUsageError, ImportError) as exc:
        raise click.UsageError(first_line(exc)) from None
    except OSError as exc:  # e.g. OUTPUT_DIR cannot be created or the manifest written
        raise click.ClickException(first_line(exc)) from None
    except BatchInterrupted as exc:
        result, interrupted = exc.result, True
    finally:
        if progress is not None:
            progress.close()

    summary = result.summary
    for record in result.failures[:20]:
        click.echo(f"failed: {record['input']}: {record['error']}", err=True)
    if len(result.failures) > 20:
        click.echo(f"... and {len(result.failures) - 20} more failures; see {result.manifest}",
                   err=True)
    if not quiet or interrupted:
        rate = summary["images_per_second"]
        line = (
            f"{summary['total']} images: {summary['done']} done, {summary['skipped']} skipped, "
            f"{summary['failed']} failed"
            + (f", {summary['pending']} not run" if summary["pending"] else "")
            + f" in {summary['seconds']:.1f} s"
            + (f" ({rate:.2f} images/s)" if rate else "")
            + (f"; manifest: {result.manifest}" if result.manifest else "")
        )
        click.echo(("interrupted: " if interrupted else "") + line, err=interrupted)
    ctx.exit(130 if interrupted else 1 if result.failures else 0)


_GT_SUFFIXES = (".mat", ".png", ".npy")


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
@click.pass_context
def evaluate_command(ctx, pred_dir, gt_dir, json_path, max_dist, boundary_rule):
    """Score the label maps in PRED_DIR against the ground truth in GT_DIR (BSDS500 measures).

    Each ground-truth file <id>.mat (BSDS500 layout, with its Boundaries field),
    <id>.png or <id>.npy in GT_DIR is paired with the first of <id>_labels.png,
    <id>_labels.npy, <id>.png, <id>.npy found in PRED_DIR. Prints PRI, VoI,
    Covering and boundary F per image, then the data-set figures: mean PRI and
    VoI, Covering pooled over humans and images, boundary P/R/F from counts
    summed over images.

    Exit status: 0 every image scored, 1 some prediction missing or unreadable,
    2 usage error (e.g. no ground truth in GT_DIR).
    """
    import json

    from .evaluate import evaluate_segmentation, load_ground_truth, summarize
    from .io import atomic_path, read_labels

    ground_truth = {}
    for path in sorted(gt_dir.iterdir()):
        suffix = path.suffix.lower()
        if path.is_file() and suffix in _GT_SUFFIXES:
            known = ground_truth.get(path.stem)
            if known is None or _GT_SUFFIXES.index(suffix) < _GT_SUFFIXES.index(known.suffix.lower()):
                ground_truth[path.stem] = path
    if not ground_truth:
        raise click.UsageError(f"no ground truth files (*.mat, *.png, *.npy) in {gt_dir}")

    rows, missing, failed = [], [], []
    for image_id, gt_path in ground_truth.items():
        candidates = [pred_dir / name for name in label_names(image_id)]
        pred_path = next((c for c in candidates if c.is_file()), None)
        if pred_path is None:
            missing.append(image_id)
            click.echo(f"missing: {image_id}: no {candidates[0].name}, {candidates[1].name}, "
                       f"{candidates[2].name} or {candidates[3].name} in {pred_dir}", err=True)
            continue
        try:
            segmentations, boundaries = load_ground_truth(gt_path)
            scores = evaluate_segmentation(
                read_labels(pred_path), segmentations, boundaries=boundaries,
                max_dist=max_dist, boundary_rule=boundary_rule,
            )
        except (ValueError, TypeError, OSError) as exc:
            message = first_line(exc)
            failed.append({"id": image_id, "error": message})
            click.echo(f"failed: {image_id}: {message}", err=True)
            continue
        rows.append((image_id, pred_path, scores))

    width = max([len("id")] + [len(image_id) for image_id, _, _ in rows] + [len("ALL (0)")]) + 2
    summary = summarize([s for _, _, s in rows]) if rows else None
    if rows:
        click.echo(f"{'id':<{width}}{'regions':>8}{'PRI':>8}{'VoI':>8}{'Cover':>8}{'F':>8}")
        for image_id, _, s in rows:
            click.echo(f"{image_id:<{width}}{s.n_regions:>8d}{s.pri:>8.4f}{s.voi:>8.4f}"
                       f"{s.covering:>8.4f}{s.f:>8.4f}")
        mean_regions = sum(s.n_regions for _, _, s in rows) / len(rows)
        click.echo(f"{f'ALL ({len(rows)})':<{width}}{mean_regions:>8.1f}{summary['pri']:>8.4f}"
                   f"{summary['voi']:>8.4f}{summary['covering']:>8.4f}{summary['f']:>8.4f}")
        click.echo(f"boundaries: precision {summary['precision']:.4f}, "
                   f"recall {summary['recall']:.4f}, F {summary['f']:.4f} "
                   f"(max_dist {max_dist:g}, rule {boundary_rule!r})")
    if missing or failed:
        click.echo(f"{len(missing)} missing, {len(failed)} failed of {len(ground_truth)} images",
                   err=True)

    if json_path is not None:
        record = {
            "pred_dir": str(pred_dir), "gt_dir": str(gt_dir),
            "max_dist": max_dist, "boundary_rule": boundary_rule,
            "images": [{"id": image_id, "prediction": str(pred_path), **s.as_dict()}
                       for image_id, pred_path, s in rows],
            "summary": summary, "missing": missing, "failed": failed,
        }
        try:
            with atomic_path(json_path) as tmp:
                tmp.write_text(json.dumps(record, indent=2) + "\n")
        except OSError as exc:
            raise click.ClickException(f"cannot write {json_path}: {exc.strerror or exc}") from None
    ctx.exit(1 if missing or failed else 0)


main = cli.main

if __name__ == "__main__":  # pragma: no cover
    cli()
