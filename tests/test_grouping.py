"""Grouping of convergence points into connected groups."""

import numpy as np
import pytest

from segment.grouping import group_modes


def test_group_modes_joins_neighbours_closer_than_the_threshold():
    points = np.zeros((1, 5, 3), np.float32)
    points[0, :, 2] = [0.0, 2.0, 4.0, 10.0, 10.5]  # steps of 2, then a jump of 6
    labels, n = group_modes(points, 3.0)
    assert labels.tolist() == [[0, 0, 0, 1, 1]] and n == 2
    labels, n = group_modes(points, 1.5)
    assert labels.tolist() == [[0, 1, 2, 3, 3]] and n == 4


def test_group_modes_uses_8_connectivity():
    points = np.full((2, 2, 3), 50.0, np.float32)
    points[0, 0, 2] = points[1, 1, 2] = 0.0  # a diagonal pair of another colour
    labels, n = group_modes(points, 1.0)
    assert n == 2 and labels[0, 0] == labels[1, 1] != labels[0, 1] == labels[1, 0]


def reference_groups(values, threshold):
    """Flood fill over the 8-neighbour pairs closer than `threshold`, labels in raster
    order of first appearance: the grouping rule written out plainly."""
    height, width = values.shape[:2]
    labels = np.full((height, width), -1)
    n = 0
    for r in range(height):
        for c in range(width):
            if labels[r, c] >= 0:
                continue
            labels[r, c] = n
            stack = [(r, c)]
            while stack:
                y, x = stack.pop()
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        v, u = y + dy, x + dx
                        if (0 <= v < height and 0 <= u < width and labels[v, u] < 0
                                and np.sum((values[y, x] - values[v, u]) ** 2) < threshold ** 2):
                            labels[v, u] = n
                            stack.append((v, u))
            n += 1
    return labels, n


@pytest.mark.parametrize("shape", [(37, 23), (9, 40), (3, 7), (1, 31)])
def test_group_modes_matches_a_flood_fill_across_its_parallel_strips(shape):
    # blobs of three colours with noise: groups snake across the strips the
    # grouping links in parallel (37 rows make strips of 4-5 rows)
    rng = np.random.default_rng(sum(shape))
    points = np.zeros(shape + (5,), np.float32)
    coarse = rng.integers(0, 3, (shape[0] // 3 + 1, shape[1] // 3 + 1))
    colours = np.kron(coarse, np.ones((3, 3)))[:shape[0], :shape[1]] * 10.0
    points[..., 2] = colours + rng.normal(0, 1.0, shape)
    points[..., 3] = rng.normal(0, 1.0, shape)
    labels, n = group_modes(points, 4.0)
    expected, n_expected = reference_groups(points[..., 2:].astype(np.float64), 4.0)
    assert n == n_expected > 1
    assert labels.tolist() == expected.tolist()
