"""Mode seeking (steps 1-2): the compiled kernels against the brute-force reference."""

import numpy as np
import pytest
from conftest import TRUTH_LAB, quadrants, synthetic_image
from reference import reference_modes

from segment.colour import lab_lattice
from segment.meanshift import coarse_factor, seek_modes

# A pixel within this distance of a window edge (pixels, or Lab units) could fall on
# either side in float32; the test images are chosen to keep every decision clear.
TIE_MARGIN = 1e-5


def patches(height, width):
    """Four quadrants and a fifth patch below a diagonal."""
    truth = quadrants(height, width)
    yy, xx = np.mgrid[0:height, 0:width]
    truth[yy > xx + 6] = 4
    return truth


def tiny_lab(shape, noise, seed, grey):
    image = synthetic_image(patches(*shape), noise=noise, seed=seed)
    if grey:
        return lab_lattice(image[..., 1], channel_axis=None)
    return lab_lattice(image)


# h_s = 3.37 (and 9.1213) keeps the spatial window edges away from the coordinates
# the flat kernel can reach (means of integers); noise of 6-10 uint8 steps makes the range
# window cut through the noise, so both window rules matter. The seeds were picked
# so that the reference run has no near-ties (checked below, not assumed).
CASES = {
    "flat-colour": dict(shape=(20, 30), noise=10, seed=0, grey=False, kernel="flat", tol=1e-2,
                        max_iter=100),
    "flat-colour-2-steps": dict(shape=(20, 30), noise=10, seed=1, grey=False, kernel="flat",
                                tol=1e-2, max_iter=2),
    "flat-grey": dict(shape=(20, 30), noise=6, seed=0, grey=True, kernel="flat", tol=1e-2,
                      max_iter=100),
    # a window of 19 columns: three vector blocks, the last one partly masked
    "flat-colour-wide": dict(shape=(26, 44), noise=10, seed=0, grey=False, kernel="flat",
                             tol=1e-2, max_iter=100, h_s=9.1213),
    "gaussian-colour": dict(shape=(12, 18), noise=10, seed=3, grey=False, kernel="gaussian",
                            tol=1e-4, max_iter=100),
    "gaussian-grey": dict(shape=(12, 18), noise=6, seed=1, grey=True, kernel="gaussian",
                          tol=1e-4, max_iter=100),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_exact_agrees_with_reference(case):
    h_s, h_r = case.get("h_s", 3.37), 8.0
    lab = tiny_lab(case["shape"], case["noise"], case["seed"], case["grey"])
    expected, margins = reference_modes(
        lab, h_s, h_r, kernel=case["kernel"], tol=case["tol"], max_iter=case["max_iter"]
    )
    # Preconditions on the test image, not on the code under test.
    assert margins.spatial > TIE_MARGIN and margins.range > TIE_MARGIN, (
        f"test image has a near-tie at a window edge ({margins}); pick another seed"
    )
    if case["kernel"] == "flat":
        # tol² is not reached by a hair; a float32 run could stop one step apart
        assert margins.stop > 1e-3, f"near-tie in the stopping rule ({margins})"

    points = seek_modes(
        lab, h_s, h_r, kernel=case["kernel"], method="exact", tol=case["tol"],
        max_iter=case["max_iter"],
    )

    assert points.shape == expected.shape == lab.shape[:2] + (2 + lab.shape[2],)
    assert points.dtype == np.float32
    error = np.abs(points - expected).max(axis=-1)
    bad = np.argwhere(error > 1e-3)
    assert bad.size == 0, (
        f"{len(bad)} pixels differ, first at (row, col) {tuple(bad[0])}: "
        f"got {points[tuple(bad[0])]}, reference {expected[tuple(bad[0])]}"
    )
    # the trajectories really moved, so the comparison is not start == start
    start = np.concatenate([np.mgrid[0:lab.shape[0], 0:lab.shape[1]][::-1].transpose(1, 2, 0),
                            lab], axis=-1)
    assert np.abs(expected - start).max(axis=-1).mean() > 0.5


def test_hand_computed_single_step():
    """One flat step on a 1x3 grey line, worked out by hand (checks the reference too)."""
    lab = np.array([[[0.0], [1.0], [10.0]]], np.float32)
    # h_s = 1.5: pixel 0 sees columns 0-1, pixel 1 all, pixel 2 columns 1-2.
    # h_r = 2: L = 10 is alone; 0 and 1 see each other.
    expected = np.array([[[0.5, 0.0, 0.5], [0.5, 0.0, 0.5], [2.0, 0.0, 10.0]]])
    got_reference, _ = reference_modes(lab, 1.5, 2.0, max_iter=1)
    got = seek_modes(lab, 1.5, 2.0, method="exact", max_iter=1)
    np.testing.assert_allclose(got_reference, expected, atol=1e-12)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_window_edges_are_inclusive():
    """|x_j - x| = h_s and ||r_j - r|| = h_r are inside the window (exact in float32)."""
    lab = np.array([[[0.0], [1.0], [3.0]]], np.float32)
    # h_s = 1, h_r = 1: pixel 0 sees pixel 1 at exactly distance 1 in both domains;
    # pixel 1 sees 0 but not 2 (ΔL = 2); pixel 2 is alone in range.
    expected = np.array([[[0.5, 0.0, 0.5], [0.5, 0.0, 0.5], [2.0, 0.0, 3.0]]])
    got_reference, _ = reference_modes(lab, 1.0, 1.0, max_iter=1)
    got = seek_modes(lab, 1.0, 1.0, method="exact", max_iter=1)
    np.testing.assert_allclose(got_reference, expected, atol=1e-12)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_hand_computed_gaussian_step():
    """One Gaussian step on a 1x2 grey line: weights exp(-2 d²) worked out by hand."""
    lab = np.array([[[0.0], [1.0]]], np.float32)
    # from pixel 0 with h_s = 2, h_r = 2: the neighbour has d² = (1/2)² + (1/2)² = 0.5
    w = np.exp(-2.0 * 0.5)
    x = w / (1 + w)
    expected_first = [x, 0.0, x]  # both coordinates move by the same fraction
    got_reference, _ = reference_modes(lab, 2.0, 2.0, kernel="gaussian", max_iter=1)
    got = seek_modes(lab, 2.0, 2.0, kernel="gaussian", method="exact", max_iter=1)
    np.testing.assert_allclose(got_reference[0, 0], expected_first, atol=1e-12)
    np.testing.assert_allclose(got[0, 0], expected_first, atol=1e-6)
    np.testing.assert_allclose(got[0, 1], [1 - x, 0.0, 1 - x], atol=1e-6)


@pytest.mark.parametrize("method", ["fast", "exact"])
@pytest.mark.parametrize("kernel", ["flat", "gaussian"])
def test_clean_patches_converge_to_their_colour(method, kernel):
    """On a noise-free piecewise-flat image every pixel's range mode is its patch colour."""
    truth = patches(24, 40)
    image = synthetic_image(truth, noise=0.0)
    lab = lab_lattice(image)
    points = seek_modes(lab, 5, 8, kernel=kernel, method=method)
    # the colour of each pixel is exactly its patch colour (patches are > 35 ΔE apart)
    np.testing.assert_allclose(points[..., 2:], lab, atol=1e-3)
    # and that colour is the truth colour, up to uint8 rounding and the Lab formulae
    np.testing.assert_allclose(points[..., 2:], TRUTH_LAB[truth], atol=0.5)


def test_grey_layout():
    lab = lab_lattice(np.tile(np.arange(0, 250, 10, dtype=np.uint8), (6, 1)), channel_axis=None)
    points = seek_modes(lab, 3, 4, method="exact")
    assert points.shape == (6, 25, 3)
    # x, y stay within the image; L stays within the image's range
    assert points[..., 0].min() >= 0 and points[..., 0].max() <= 24
    assert points[..., 1].min() >= 0 and points[..., 1].max() <= 5
    assert lab.min() <= points[..., 2].min() and points[..., 2].max() <= lab.max()


@pytest.mark.parametrize("factor", [2, 3])
def test_fast_path_seeds_follow_the_exact_path(factor):
    """The fast path's seeds (one pixel per factor x factor block, at its centre) run the
    exact iteration on the full-resolution image, so their modes are the exact path's;
    every other pixel takes the mode of the seed of the closest colour among the 3 x 3
    blocks around its own."""
    lab = tiny_lab((23, 31), noise=10, seed=0, grey=False)  # sizes not multiples of 2, 3
    h_s, h_r = 10.0, 8.0
    fast = seek_modes(lab, h_s, h_r, method="fast", factor=factor)
    exact = seek_modes(lab, h_s, h_r, method="exact")
    height, width = lab.shape[:2]
    rows = np.minimum(np.arange(-(-height // factor)) * factor + factor // 2, height - 1)
    cols = np.minimum(np.arange(-(-width // factor)) * factor + factor // 2, width - 1)
    np.testing.assert_allclose(fast[np.ix_(rows, cols)], exact[np.ix_(rows, cols)], atol=1e-3)
    # the assignment rule, pixel by pixel, in plain Python
    seed_modes = exact[np.ix_(rows, cols)]
    for row in range(height):
        for col in range(width):
            ci0 = min(rows.size - 1, row // factor)
            cj0 = min(cols.size - 1, col // factor)
            candidates = [(ci, cj) for ci in range(max(0, ci0 - 1), min(rows.size, ci0 + 2))
                          for cj in range(max(0, cj0 - 1), min(cols.size, cj0 + 2))]
            colour_gap = [np.sum((lab[row, col] - lab[rows[ci], cols[cj]]) ** 2)
                          for ci, cj in candidates]
            best = candidates[int(np.argmin(colour_gap))]
            np.testing.assert_allclose(fast[row, col], seed_modes[best], atol=1e-3,
                                       err_msg=f"pixel {(row, col)}")
    # the test image is not trivial: pixels really take different seeds' modes
    assert len(np.unique(np.round(fast[..., 2], 3))) > 5


@pytest.mark.parametrize("h_s, factor", [(2, 1), (7, 1), (8, 2), (10, 2), (13, 3)])
def test_coarse_factor(h_s, factor):
    assert coarse_factor(h_s) == factor


def test_fast_path_finds_the_colours_of_clean_blocks():
    rng = np.random.default_rng(3)
    lab = np.zeros((40, 60, 3), np.float32)
    lab[:, :30] = (30.0, 10.0, -10.0)
    lab[:, 30:] = (70.0, -20.0, 25.0)
    lab += rng.normal(0, 0.5, lab.shape).astype(np.float32)
    fast = seek_modes(lab, 10.0, 6.5, method="fast")
    exact = seek_modes(lab, 10.0, 6.5, method="exact")
    assert fast.shape == exact.shape == (40, 60, 5)
    # every pixel's mode is its block's colour on both paths
    np.testing.assert_allclose(fast[:, :30, 2:], np.broadcast_to([30, 10, -10], (40, 30, 3)),
                               atol=0.5)
    np.testing.assert_allclose(fast[:, 30:, 2:], np.broadcast_to([70, -20, 25], (40, 30, 3)),
                               atol=0.5)
    np.testing.assert_allclose(fast[..., 2:], exact[..., 2:], atol=0.5)


def test_a_window_wider_than_the_image_costs_no_more_memory_than_the_image():
    import tracemalloc

    lab = np.zeros((12, 16, 3), np.float32)
    lab[:, 8:, 0] = 60.0
    seek_modes(lab, 1e11, 8.0)  # compiled before measuring
    tracemalloc.start()
    points = seek_modes(lab, 1e11, 8.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000  # bytes; the window's column mask used to take 8 h_s bytes
    assert set(np.unique(points[..., 2])) == {0.0, 60.0}
