"""What the benchmarks share: the base photo and its resizing, the BSDS500 images, worker
and child processes, and the package's pipeline stages.

The stage functions at the end are the only place where a benchmark reaches below
the public API (:func:`segment.segment`, :mod:`segment.evaluate`, ``segment batch``):
``sweep_bsds`` computes the mean shift modes once and the regions at many settings,
and ``fit_merging`` needs the regions at several merge thresholds and the merging's
pair features, which :func:`segment.segment` does not expose. They call the
functions that :func:`segment.segment` calls, with its defaults.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BSDS = ROOT.parent / "shared" / "bsds500"
#: The photo the speed and start-up benchmarks resize, and the BSDS500 size (width, height).
DEFAULT_IMAGE = ROOT / "sample_images" / "coffee.png"
BSDS_SIZE = (481, 321)


# ---------------------------------------------------------------- photos


def load_base(path):
    """The base photo as (H, W, 3) uint8 RGB, whatever its bit depth or channels."""
    import numpy as np

    from segment import read_image

    image = read_image(path)
    if image.dtype == np.uint16:
        image = (image // 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image)


def fit(image, width, height):
    """Centre-crop `image` to the aspect ratio width:height, then resize it to exactly that size.

    Shrinking uses INTER_AREA, enlarging INTER_CUBIC.
    """
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    if w * height > h * width:  # too wide: crop the sides
        crop_w, crop_h = round(h * width / height), h
    else:  # too tall: crop top and bottom
        crop_w, crop_h = w, round(w * height / width)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    crop = image[top : top + crop_h, left : left + crop_w]
    enlarging = width * height > crop_w * crop_h
    interpolation = cv2.INTER_CUBIC if enlarging else cv2.INTER_AREA
    return np.ascontiguousarray(cv2.resize(crop, (width, height), interpolation=interpolation))


def write_png(image, path):
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        sys.exit(f"could not write {path}")
    return path


# ---------------------------------------------------------------- BSDS500


def list_images(bsds, splits, every=1):
    """(split, id) pairs of the BSDS images in `splits`, every `every`-th one."""
    out = []
    for split in splits:
        folder = Path(bsds) / "images" / split
        ids = sorted(p.stem for p in folder.glob("*.jpg"))
        out += [(split, i) for i in ids[::every]]
    return out


def add_data_arguments(parser):
    """The options every BSDS script shares: --bsds, --split, --every, --jobs."""
    parser.add_argument("--bsds", default=str(DEFAULT_BSDS),
                        help="BSDS500 folder (default: ../shared/bsds500 beside the repository)")
    parser.add_argument("--split", default="val", help="comma-separated: train,val")
    parser.add_argument("--every", type=int, default=1, help="use every N-th image")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)


def map_images(func, args, *extra):
    """``func((bsds, split, id, *extra))`` for every selected image, in worker processes.

    Returns (images, results), or (None, None) after a message when the data set is
    missing. Each worker runs the kernels on one thread: processes share the cores.
    """
    if not (Path(args.bsds) / "images").is_dir():
        print(f"BSDS500 not found at {args.bsds}; pass --bsds", file=sys.stderr)
        return None, None
    images = list_images(args.bsds, args.split.split(","), args.every)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # fresh worker processes (not forks of this one, whose OpenMP may already run
    # threads), so that they start with the setting above
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(func, [(args.bsds, s, i, *extra) for s, i in images]))
    return images, results


def read_bsds(bsds, split, image_id):
    """One BSDS image as (RGB uint8 image, human segmentations, human boundaries)."""
    from segment import read_image
    from segment.evaluate import load_bsds_ground_truth

    root = Path(bsds)
    image = read_image(root / "images" / split / f"{image_id}.jpg")
    segmentations, boundaries = load_bsds_ground_truth(
        root / "groundTruth" / split / f"{image_id}.mat")
    return image, segmentations, boundaries


# ---------------------------------------------------------------- processes


def usable_cpus():
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def segment_command():
    """The ``segment`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("segment")
    return [str(script)] if script.exists() else [sys.executable, "-m", "segment.cli"]


def run_module(name, *args, env=None):
    """Run ``python -m benchmarks.NAME ARGS`` in a fresh process from the repository
    root and return its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", f"{__package__}.{name}", *map(str, args)],
        cwd=ROOT, check=True, capture_output=True, text=True, env=env,
    )
    return done.stdout


# ---------------------------------------------------------------- the package's stages


def defaults():
    """:data:`segment.DEFAULTS`, the defaults of :func:`segment.segment`."""
    from segment import DEFAULTS

    return DEFAULTS


def lab_image(image):
    """The image in CIE Lab, float32 (H, W, 3) ((H, W, 1), L alone, for grey input), as
    :func:`segment.segment` sees it."""
    from segment.colour import lab_lattice

    return lab_lattice(image)


def automatic_range_bandwidth(lab, base=None, exponent=None):
    """The automatic h_r of :func:`segment.segment` (``range_bandwidth=None``), or
    the same rule with another base or exponent."""
    from segment.bandwidth import RANGE_BASE, RANGE_EXPONENT, estimate_range_bandwidth

    return estimate_range_bandwidth(
        lab,
        base=RANGE_BASE if base is None else base,
        exponent=RANGE_EXPONENT if exponent is None else exponent,
    )


def automatic_spatial_bandwidth(lab):
    """The automatic h_s of :func:`segment.segment` for this image (10 on a BSDS500 photo)."""
    from segment.resolution import default_spatial_bandwidth

    return default_spatial_bandwidth(*lab.shape[:2])


def automatic_min_size(lab):
    """The automatic ``min_size`` of :func:`segment.segment` for this image."""
    from segment.segmentation import default_min_size

    return default_min_size(*lab.shape[:2])


def seek_modes(lab, spatial_bandwidth, range_bandwidth, method=None):
    """Mean shift convergence points, as :func:`segment.segment` computes them."""
    from segment.meanshift import seek_modes as seek

    method = defaults()["method"] if method is None else method
    return seek(lab, spatial_bandwidth, range_bandwidth, kernel=defaults()["kernel"],
                method=method)


def form_regions(points, lab, range_bandwidth, min_size, merge_threshold, **terms):
    """Region labels from convergence points, as :func:`segment.segment` forms them;
    `terms` are further keywords of the package's region stage (``coefficients``,
    ``colour_sigma``, ``edge_sigma``, ``grouping``)."""
    from segment.regions import form_regions as regions

    labels, _, _ = regions(points, lab, range_bandwidth, min_size, merge_threshold, **terms)
    return labels


def merging_inputs(points, lab, range_bandwidth):
    """What the region stage hands its merging: the groups of the convergence points
    (labels), the per-pixel values whose region means are compared, and the edge map."""
    from segment.filters import gradient_magnitude
    from segment.grouping import GROUPING_FRACTION, group_modes
    from segment.region_graph import appearance
    from segment.regions import EDGE_SIGMA

    groups, _ = group_modes(points, GROUPING_FRACTION * range_bandwidth)
    return groups, appearance(points, lab), gradient_magnitude(lab, EDGE_SIGMA)


def merge_features():
    """Names of the merging cost's pair features, in the order of its coefficients."""
    from segment.merge_cost import PAIR_FEATURES

    return PAIR_FEATURES


def pair_features(labels, n, inputs):
    """(edges, features) of every adjacent pair of regions of `labels`, `inputs` being
    :func:`merging_inputs` of the image."""
    from segment.merge_cost import pair_features as features

    groups, values, edge_map = inputs
    return features(labels, values, n, edge_map=edge_map, groups=groups)
