"""Fit the merging cost's coefficients (``segment.merging.MERGE_COEFFICIENTS``) on BSDS500.

The merging joins adjacent regions, most similar pair first, while a logistic model
gives them a probability of belonging to different objects of at most the merge
threshold. This script fits that model on the *train* images only:

1. every image goes through the package's pipeline at its defaults up to the mean
   shift modes (exact path, h_s 10, automatic h_r; the stage functions of
   ``benchmarks._common``);
2. the package's region stage forms the regions with the current coefficients at
   several merge thresholds (probabilities 0.2 ... 0.7); at each snapshot every
   adjacent pair of regions gives one sample: its features (the merging's own pair
   features, its interiors taken from the groups it merged) and the probability,
   averaged over the human segmentations, that a random pixel of one region and a
   random pixel of the other lie in one human segment;
3. scikit-learn's ``LogisticRegression`` (standardised features, C = 1) is fitted to
   "that probability exceeds 1/2", each pair weighted by |A| |B| / N² (what merging
   it changes in the Rand index);
4. steps 2-3 repeat with the new coefficients (so that the samples come from the
   states the fitted model itself reaches), pooling the samples of all rounds.

Round 1 starts from a hand-made cost, logit = 6 - 1.5 log_joint - 1.5
log_weighed_contrast (colour and texture difference plus boundary contrast).

Prints the coefficients as Python, in the form of ``segment/merging.py``; run from
the repository root::

    python -m benchmarks.fit_merging --split train --rounds 3
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ._common import (
    add_data_arguments,
    automatic_min_size,
    automatic_range_bandwidth,
    automatic_spatial_bandwidth,
    form_regions,
    lab_image,
    map_images,
    merge_features,
    merging_inputs,
    pair_features,
    read_bsds,
    seek_modes,
)

SNAPSHOTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def initial_coefficients():
    """The hand-made starting cost, as logistic coefficients."""
    features = merge_features()
    coef = np.zeros(1 + len(features))
    coef[0] = 6.0
    coef[1 + features.index("log_joint")] = -1.5
    coef[1 + features.index("log_weighed_contrast")] = -1.5
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
    image, segmentations, _ = read_bsds(bsds, split, image_id)
    humans = [np.unique(s, return_inverse=True)[1].ravel() for s in segmentations]
    # the package's pipeline at its defaults, up to the modes
    lab = lab_image(image)
    h_r = automatic_range_bandwidth(lab)
    points = seek_modes(lab, automatic_spatial_bandwidth(lab), h_r)
    min_size = automatic_min_size(lab)
    inputs = merging_inputs(points, lab, h_r)
    out = []
    for threshold in SNAPSHOTS:
        labels = form_regions(points, lab, h_r, min_size, threshold, coefficients=coefficients)
        n = int(labels.max()) + 1
        if n < 2:
            continue
        edges, features = pair_features(labels, n, inputs)
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
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.set_defaults(split="train")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

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
    for name, value in zip(merge_features(), coefficients[1:]):
        print(f"    {value:+.6g},  # {name}")
    print(")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
