"""Hierarchical BSDS500 scores of the merge hierarchy, and what recording it costs.

For every selected image, :func:`segment.segment` at the defaults, then its
ultrametric contour map (``result.ucm(layout="bsds")``) scored at 99
thresholds by :func:`segment.evaluate.evaluate_ucm`, as the official BSDS500
``collect_eval_*`` scripts do: ODS (one threshold for the data set), OIS (the best
threshold per image) and boundary AP; the default cut's scores come from the same
run. Timing, on one thread per worker: the whole ``segment()`` call, what recording
the hierarchy costs (the merging of the image's groups run to a single region,
against the same merging stopped at the default threshold), and ``result.cut(t)``.
The benchmark is meant for 481 x 321 photos, which segment at scale 1.

    .venv/bin/python -m benchmarks.hierarchy --split val --jobs 2
    .venv/bin/python -m benchmarks.hierarchy --every 20        # a quick check
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks._common import add_data_arguments, map_images, read_bsds


def _seconds(func, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def score_image(task):
    from segment import DEFAULTS, segment
    from segment.evaluate import evaluate_segmentation, evaluate_ucm
    from segment.grouping import GROUPING_FRACTION, group_modes
    from segment.merging import merge_hierarchy, merge_regions

    from benchmarks._common import merging_inputs

    bsds, split, image_id = task
    image, segs, bdrys = read_bsds(bsds, split, image_id)
    segment(image)  # compiled and warm
    whole = _seconds(lambda: segment(image), repeats=3)
    result = segment(image)
    cut = _seconds(lambda: result.cut(0.3))
    # what recording costs: the merging run to one region against the same merging
    # stopped at the default threshold, on this image's groups
    from segment.colour import lab_lattice
    from segment.meanshift import seek_modes

    params = result.parameters
    lab = lab_lattice(image)
    points = seek_modes(lab, params["spatial_bandwidth"], params["range_bandwidth"])
    _, values, edge_map = merging_inputs(points, lab, params["range_bandwidth"])
    groups, n = group_modes(points, GROUPING_FRACTION * params["range_bandwidth"])
    size = params["min_size"]
    full = _seconds(lambda: merge_hierarchy(groups, values, n, edge_map=edge_map,
                                            min_size=size))
    stopped = _seconds(lambda: merge_regions(groups, values, n, edge_map=edge_map,
                                             threshold=DEFAULTS["merge_threshold"],
                                             min_size=size))
    ucm_scores = evaluate_ucm(result.ucm(layout="bsds"), segs, boundaries=bdrys)
    default = evaluate_segmentation(result.labels, segs, boundaries=bdrys)
    return image_id, whole, cut, full - stopped, ucm_scores, default


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    images, results = map_images(score_image, args)
    if images is None:
        return 1
    from segment import DEFAULTS
    from segment.evaluate import summarize, summarize_ucm

    summary = summarize_ucm([r[4] for r in results])
    default = summarize([r[5] for r in results])
    whole = np.array([r[1] for r in results])
    cut = np.array([r[2] for r in results])
    extra = np.array([r[3] for r in results])
    print(f"# {len(results)} BSDS500 images ({args.split}), defaults, 99 thresholds")
    print("| measure | ODS | OIS | AP / Best |")
    print("|---|---|---|---|")
    def value(entry):
        return entry["value"] if isinstance(entry, dict) else entry

    f, pri, voi, cov = (summary[k] for k in ("f", "pri", "voi", "covering"))
    print(f"| boundary F | {value(f['ods']):.4f} (t {f['ods']['threshold']:.2f}) "
          f"| {value(f['ois']):.4f} | AP {value(f['ap']):.4f} |")
    print(f"| PRI | {value(pri['ods']):.4f} | {value(pri['ois']):.4f} | |")
    print(f"| VoI | {value(voi['ods']):.4f} | {value(voi['ois']):.4f} | |")
    print(f"| Covering | {value(cov['ods']):.4f} | {value(cov['ois']):.4f} "
          f"| Best {value(cov['best']):.4f} |")
    print(f"# the default cut (merge_threshold {DEFAULTS['merge_threshold']}): "
          f"PRI {default['pri']:.4f}, VoI {default['voi']:.4f}, "
          f"Covering {default['covering']:.4f}, F {default['f']:.4f}")
    print(f"# segment(): median {np.median(whole):.3f} s; recording past the default "
          f"threshold: median {np.median(extra) * 1000:.1f} ms "
          f"({np.median(extra / whole) * 100:.1f} % of the call); "
          f"cut(): median {np.median(cut) * 1000:.1f} ms, max {cut.max() * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
