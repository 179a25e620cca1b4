"""Parameter sweep on the BSDS500 images: how the defaults of ``segment`` were chosen.

For every image of the chosen splits, the mean shift modes are computed once per
(spatial_bandwidth, range_bandwidth, method); then regions are formed for every
(min_size, merge_threshold) and scored against the human segmentations with the
benchmark's four measures (PRI, VoI, Covering, boundary F at 0.0075 x diagonal).
Prints one row per setting (data-set figures for that one setting, as the benchmark
defines them), then the ODS/OIS summary.

The data set is research-only and never enters the repository: point ``--bsds`` at
a local copy (default: ``../shared/bsds500`` beside the repository).

Examples, run from the repository root::

    python -m benchmarks.sweep_bsds --split val --min-size 463,700,926 --merge 0.45,0.46,0.47
    python -m benchmarks.sweep_bsds --split train,val --every 4 --spatial 7,10,12 \\
        --range 5.5,auto,auto:7:0.5 --method exact,fast
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np

from ._common import (
    add_data_arguments,
    automatic_min_size,
    automatic_range_bandwidth,
    defaults,
    form_regions,
    lab_image,
    map_images,
    read_bsds,
    seek_modes,
)


def _floats(text):
    return [float(v) for v in text.split(",")]


def _ranges(text):
    """Range bandwidths: numbers, 'auto', or 'auto:BASE' / 'auto:BASE:EXPONENT'."""
    return [v if v.startswith("auto") else float(v) for v in text.split(",")]


def resolve_range(token, lab):
    """h_r of an image for a --range token (see :func:`_ranges`)."""
    if not isinstance(token, str):
        return float(token)
    parts = token.split(":")[1:]
    base = float(parts[0]) if parts else None
    exponent = float(parts[1]) if len(parts) > 1 else None
    return automatic_range_bandwidth(lab, base=base, exponent=exponent)


def _sizes(text):
    return [None if v == "auto" else int(v) for v in text.split(",")]


def score_image(task):
    """All settings for one image: returns {(hs, hr, method, min_size, T): ImageScores}."""
    from segment.evaluate import evaluate_segmentation

    bsds, split, image_id, bandwidths, methods, min_sizes, thresholds, extras = task
    image, segs, bdrys = read_bsds(bsds, split, image_id)
    lab = lab_image(image)
    results = {}
    for (hs, token), method in itertools.product(bandwidths, methods):
        hr = resolve_range(token, lab)
        points = seek_modes(lab, hs, hr, method=method)
        for min_size, threshold, extra in itertools.product(min_sizes, thresholds, extras):
            size = automatic_min_size(lab) if min_size is None else min_size
            labels = form_regions(points, lab, hr, size, threshold, **dict(extra))
            results[(hs, token, method, min_size, threshold, extra)] = evaluate_segmentation(
                labels, segs, boundaries=bdrys
            )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    default = defaults()

    parser.add_argument("--spatial", type=_floats, default=[default["spatial_bandwidth"]])
    parser.add_argument("--range", dest="range_", type=_ranges,
                        default=[default["range_bandwidth"] or "auto"],
                        help="comma-separated h_r values, 'auto' (the package's automatic "
                             "h_r) or 'auto:BASE:EXPONENT'")
    parser.add_argument("--method", default=default["method"],
                        help="comma-separated: exact,fast (default: the package default)")
    parser.add_argument("--min-size", type=_sizes, default=[None],
                        help="comma-separated pixels, or 'auto'")
    parser.add_argument("--merge", type=_floats, default=[default["merge_threshold"]],
                        help="comma-separated merge thresholds")
    parser.add_argument("--cost", action="append", default=[], metavar="NAME=V1,V2",
                        help="also sweep a keyword of the package's region stage "
                             "(colour_sigma, edge_sigma, grouping)")
    args = parser.parse_args(argv)
    terms = [(name, _floats(values)) for name, values in (c.split("=") for c in args.cost)]
    extras = [tuple(zip([n for n, _ in terms], combo))
              for combo in itertools.product(*[v for _, v in terms])]

    bandwidths = list(itertools.product(args.spatial, args.range_))
    methods = args.method.split(",")
    start = time.perf_counter()
    images, per_image = map_images(score_image, args, bandwidths, methods, args.min_size,
                                   args.merge, extras)
    if images is None:
        return 2
    seconds = time.perf_counter() - start

    from segment.evaluate import summarize, summarize_sweep

    settings = list(per_image[0])
    print(f"# {len(images)} images ({args.split}, every {args.every}), "
          f"{len(settings)} settings, {seconds:.0f} s")
    print("| h_s | h_r | method | min_size | merge | cost terms | regions | PRI | VoI | Covering "
          "| F |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    by_setting = {}
    for setting in settings:
        scores = [r[setting] for r in per_image]
        by_setting[setting] = scores
        s = summarize(scores)
        regions = np.mean([sc.n_regions for sc in scores])
        hs, hr, method, min_size, threshold, extra = setting
        terms = ", ".join(f"{k}={v:g}" for k, v in extra) or "defaults"
        hr = hr if isinstance(hr, str) else f"{hr:g}"
        print(f"| {hs:g} | {hr} | {method} | {min_size or 'auto'} | {threshold:g} | {terms} | "
              f"{regions:.0f} | {s['pri']:.4f} | {s['voi']:.3f} | {s['covering']:.3f} | "
              f"{s['f']:.3f} |")
    if len(settings) > 1:
        sweep = summarize_sweep(by_setting)
        for name in ("pri", "voi", "covering", "f"):
            ods, ois = sweep["ods"][name], sweep["ois"][name]
            print(f"# {name}: ODS {ods['value']:.4f} at {ods['setting']}; OIS {ois['value']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
