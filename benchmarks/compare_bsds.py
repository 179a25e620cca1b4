"""``segment`` beside scikit-image's segmenters on BSDS500, scored the same way.

Runs ``segment()`` at its defaults and scikit-image's ``felzenszwalb``,
``quickshift`` and ``slic`` at a few settings each on the same images, in the same
run, and prints for each method and setting the data-set PRI, VoI, Covering,
boundary F, the mean region count and the mean seconds per image. For the peers,
the best row per measure is their ODS; ``segment`` is shown at its one default
setting.

    python -m benchmarks.compare_bsds --split val --every 2   # from the repository root
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ._common import add_data_arguments, map_images, read_bsds

#: (name, setting label, callable name, keyword arguments)
PEERS = [
    ("felzenszwalb", "scale=300", "felzenszwalb", {"scale": 300, "sigma": 0.8, "min_size": 200}),
    ("felzenszwalb", "scale=1000", "felzenszwalb", {"scale": 1000, "sigma": 0.8, "min_size": 500}),
    ("quickshift", "kernel 5, dist 20", "quickshift", {"kernel_size": 5, "max_dist": 20, "ratio": 0.5}),
    ("slic", "n=25", "slic", {"n_segments": 25, "compactness": 10, "start_label": 0}),
    ("slic", "n=50", "slic", {"n_segments": 50, "compactness": 10, "start_label": 0}),
]


def score_image(task):
    """(method, setting) -> (ImageScores, seconds) for one image."""
    import skimage.segmentation as sks

    from segment import segment
    from segment.evaluate import evaluate_segmentation

    bsds, split, image_id = task
    image, segs, bdrys = read_bsds(bsds, split, image_id)
    runs = [("segment", "defaults", lambda: segment(image).labels)]
    for name, label, func, kwargs in PEERS:
        runs.append((name, label, lambda f=getattr(sks, func), k=kwargs: f(image, **k)))
    out = {}
    for name, label, run in runs:
        start = time.perf_counter()
        labels = run()
        seconds = time.perf_counter() - start
        out[(name, label)] = (evaluate_segmentation(labels, segs, boundaries=bdrys), seconds)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    args = parser.parse_args(argv)

    from segment.evaluate import summarize

    images, results = map_images(score_image, args)
    if images is None:
        return 2
    print(f"# {len(images)} BSDS500 images ({args.split}, every {args.every}); "
          "seconds per image with one thread per process")
    print("| method | setting | regions | PRI | VoI | Covering | F | s/image |")
    print("|---|---|---|---|---|---|---|---|")
    for key in results[0]:
        scores = [r[key][0] for r in results]
        s = summarize(scores)
        regions = np.mean([sc.n_regions for sc in scores])
        seconds = np.mean([r[key][1] for r in results])
        print(f"| {key[0]} | {key[1]} | {regions:.0f} | {s['pri']:.4f} | {s['voi']:.3f} | "
              f"{s['covering']:.3f} | {s['f']:.3f} | {seconds:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
