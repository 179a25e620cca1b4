"""Helpers under every measure: the benchmark's ratio conventions and input checks."""

from __future__ import annotations

import numpy as np

from .._defaults import BOUNDARY_RULES


def _ratio(num, den):
    """``num / den`` with 0/0 (and x/0) read as 0, as the official ``computeRPF``."""
    return float(num) / den if den else 0.0


def _f_measure(precision, recall):
    """Harmonic mean of P and R; 0 when both are 0 (the official ``fmeasure``)."""
    total = precision + recall
    return 2.0 * precision * recall / total if total else 0.0


def _as_label_map(array, name):
    """`array` as an int64 (H, W) label map with at least one pixel, or a clear error."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) label map; got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must have at least one pixel; got shape {array.shape}")
    if array.dtype.kind == "b":
        array = array.astype(np.uint8)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer labels; got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)




def _check_matching(max_dist, boundary_rule):
    """Raise a ValueError naming `max_dist` or `boundary_rule` if it is not accepted."""
    if not 0 < max_dist < 1:
        raise ValueError(
            f"max_dist is a fraction of the image diagonal and must be in (0, 1); got {max_dist!r}"
        )
    if boundary_rule not in BOUNDARY_RULES:
        raise ValueError(
            f"boundary_rule must be one of {BOUNDARY_RULES}; got {boundary_rule!r}"
        )


def _check_humans(ground_truth, boundaries, shape=None, against="labels"):
    """The human label maps and boundary masks (or None), checked against `shape`.

    `shape` defaults to the first human map's; `against` names what it is the
    shape of in the messages. Returns ``(humans, masks)``: int64 maps, and bool
    masks or None when `boundaries` is None.
    """
    if isinstance(ground_truth, np.ndarray) and ground_truth.ndim == 2:
        ground_truth = [ground_truth]
    humans = [_as_label_map(g, f"ground_truth[{k}]") for k, g in enumerate(ground_truth)]
    if not humans:
        raise ValueError("ground_truth must hold at least one human segmentation; got none")
    if shape is None:
        shape, against = humans[0].shape, "ground_truth[0]"
    for k, human in enumerate(humans):
        if human.shape != shape:
            raise ValueError(
                f"ground_truth[{k}] has shape {human.shape} but {against} has shape {shape}"
            )
    if boundaries is None:
        return humans, None
    if isinstance(boundaries, np.ndarray) and boundaries.ndim == 2:
        boundaries = [boundaries]
    masks = [np.asarray(b) != 0 for b in boundaries]
    if len(masks) != len(humans):
        raise ValueError(
            f"boundaries must hold one mask per human segmentation ({len(humans)}); "
            f"got {len(masks)}"
        )
    for k, mask in enumerate(masks):
        if mask.shape != shape:
            raise ValueError(f"boundaries[{k}] has shape {mask.shape} but {against} has shape {shape}")
    return humans, masks
