"""Fit the merging cost's coefficients (``segment.merging.MERGE_COEFFICIENTS``) on BSDS500.

The merging joins adjacent regions, most similar pair first, while a logistic model
gives them a probability of belonging to different objects of at most the merge
threshold. This script fits that model on the *train* images only:

1. every image is segmented up to the grouping step (package defaults: exact path,
   h_s 10, automatic h_r, grouping at 0.35 h_r);
2. the groups are merged with the current coefficients up to several thresholds
   (probabilities 0.2 ... 0.7); at each snapshot every adjacent pair of regions gives
   one sample: its features (``segment.merging.pair_features``) and the probability,
   averaged over the human segmentations, that a random pixel of one region and a
   random pixel of the other lie in one human segment;
3. scikit-learn's ``LogisticRegression`` (standardised features, C = 1) is fitted to
   "that probability exceeds 1/2", each pair weighted by |A| |B| / N² (what merging
   it changes in the Rand index);
4. steps 2-3 repeat with the new coefficients (so that the samples come from the
   states the fitted model itself reaches), pooling the samples of all rounds.

Round 1 starts from a hand-made cost, logit = 6 - 1.5 log_joint - 1.5
log_weighed_contrast (in the spirit of the package's cost before the model existed:
colour and texture difference plus boundary contrast).

Prints the coefficients as Python, to paste into ``segment/merging.py``::

    python benchmarks/fit_merging.py --split train --rounds 3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep_bsds import add_data_arguments, map_images  # noqa: E402

SNAPSHOTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def initial_coefficients():
    """The hand-made starting cost, as logistic coefficients."""
    from segment.merging import FEATURES

    coef = np.zeros(1 + len(FEATURES))
    coef[0] = 6.0
    coef[1 + FEATURES.index("log_joint")] = -1.5
    coef[1 + FEATURES.index("log_weighed_contrast")] = -1.5
    return coef


def same_segment_probability(labels, n, edges, sizes, humans):
    """For each pair (a, b): the mean over humans of P(random a-pixel and b-pixel share
    a human segment); `humans` are flat label arrays numbered 0..m-1."""
    flat = labels.ravel()
    p = np.zeros(len(edges))
    for h in humans:
        table = np.zeros((n, h.max() + 1))
        np.add.at(table, (flat, h), 1.0)
        a, b = edges[:, 0], edges[:, 1]
        p += (table[a] * table[b]).sum(axis=1) / (sizes[a] * sizes[b])
    return p / len(humans)


def image_samples(task):
    """(features, target probability, weight) of the pairs met on one image."""
    bsds, split, image_id, coefficients = task
    from segment.bandwidth import estimate_range_bandwidth
    from segment.evaluate import load_bsds_ground_truth
    from segment.features import gradient_magnitude, lab_lattice
    from segment.io import read_image
    from segment.meanshift import seek_modes
    from segment.merging import merge_regions, pair_features
    from segment.regions import EDGE_SIGMA, GROUPING_FRACTION, group_modes, region_features
    from segment.segmentation import DEFAULTS, default_min_size

    root = Path(bsds)
    lab = lab_lattice(read_image(root / "images" / split / f"{image_id}.jpg"))
    segmentations, _ = load_bsds_ground_truth(root / "groundTruth" / split / f"{image_id}.mat")
    humans = [np.unique(s, return_inverse=True)[1].ravel() for s in segmentations]
    h_r = estimate_range_bandwidth(lab)
    points = seek_modes(lab, DEFAULTS["spatial_bandwidth"], h_r)
    groups, n_groups = group_modes(points, GROUPING_FRACTION * h_r)
    values = region_features(points, lab)
    edge_map = gradient_magnitude(lab, EDGE_SIGMA)
    min_size = default_min_size(*lab.shape[:2])
    out = []
    for threshold in SNAPSHOTS:
        labels, n = merge_regions(groups, values, n_groups, edge_map=edge_map,
                                  threshold=threshold, min_size=min_size,
                                  coefficients=coefficients)
        if n < 2:
            continue
        edges, features = pair_features(labels, values, n, edge_map=edge_map, groups=groups)
        sizes = np.bincount(labels.ravel(), minlength=n).astype(np.float64)
        p = same_segment_probability(labels, n, edges, sizes, humans)
        weight = sizes[edges[:, 0]] * sizes[edges[:, 1]] / float(labels.size) ** 2
        out.append(np.column_stack([features, p, weight]))
    return np.concatenate(out) if out else np.empty((0, 0))


def fit(samples):
    """Logistic regression of 'p > 1/2'; returns folded coefficients (intercept first)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, p, w = samples[:, :-2], samples[:, -2], samples[:, -1]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    model.fit(x, (p > 0.5).astype(int), logisticregression__sample_weight=w / w.mean())
    scaler, logistic = model[0], model[-1]
    slopes = logistic.coef_[0] / scaler.scale_
    intercept = logistic.intercept_[0] - np.sum(slopes * scaler.mean_)
    return np.concatenate([[intercept], slopes])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.set_defaults(split="train")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from segment.merging import FEATURES

    coefficients = initial_coefficients()
    pooled = []
    for round_ in range(1, args.rounds + 1):
        images, per_image = map_images(image_samples, args, coefficients)
        if images is None:
            return 2
        pooled += [s for s in per_image if s.size]
        coefficients = fit(np.concatenate(pooled))
        print(f"# round {round_}: {sum(len(s) for s in pooled)} pairs from {len(images)} images",
              file=sys.stderr)
    print("MERGE_COEFFICIENTS = (")
    print(f"    {coefficients[0]:+.6g},  # intercept")
    for name, value in zip(FEATURES, coefficients[1:]):
        print(f"    {value:+.6g},  # {name}")
    print(")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
