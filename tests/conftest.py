"""Shared fixtures and synthetic test images.

Synthetic pictures are described by a *truth* label map and one CIE Lab colour per
truth label; :func:`synthetic_image` paints them, adds an optional lightness ramp and
seeded Gaussian noise, and returns uint8 RGB. The colours are far apart (every pair
more than 35 ΔE) and stay inside the sRGB gamut with the ramp, so that the truth is
unambiguous at the default bandwidths (h_s = 7, h_r = 6.5).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

#: Truth colours in CIE Lab (D65): brick red, green, blue, yellow, grey, purple.
TRUTH_LAB = np.array(
    [
        [45.0, 45.0, 30.0],
        [65.0, -40.0, 35.0],
        [40.0, 15.0, -45.0],
        [80.0, -5.0, 55.0],
        [55.0, 0.0, 0.0],
        [30.0, 25.0, -10.0],
    ]
)


def quadrants(height, width):
    """Truth map of four quadrants, labelled 0 1 / 2 3."""
    truth = np.zeros((height, width), np.int64)
    truth[:, width // 2:] = 1
    truth[height // 2:, :] += 2
    return truth


def blobs(height=60, width=80):
    """Truth map of five discs (labels 1..5) on a connected background (label 0).

    The discs keep more than 12 px from each other and 7 px (h_s) from the edges, so
    the background stays one wide connected region.
    """
    truth = np.zeros((height, width), np.int64)
    yy, xx = np.mgrid[0:height, 0:width]
    radius = 0.12 * min(height, width)
    centres = [(0.25, 0.22), (0.25, 0.78), (0.75, 0.22), (0.75, 0.78), (0.5, 0.5)]
    for label, (cy, cx) in enumerate(centres, start=1):
        inside = (yy - cy * (height - 1)) ** 2 + (xx - cx * (width - 1)) ** 2 <= radius**2
        truth[inside] = label
    return truth


def synthetic_image(truth, *, noise=3.0, ramp=0.0, seed=0, colours=TRUTH_LAB):
    """Paint a truth map: uint8 RGB with a lightness ramp and Gaussian noise.

    Parameters
    ----------
    truth : (H, W) int array
        Indices into `colours`.
    noise : float
        Standard deviation of the noise added to every RGB channel, in uint8 steps
        (3 gives about 2.8 ΔE RMS on these colours).
    ramp : float
        Total rise of L* from the left to the right edge (centred on the colours).
    seed : int
        Seed of the noise.
    """
    from skimage.color import lab2rgb

    truth = np.asarray(truth)
    width = truth.shape[1]
    lab = np.asarray(colours, np.float64)[truth]
    lab[..., 0] += ramp * (np.arange(width) / max(width - 1, 1) - 0.5)
    rgb = lab2rgb(lab) * 255.0
    rgb += np.random.default_rng(seed).normal(0.0, noise, rgb.shape)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def regions_cross(labels, truth):
    """Labels whose pixels lie in more than one truth region."""
    labels = np.asarray(labels).ravel()
    truth = np.asarray(truth).ravel()
    return [k for k in np.unique(labels) if np.unique(truth[labels == k]).size > 1]


def misplaced_pixels(labels, truth):
    """Pixels whose truth region is not the majority truth region of their label."""
    labels = np.asarray(labels).ravel()
    truth = np.asarray(truth).ravel()
    wrong = 0
    for k in np.unique(labels):
        inside = truth[labels == k]
        wrong += inside.size - np.bincount(inside).max()
    return int(wrong)


@pytest.fixture
def quadrant_picture():
    """(image, truth): 48x64 four quadrants, noise, and a 15 L ramp across the image."""
    truth = quadrants(48, 64)
    return synthetic_image(truth, noise=3.0, ramp=15.0, seed=1), truth


@pytest.fixture
def blob_picture():
    """(image, truth): 60x80 five discs on a background, noise, no ramp."""
    truth = blobs(60, 80)
    return synthetic_image(truth, noise=3.0, seed=2), truth


@pytest.fixture
def bsds_root():
    """The BSDS500 copy shared beside the checkout; skips when it is absent."""
    root = Path(__file__).resolve().parents[2] / "shared" / "bsds500"
    if not root.is_dir():
        pytest.skip(f"BSDS500 not found at {root}")
    return root
