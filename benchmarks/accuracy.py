"""BSDS500 scores of ``segment()`` at its defaults, for the fast and the exact path.

For every image of the split, segments it with ``method='exact'`` (the default) and
``method='fast'`` at the package's other defaults, scores both against the human
segmentations (PRI, VoI, Covering, boundary F; benchmark conventions), and reports
the data-set figures for each path, their difference, and how far the two label
maps agree (adjusted Rand index, mean over images).

The data set is research-only and stays outside the repository. From the repository
root::

    python -m benchmarks.accuracy                 # val split, ../shared/bsds500
    python -m benchmarks.accuracy --split train --every 2 --bsds /data/BSDS500
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ._common import add_data_arguments, map_images, read_bsds

METHODS = ("exact", "fast")  # the default first


def score_image(task):
    """Scores, region counts and seconds of both paths on one image, and their ARI."""
    from sklearn.metrics import adjusted_rand_score

    from segment import segment
    from segment.evaluate import evaluate_segmentation

    bsds, split, image_id = task
    image, segs, bdrys = read_bsds(bsds, split, image_id)
    out, labels = {}, {}
    for method in METHODS:
        start = time.perf_counter()
        result = segment(image, method=method)
        seconds = time.perf_counter() - start
        labels[method] = result.labels
        out[method] = (evaluate_segmentation(result.labels, segs, boundaries=bdrys), seconds)
    out["ari"] = adjusted_rand_score(labels["fast"].ravel(), labels["exact"].ravel())
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    args = parser.parse_args(argv)

    from segment import DEFAULTS
    from segment.evaluate import summarize

    images, results = map_images(score_image, args)
    if images is None:
        return 2

    print(f"# {len(images)} BSDS500 images ({args.split}), defaults {DEFAULTS}")
    print("| path | regions | PRI | VoI | Covering | boundary P | R | F | s/image (1 thread) |")
    print("|---|---|---|---|---|---|---|---|---|")
    summary = {}
    for method in METHODS:
        scores = [r[method][0] for r in results]
        s = summary[method] = summarize(scores)
        regions = np.mean([sc.n_regions for sc in scores])
        seconds = np.mean([r[method][1] for r in results])
        print(f"| {method} | {regions:.0f} | {s['pri']:.4f} | {s['voi']:.3f} | "
              f"{s['covering']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | "
              f"{s['f']:.4f} | {seconds:.3f} |")
    diff = {k: summary["fast"][k] - summary["exact"][k] for k in ("pri", "voi", "covering", "f")}
    print("| fast - exact | | " + " | ".join(
        f"{diff[k]:+.4f}" for k in ("pri", "voi", "covering")) + f" | | | {diff['f']:+.4f} | |")
    ari = [r["ari"] for r in results]
    print(f"# fast vs exact labels: adjusted Rand index mean {np.mean(ari):.3f}, "
          f"median {np.median(ari):.3f}, min {np.min(ari):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
