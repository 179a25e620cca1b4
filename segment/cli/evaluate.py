"""``segment evaluate``: score label maps or UCMs against ground truth (BSDS500 measures)."""

from __future__ import annotations

from pathlib import Path

import click

from .._defaults import BOUNDARY_RULES, DEFAULT_MAX_DIST, first_line

__all__ = ["evaluate_command"]


@click.command("evaluate")
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

    from ..evaluate import evaluate_folders, evaluate_ucm_folders
    from ..io import atomic_path

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
