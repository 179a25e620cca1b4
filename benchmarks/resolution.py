"""Resolution independence: BSDS500 scores of ``segment()`` on upscaled copies of the photos.

Every image of the split is enlarged by each factor f (``cv2.resize``, INTER_LANCZOS4,
on its 8-bit RGB values) and segmented at the package defaults, which adapt to the
image size (:mod:`segment.resolution`). The labels are read back on the original
grid, at the centre pixel of every f x f block, and scored against the human
segmentations with :mod:`segment.evaluate` as ``accuracy.py`` scores them (PRI,
VoI, Covering, boundary F; the benchmark's conventions, ``boundary_rule='bsds'``).
Printed per factor: the data-set figures, their difference from factor 1, the
regions and the seconds per image (one thread per worker process).

The data set is research-only and stays outside the repository::

    python benchmarks/resolution.py                      # val, factors 1, 2, 4, 8
    python benchmarks/resolution.py --limit 20 --factors 1,4
    python benchmarks/resolution.py --every 5 --method fast
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks._common import add_data_arguments, list_images

#: Largest differences from factor 1 the resolution issue accepts.
TOLERANCE = {"pri": 0.01, "voi": 0.03, "covering": 0.01, "f": 0.01}


def upscale(image, factor):
    """`image` enlarged `factor` times on each side with Lanczos (8-bit in, 8-bit out)."""
    import cv2

    if factor == 1:
        return image
    height, width = image.shape[:2]
    return cv2.resize(image, (width * factor, height * factor),
                      interpolation=cv2.INTER_LANCZOS4)


def read_back(labels, factor):
    """Labels at the centre pixel of every `factor` x `factor` block."""
    return labels[factor // 2::factor, factor // 2::factor]


def score_image(task):
    """{factor: (ImageScores, seconds, regions)} for one image."""
    from segment import read_image, segment
    from segment.evaluate import evaluate_segmentation, load_bsds_ground_truth

    bsds, split, image_id, factors, method = task
    image = read_image(Path(bsds) / "images" / split / f"{image_id}.jpg")
    segs, bdrys = load_bsds_ground_truth(Path(bsds) / "groundTruth" / split / f"{image_id}.mat")
    out = {}
    for factor in factors:
        big = upscale(image, factor)
        start = time.perf_counter()
        result = segment(big, method=method)
        seconds = time.perf_counter() - start
        labels = read_back(result.labels, factor)
        out[factor] = (evaluate_segmentation(labels, segs, boundaries=bdrys,
                                             boundary_rule="bsds"),
                       seconds, result.n_regions)
    return out


def map_images(func, args, *extra):
    """``func((bsds, split, id, *extra))`` for the first ``args.limit`` selected images,
    in worker processes with one kernel thread each (as ``benchmarks._common.map_images``)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    if not (Path(args.bsds) / "images").is_dir():
        print(f"BSDS500 not found at {args.bsds}; pass --bsds", file=sys.stderr)
        return None, None
    images = list_images(args.bsds, args.split.split(","), args.every)[:args.limit]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(func, [(args.bsds, s, i, *extra) for s, i in images]))
    return images, results


def _factors(text):
    factors = [int(v) for v in text.split(",") if v.strip()]
    if not factors or min(factors) < 1:
        raise argparse.ArgumentTypeError(f"factors must be integers >= 1; got {text!r}")
    return factors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--factors", type=_factors, default=[1, 2, 4, 8],
                        help="comma-separated upscaling factors (default: 1,2,4,8)")
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    parser.add_argument("--method", choices=("exact", "fast"), default=None,
                        help="mode seeking path (default: the package default)")
    args = parser.parse_args(argv)

    from segment.evaluate import summarize
    from segment.segmentation import DEFAULTS

    factors = sorted(set(args.factors) | {1})
    method = args.method or DEFAULTS["method"]
    images, results = map_images(score_image, args, factors, method)
    if images is None:
        return 2

    print(f"# {len(images)} BSDS500 images ({args.split}), Lanczos upscales, labels read "
          f"back at block centres; defaults {DEFAULTS}, method {method!r}")
    print("| factor | regions | PRI | VoI | Covering | F | ΔPRI | ΔVoI | ΔCovering | ΔF "
          "| s/image |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    summary = {f: summarize([r[f][0] for r in results]) for f in factors}
    failures = []
    for f in factors:
        s = summary[f]
        d = {k: s[k] - summary[1][k] for k in TOLERANCE}
        failures += [f"x{f} {k} {d[k]:+.4f}" for k in TOLERANCE if abs(d[k]) > TOLERANCE[k]]
        regions = np.mean([r[f][2] for r in results])
        seconds = np.mean([r[f][1] for r in results])
        print(f"| x{f} | {regions:.1f} | {s['pri']:.4f} | {s['voi']:.3f} | "
              f"{s['covering']:.3f} | {s['f']:.4f} | {d['pri']:+.4f} | {d['voi']:+.3f} | "
              f"{d['covering']:+.4f} | {d['f']:+.4f} | {seconds:.2f} |")
    print("# within tolerance of x1 (PRI, Covering, F 0.01; VoI 0.03): "
          + ("yes" if not failures else "NO: " + ", ".join(failures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
