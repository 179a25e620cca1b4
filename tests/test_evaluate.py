"""Tests of the BSDS500 benchmark measures (segment.evaluate) and `segment evaluate`."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from segment.evaluate import (
    DEFAULT_MAX_DIST,
    ImageScores,
    evaluate_segmentation,
    load_bsds_ground_truth,
    load_ground_truth,
    summarize,
    summarize_sweep,
)
from segment.evaluate.boundaries import _hopcroft_karp, _seg2bdry, _thin

BSDS = Path(__file__).resolve().parents[2] / "shared" / "bsds500"


def vertical_split(height, width, *columns):
    """Label map whose regions are separated at the given columns (0, 1, 2, ...)."""
    labels = np.zeros((height, width), np.int64)
    for column in columns:
        labels[:, column:] += 1
    return labels


def write_bsds_mat(path, segmentations, boundaries):
    """Write a .mat file in the BSDS500 layout: a 1 x n cell array of structs."""
    cell = np.empty((1, len(segmentations)), dtype=object)
    for k, (seg, bdry) in enumerate(zip(segmentations, boundaries)):
        cell[0, k] = {"Segmentation": np.asarray(seg, np.uint16),
                      "Boundaries": np.asarray(bdry, np.uint8)}
    savemat(path, {"groundTruth": cell})


# ----------------------------------------------------------------- slow references

def rand_index_pairwise(a, b):
    """Fraction of pixel pairs on which a and b agree, looping over every pair."""
    a, b = a.ravel().tolist(), b.ravel().tolist()
    agree = total = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        agree += (a[i] == a[j]) == (b[i] == b[j])
        total += 1
    return agree / total


def voi_reference(a, b):
    """H(A) + H(B) - 2 I(A; B) in bits, from explicit probabilities."""
    a, b = a.ravel().tolist(), b.ravel().tolist()
    n = len(a)
    pa = {x: a.count(x) / n for x in set(a)}
    pb = {y: b.count(y) / n for y in set(b)}
    pab = {}
    for x, y in zip(a, b):
        pab[x, y] = pab.get((x, y), 0) + 1 / n
    h_a = -sum(p * math.log2(p) for p in pa.values())
    h_b = -sum(p * math.log2(p) for p in pb.values())
    mi = sum(p * math.log2(p / (pa[x] * pb[y])) for (x, y), p in pab.items())
    return h_a + h_b - 2 * mi


def covering_reference(machine, human):
    """Covering of `human` by `machine` with a loop over every pair of regions."""
    total = 0.0
    for r in np.unique(human):
        region = human == r
        best = max(
            (region & (machine == s)).sum() / (region | (machine == s)).sum()
            for s in np.unique(machine)
        )
        total += region.sum() * best
    return total / human.size


# ---------------------------------------------------------------------- regions

def test_identical_segmentations_score_perfectly():
    labels = np.zeros((40, 50), np.int64)
    labels[20:, :] = 1
    labels[:, 25:] += 2
    relabelled = np.choose(labels, [7, 3, 1000, 0])  # same regions, other names
    scores = evaluate_segmentation(relabelled, [labels, labels])
    assert scores.pri == 1.0
    assert scores.voi == pytest.approx(0.0, abs=1e-12)
    assert scores.covering == 1.0
    assert (scores.precision, scores.recall, scores.f) == (1.0, 1.0, 1.0)
    assert scores.n_regions == 4 and scores.n_humans == 2


def test_hand_worked_1x4_example():
    machine = np.array([[0, 0, 0, 1]])
    human = np.array([[1, 1, 2, 2]])
    scores = evaluate_segmentation(machine, [human])
    # 6 pixel pairs. (p0,p1) together in both, (p0,p3) and (p1,p3) apart in both:
    # 3 agree; (p0,p2), (p1,p2) together only in the machine, (p2,p3) only in the
    # human: 3 disagree. RI = 3/6.
    assert scores.pri == pytest.approx(0.5)
    # H(S) = -(3/4 log2 3/4 + 1/4 log2 1/4) = 0.811278, H(G) = 1,
    # H(S, G) over cells {2/4, 1/4, 1/4} = 1.5; VoI = 2 H(S,G) - H(S) - H(G).
    assert scores.voi == pytest.approx(2 * 1.5 - 0.8112781244591328 - 1.0)
    # Human region {p0,p1}: best IoU 2/3 (machine {p0,p1,p2}); {p2,p3}: best 1/2
    # (machine {p3}: 1 shared of 2). Covering = (2 * 2/3 + 2 * 1/2) / 4 = 7/12.
    assert scores.covering == pytest.approx(7 / 12)
    assert (scores.covering_num, scores.covering_den) == (pytest.approx(7 / 3), 4)


def test_one_region_against_two_halves():
    # 1x4, machine one region, human two halves: RI = 2/6 (only the two within-half
    # pairs agree), VoI = H(G) = 1 bit, each half covered at IoU 2/4: covering 1/2.
    scores = evaluate_segmentation(np.zeros((1, 4), int), [np.array([[1, 1, 2, 2]])])
    assert scores.pri == pytest.approx(1 / 3)
    assert scores.voi == pytest.approx(1.0)
    assert scores.covering == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_region_measures_agree_with_slow_references(seed):
    rng = np.random.default_rng(seed)
    machine = rng.integers(0, 4, size=(6, 7))
    humans = [rng.integers(1, 1 + k, size=(6, 7)) for k in (2, 3, 5)]
    scores = evaluate_segmentation(machine, humans)
    assert scores.pri == pytest.approx(np.mean([rand_index_pairwise(machine, h) for h in humans]))
    assert scores.voi == pytest.approx(np.mean([voi_reference(machine, h) for h in humans]))
    assert scores.covering == pytest.approx(
        np.mean([covering_reference(machine, h) for h in humans])
    )


def test_huge_and_permuted_labels_give_the_same_scores():
    rng = np.random.default_rng(3)
    machine = rng.integers(0, 5, size=(30, 40))
    human = rng.integers(0, 4, size=(30, 40))
    base = evaluate_segmentation(machine, [human])
    # labels far beyond the pixel count take the np.unique path
    other = evaluate_segmentation(machine * 10**9 + 17, [np.array([9, 2, 5, 0])[human]])
    assert other.as_dict() == pytest.approx(base.as_dict(), rel=1e-12)


# ------------------------------------------------------------------- boundaries

@pytest.mark.parametrize("shift, expected_f", [(1, 1.0), (2, 1.0), (3, 0.0), (10, 0.0)])
def test_boundary_tolerance(shift, expected_f):
    # 200x200: the tolerance is 0.0075 * 282.8 = 2.12 pixels
    machine = vertical_split(200, 200, 100)
    human = vertical_split(200, 200, 100 + shift)
    scores = evaluate_segmentation(machine, [human])
    assert scores.f == expected_f
    assert scores.sum_p == scores.sum_r == 200


def test_max_dist_widens_the_tolerance():
    machine, human = vertical_split(200, 200, 100), vertical_split(200, 200, 110)
    assert evaluate_segmentation(machine, [human], max_dist=0.05).f == 1.0  # 14 pixels


def test_matching_is_one_to_one():
    # A one-pixel stripe gives the machine two boundary columns (99 and 100) near
    # the human's one (99): each human pixel matches one machine pixel, so half
    # of the machine pixels stay unmatched.
    machine = vertical_split(200, 200, 100, 101)
    human = vertical_split(200, 200, 100)
    scores = evaluate_segmentation(machine, [human], boundary_rule="thin")
    assert (scores.cnt_p, scores.sum_p, scores.cnt_r, scores.sum_r) == (200, 400, 200, 200)
    assert scores.precision == 0.5 and scores.recall == 1.0
    assert scores.f == pytest.approx(2 / 3)


def test_precision_ors_over_humans_and_recall_pools_them():
    height, width = 120, 200  # tolerance 1.75 pixels
    machine = vertical_split(height, width, 50, 150)
    human_a = vertical_split(height, width, 50)
    human_b = vertical_split(height, width, 150)
    human_c = vertical_split(height, width, 100, 120)  # 240 pixels, none near the machine's
    scores = evaluate_segmentation(machine, [human_a, human_b, human_c])
    # every machine pixel is matched by A or by B
    assert scores.precision == 1.0
    # pooled: (120 + 120 + 0) / (120 + 120 + 240) = 1/2, not the mean recall 2/3
    assert (scores.cnt_r, scores.sum_r) == (240, 480)
    assert scores.recall == 0.5
    only_a = evaluate_segmentation(machine, [human_a])
    assert only_a.precision == 0.5 and only_a.recall == 1.0


def test_given_boundaries_replace_the_human_maps_boundaries():
    machine = vertical_split(200, 200, 100)
    human = vertical_split(200, 200, 100)
    far = np.zeros((200, 200), bool)
    far[:, 150] = True
    scores = evaluate_segmentation(machine, [human], boundaries=[far])
    assert (scores.cnt_p, scores.cnt_r, scores.sum_r) == (0, 0, 200)
    assert scores.pri == 1.0  # the region measures still use the label map


def test_empty_boundaries_give_zero_not_an_error():
    one_region = np.zeros((50, 50), int)
    split = vertical_split(50, 50, 25)
    no_machine = evaluate_segmentation(one_region, [split])
    assert (no_machine.sum_p, no_machine.precision, no_machine.recall, no_machine.f) == (0, 0, 0, 0)
    no_human = evaluate_segmentation(split, [one_region])
    assert (no_human.sum_r, no_human.precision, no_human.recall, no_human.f) == (0, 0, 0, 0)
    # 0/0 is 0, as the official computeRPF: even agreeing on "no boundary" gives F 0
    both = evaluate_segmentation(one_region, [one_region])
    assert (both.f, both.pri, both.covering) == (0.0, 1.0, 1.0)


@pytest.mark.parametrize("seed", range(4))
def test_matching_kernel_is_maximum(seed):
    from scipy.sparse import random_array
    from scipy.sparse.csgraph import maximum_bipartite_matching

    rng = np.random.default_rng(seed)
    n_left, n_right = rng.integers(20, 60, size=2)
    graph = random_array((n_left, n_right), density=0.06, rng=rng, format="csr")
    graph.sort_indices()
    match = _hopcroft_karp(graph.indptr.astype(np.int64),
                           graph.indices.astype(np.int32), n_right)
    matched = np.flatnonzero(match >= 0)
    assert all(graph[v, match[v]] != 0 for v in matched)  # only existing edges
    assert np.unique(match[matched]).size == matched.size  # one-to-one
    reference = maximum_bipartite_matching(graph, perm_type="column")
    assert matched.size == np.count_nonzero(reference >= 0)  # as large as scipy's


@pytest.mark.parametrize("seed", range(3))
def test_boundary_counts_agree_with_a_dense_reference(seed):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    from segment.render import find_boundaries

    rng = np.random.default_rng(seed)
    machine = np.repeat(np.repeat(rng.integers(0, 3, size=(8, 10)), 5, 0), 5, 1)
    humans = [np.repeat(np.repeat(rng.integers(0, 2, size=(4, 5)), 10, 0), 10, 1)
              for _ in range(2)]
    max_dist = 0.05  # 0.05 * hypot(40, 50) = 3.2 pixels
    scores = evaluate_segmentation(machine, humans, max_dist=max_dist, boundary_rule="thin")
    ym, xm = np.nonzero(find_boundaries(machine))
    cnt_r = sum_r = 0
    for human in humans:
        yh, xh = np.nonzero(find_boundaries(human))
        # every pair within the tolerance, from the full distance matrix
        distance = np.hypot(ym[:, None] - yh[None, :], xm[:, None] - xh[None, :])
        near = distance <= max_dist * math.hypot(40, 50)
        matched = maximum_bipartite_matching(csr_matrix(near.astype(np.int8)), perm_type="column")
        cnt_r += np.count_nonzero(matched >= 0)
        sum_r += yh.size
    assert (scores.cnt_r, scores.sum_r, scores.sum_p) == (cnt_r, sum_r, ym.size)


@pytest.mark.parametrize("seed", range(3))
def test_compiled_thinning_equals_scikit_images(seed):
    from skimage.morphology import thin

    rng = np.random.default_rng(seed)
    for _ in range(40):
        shape = tuple(rng.integers(1, 30, size=2))
        mask = rng.random(shape) < rng.random()
        np.testing.assert_array_equal(_thin(mask), thin(mask))
    blobs = np.repeat(np.repeat(rng.integers(0, 4, size=(8, 10)), 6, 0), 6, 1)
    np.testing.assert_array_equal(_thin(_seg2bdry(blobs)), thin(_seg2bdry(blobs)))


def test_seg2bdry_marks_the_corner_grid():
    # the official seg2bdry: a pixel is boundary where an edge of the doubled grid
    # touches its lower-right corner (and the last row/column copy their neighbours)
    labels = vertical_split(3, 4, 2)
    assert _seg2bdry(labels).astype(int).tolist() == [[0, 1, 0, 0]] * 3


# ------------------------------------------------------------------ data sets

def make_scores(pri, voi, cover, counts, regions=5, humans=2, pixels=10):
    return ImageScores(pri=pri, voi=voi, covering_num=cover * humans * pixels,
                       covering_den=humans * pixels, cnt_r=counts[0], sum_r=counts[1],
                       cnt_p=counts[2], sum_p=counts[3], n_regions=regions, n_humans=humans)


def test_summarize_pools_covering_and_boundary_counts():
    a = make_scores(0.9, 1.0, 0.8, (8, 10, 9, 10), pixels=10)
    b = make_scores(0.5, 3.0, 0.2, (0, 30, 0, 10), pixels=30)
    s = summarize([a, b])
    assert s["pri"] == pytest.approx(0.7) and s["voi"] == pytest.approx(2.0)
    # pooled: (0.8*20 + 0.2*60) / 80 = 0.35, not the mean 0.5
    assert s["covering"] == pytest.approx(0.35)
    # summed counts: R = 8/40, P = 9/20
    assert s["recall"] == pytest.approx(0.2) and s["precision"] == pytest.approx(0.45)
    assert s["f"] == pytest.approx(2 * 0.2 * 0.45 / 0.65)
    assert s["n_images"] == 2


def test_summarize_sweep_ods_and_ois():
    # Two images, two settings. Setting "a" is best for image 1, "b" for image 2.
    i1a = make_scores(0.9, 1.0, 0.8, (9, 10, 9, 10))
    i1b = make_scores(0.6, 2.0, 0.5, (5, 10, 5, 10))
    i2a = make_scores(0.5, 3.0, 0.2, (1, 10, 1, 10))
    i2b = make_scores(0.7, 2.5, 0.6, (6, 10, 6, 10))
    sweep = summarize_sweep({"a": [i1a, i2a], "b": [i1b, i2b]})
    ods, ois = sweep["ods"], sweep["ois"]
    # ODS: means over images per setting. PRI a 0.70, b 0.65; VoI a 2.0, b 2.25;
    # covering a 0.5, b 0.55; F a 10/20 = 0.5, b 11/20 = 0.55.
    assert ods["pri"] == {"value": pytest.approx(0.7), "setting": "a"}
    assert ods["voi"] == {"value": pytest.approx(2.0), "setting": "a"}
    assert ods["covering"] == {"value": pytest.approx(0.55), "setting": "b"}
    assert ods["f"]["setting"] == "b" and ods["f"]["value"] == pytest.approx(0.55)
    # OIS: image 1 takes a, image 2 takes b, for every measure.
    assert ois["pri"]["value"] == pytest.approx((0.9 + 0.7) / 2)
    assert ois["voi"]["value"] == pytest.approx((1.0 + 2.5) / 2)
    assert ois["covering"]["value"] == pytest.approx((0.8 + 0.6) / 2)
    assert ois["f"]["value"] == pytest.approx(15 / 20)  # counts (9+6)/(10+10)
    assert ois["f"]["settings"] == ["a", "b"] == ois["pri"]["settings"]
    assert (sweep["n_images"], sweep["n_settings"]) == (2, 2)


def test_ois_boundary_sums_the_counts_of_each_images_best_f():
    # image 2's best F is setting "b" although "a" has more matched pixels
    i1 = make_scores(1, 0, 1, (5, 10, 5, 10))
    i2a = make_scores(1, 0, 1, (40, 100, 40, 400))  # F = 2*.4*.1/.5 = 0.16
    i2b = make_scores(1, 0, 1, (10, 100, 10, 20))   # F = 2*.1*.5/.6 = 0.167
    ois = summarize_sweep({"a": [i1, i2a], "b": [i1, i2b]})["ois"]["f"]
    assert ois["settings"] == ["a", "b"]  # ties go to the first setting
    assert ois["recall"] == pytest.approx(15 / 110)
    assert ois["precision"] == pytest.approx(15 / 30)


# ------------------------------------------------------------------- validation

def test_shape_mismatch_names_both_shapes():
    message = r"ground_truth\[1\] has shape \(4, 5\) but labels has shape \(4, 6\)"
    with pytest.raises(ValueError, match=message):
        evaluate_segmentation(np.zeros((4, 6), int), [np.zeros((4, 6), int), np.zeros((4, 5), int)])
    with pytest.raises(ValueError, match=r"boundaries\[0\] has shape \(3, 3\)"):
        evaluate_segmentation(np.zeros((4, 6), int), [np.zeros((4, 6), int)],
                              boundaries=[np.zeros((3, 3), bool)])


@pytest.mark.parametrize("max_dist", [0, 1, -0.1, 1.5])
def test_max_dist_must_be_a_fraction(max_dist):
    with pytest.raises(ValueError, match=r"max_dist .* must be in \(0, 1\)"):
        evaluate_segmentation(np.zeros((4, 4), int), [np.zeros((4, 4), int)], max_dist=max_dist)


def test_other_invalid_arguments():
    labels = np.zeros((4, 4), int)
    with pytest.raises(ValueError, match="at least one human"):
        evaluate_segmentation(labels, [])
    with pytest.raises(ValueError, match=r"one mask per human segmentation \(2\); got 1"):
        evaluate_segmentation(labels, [labels, labels], boundaries=[labels])
    with pytest.raises(ValueError, match="boundary_rule must be one of"):
        evaluate_segmentation(labels, [labels], boundary_rule="thick")
    with pytest.raises(TypeError, match="labels must hold integer labels; got dtype float64"):
        evaluate_segmentation(labels.astype(float), [labels])
    with pytest.raises(ValueError, match=r"labels must be a 2-D .* got shape \(4, 4, 3\)"):
        evaluate_segmentation(np.zeros((4, 4, 3), int), [labels])
    with pytest.raises(ValueError, match="at least one ImageScores"):
        summarize([])
    with pytest.raises(ValueError, match="setting 'b' has 1 scores but 'a' has 2"):
        s = make_scores(1, 0, 1, (1, 1, 1, 1))
        summarize_sweep({"a": [s, s], "b": [s]})


# ------------------------------------------------------------------------ files

def test_bsds_mat_round_trips(tmp_path):
    segs = [vertical_split(5, 6, 3) + 1, np.ones((5, 6), np.int64)]
    bdrys = [_seg2bdry(segs[0]), np.zeros((5, 6), bool)]
    path = tmp_path / "1.mat"
    write_bsds_mat(path, segs, bdrys)
    got_segs, got_bdrys = load_bsds_ground_truth(path)
    assert len(got_segs) == 2 and got_segs[0].dtype == np.uint16
    for want, got in zip(segs + bdrys, got_segs + got_bdrys):
        np.testing.assert_array_equal(got, want)
    assert got_bdrys[0].dtype == bool
    assert load_ground_truth(path)[0][1].tolist() == segs[1].tolist()
    savemat(tmp_path / "bad.mat", {"other": np.zeros(3)})
    with pytest.raises(ValueError, match="is not a BSDS ground-truth file"):
        load_bsds_ground_truth(tmp_path / "bad.mat")


def test_load_ground_truth_png_and_npy(tmp_path):
    from segment.io import write_labels

    labels = vertical_split(4, 5, 2)
    png = write_labels(tmp_path / "a.png", labels)
    segs, bdrys = load_ground_truth(png)
    assert bdrys is None and segs[0].tolist() == labels.tolist()
    np.save(tmp_path / "b.npy", np.stack([labels, labels + 1]))
    segs, bdrys = load_ground_truth(tmp_path / "b.npy")
    assert len(segs) == 2 and bdrys is None and segs[1].tolist() == (labels + 1).tolist()


# -------------------------------------------------------------------------- CLI

@pytest.fixture
def folders(tmp_path):
    """pred/ and gt/ for three images: a (.mat, 2 humans), b (.png), c (.npy, no prediction)."""
    from segment.io import write_labels

    pred, gt = tmp_path / "pred", tmp_path / "gt"
    pred.mkdir()
    gt.mkdir()
    a1, a2 = vertical_split(30, 40, 20) + 1, vertical_split(30, 40, 10) + 1
    write_bsds_mat(gt / "a.mat", [a1, a2], [_seg2bdry(a1), _seg2bdry(a2)])
    b = vertical_split(30, 40, 5, 30)
    write_labels(gt / "b.png", b)
    np.save(gt / "c.npy", b)
    (gt / "notes.txt").write_text("not ground truth")
    write_labels(pred / "a_labels.png", a1 - 1)
    np.save(pred / "b.npy", b)  # found after the missing b_labels.* and b.png
    return pred, gt


def test_cli_scores_reports_missing_and_writes_json(folders):
    from click.testing import CliRunner

    from segment.cli import cli

    pred, gt = folders
    out = pred.parent / "scores.json"
    result = CliRunner().invoke(cli, ["evaluate", str(pred), str(gt), "--json", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "regions", "PRI", "VoI", "Cover", "F"]
    assert lines[1].split()[:2] == ["a", "2"]
    assert lines[2].split() == ["b", "3", "1.0000", "0.0000", "1.0000", "1.0000"]
    assert lines[3].startswith("ALL (2)")
    assert "missing: c: no c_labels.png" in result.stderr
    assert "Traceback" not in result.output
    record = json.loads(out.read_text())
    assert [image["id"] for image in record["images"]] == ["a", "b"]
    assert record["missing"] == ["c"] and record["failed"] == []
    assert record["images"][0]["n_humans"] == 2
    assert record["images"][1]["prediction"].endswith("b.npy")
    expected = summarize([
        evaluate_segmentation(vertical_split(30, 40, 20),
                              *load_bsds_ground_truth(gt / "a.mat")[:1],
                              boundaries=load_bsds_ground_truth(gt / "a.mat")[1]),
        evaluate_segmentation(vertical_split(30, 40, 5, 30), [vertical_split(30, 40, 5, 30)]),
    ])
    assert record["summary"] == pytest.approx(expected)


def test_cli_all_found_exits_zero_and_bad_prediction_fails_cleanly(folders):
    from click.testing import CliRunner

    from segment.cli import cli

    pred, gt = folders
    (gt / "c.npy").unlink()
    runner = CliRunner()
    assert runner.invoke(cli, ["evaluate", str(pred), str(gt)]).exit_code == 0
    np.save(pred / "b.npy", np.zeros((7, 7), int))  # wrong shape
    result = runner.invoke(cli, ["evaluate", str(pred), str(gt)])
    assert result.exit_code == 1
    assert ("failed: b: ground_truth[0] has shape (30, 40) but labels has shape (7, 7)"
            in result.stderr)
    assert "Traceback" not in result.output


def test_cli_without_ground_truth_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from segment.cli import cli

    result = CliRunner().invoke(cli, ["evaluate", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"segment: error: no ground truth files (*.mat, *.png, *.npy) in {tmp_path}"
    ]


# --------------------------------------------------------------- real BSDS data

@pytest.fixture(scope="module")
def bsds_file():
    files = sorted((BSDS / "groundTruth" / "val").glob("*.mat")) if BSDS.is_dir() else []
    if not files:
        pytest.skip(f"BSDS500 not found at {BSDS}")
    return files[0]


def test_bsds_humans_score_perfectly_against_themselves(bsds_file):
    segmentations, boundaries = load_bsds_ground_truth(bsds_file)
    assert 5 <= len(segmentations) <= 9
    for seg, bdry in zip(segmentations, boundaries):
        scores = evaluate_segmentation(seg, [seg])
        assert (scores.pri, scores.covering, scores.f) == (1.0, 1.0, 1.0)
        assert scores.voi == pytest.approx(0.0, abs=1e-9)
        # the 'bsds' rule reproduces the Boundaries field exactly
        official = evaluate_segmentation(seg, [seg], boundaries=[bdry], boundary_rule="bsds")
        assert (official.cnt_p, official.sum_p) == (bdry.sum(), bdry.sum())
        assert official.f == 1.0


def test_bsds_humans_against_each_other_are_plausible(bsds_file):
    segmentations, boundaries = load_bsds_ground_truth(bsds_file)
    scores = evaluate_segmentation(segmentations[0], segmentations[1:], boundaries=boundaries[1:])
    # humans agree well but not perfectly (BSDS500 human F is about 0.8)
    assert 0.6 < scores.f < 1.0 and 0.6 < scores.pri < 1.0 and 0 < scores.voi
