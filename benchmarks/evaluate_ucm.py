"""Time of ``segment.evaluate.evaluate_ucm`` at the official 99 thresholds on BSDS500.

For every selected image, two UCMs in the BSDS ``ucm2`` layout are scored against
the image's humans:

- ``consensus``: an edge's level is the fraction of humans whose segmentation
  separates its two pixels (at most nine levels: few distinct cuts);
- ``many levels``: SLIC superpixels (about 400) whose contours carry random
  levels, so that nearly every threshold is a distinct cut (the worst case).

Prints the mean seconds per image of each, the data-set time that implies on
``--jobs`` processes, and the ODS / OIS / AP figures.

    python -m benchmarks.evaluate_ucm --every 10 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks._common import add_data_arguments, map_images


def ucm2_from_edges(across, down):
    """A ucm2 whose edge cells hold the given levels and whose vertices the largest
    level of their edges."""
    height, width = down.shape[0] + 1, across.shape[1] + 1
    ucm2 = np.zeros((2 * height + 1, 2 * width + 1))
    ucm2[1::2, 2:-1:2] = across
    ucm2[2:-1:2, 1::2] = down
    pad = np.pad(ucm2, 1)
    ucm2[::2, ::2] = np.maximum.reduce([pad[0:-2:2, 1:-1:2], pad[2::2, 1:-1:2],
                                        pad[1:-1:2, 0:-2:2], pad[1:-1:2, 2::2]])
    return ucm2


def time_image(task):
    """(seconds, UCMScores) of both UCMs of one image."""
    from skimage.segmentation import slic

    from segment import read_image
    from segment.evaluate import evaluate_ucm, load_bsds_ground_truth

    bsds, split, image_id = task
    segs, bdrys = load_bsds_ground_truth(Path(bsds) / "groundTruth" / split / f"{image_id}.mat")
    across = np.mean([s[:, :-1] != s[:, 1:] for s in segs], axis=0)
    down = np.mean([s[:-1] != s[1:] for s in segs], axis=0)
    ucms = {"consensus": ucm2_from_edges(across, down)}
    image = read_image(Path(bsds) / "images" / split / f"{image_id}.jpg")
    superpixels = slic(image, n_segments=400, start_label=0)
    level = np.random.default_rng(int(image_id)).random(superpixels.max() + 1)
    ucms["many levels"] = ucm2_from_edges(
        (superpixels[:, :-1] != superpixels[:, 1:])
        * np.maximum(level[superpixels[:, :-1]], level[superpixels[:, 1:]]),
        (superpixels[:-1] != superpixels[1:])
        * np.maximum(level[superpixels[:-1]], level[superpixels[1:]]),
    )
    out = {}
    for name, ucm2 in ucms.items():
        start = time.perf_counter()
        scores = evaluate_ucm(ucm2, segs, boundaries=bdrys)
        out[name] = (time.perf_counter() - start, scores)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    args = parser.parse_args(argv)

    from segment.evaluate import summarize_ucm

    images, results = map_images(time_image, args)
    if images is None:
        return 2
    print(f"# {len(images)} BSDS500 images ({args.split}, every {args.every}), 99 thresholds, "
          f"{args.jobs} processes of one thread")
    print("| UCM | levels | s/image | 100 images on --jobs | F ODS | OIS | AP | "
          "Covering ODS | Best |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in results[0]:
        seconds = np.mean([r[name][0] for r in results])
        scores = [r[name][1] for r in results]
        cuts = np.mean([s.n_levels for s in scores])
        s = summarize_ucm(scores)
        print(f"| {name} | {cuts:.0f} | {seconds:.2f} | {100 * seconds / args.jobs:.0f} s | "
              f"{s['f']['ods']['value']:.3f} | {s['f']['ois']['value']:.3f} | "
              f"{s['f']['ap']:.3f} | {s['covering']['ods']['value']:.3f} | "
              f"{s['covering']['best']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
