"""Tests of the hierarchical (UCM) scores: every threshold, ODS, OIS, AP, and the layouts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from segment.evaluate import evaluate_ucm, load_bsds_ground_truth, summarize_ucm
from segment.evaluate.hierarchy import ucm_thresholds
from segment.evaluate.ucm import read_ucm, ucm2_to_ucm, ucm_to_ucm2

BSDS = Path(__file__).resolve().parents[2] / "shared" / "bsds500"


def strips(height, width, *columns):
    """Label map (1-based) whose regions are separated before the given columns."""
    labels = np.ones((height, width), np.int64)
    for column in columns:
        labels[:, column:] += 1
    return labels


def bsds_ucm2(partitions, shape):
    """A ucm2 as the official code stores it, from (labels, level) pairs: an edge cell
    holds the largest level of a partition that separates its two pixels, a vertex
    the largest of its edges, a pixel cell 0."""
    height, width = shape
    ucm2 = np.zeros((2 * height + 1, 2 * width + 1))
    for labels, level in partitions:
        across = (labels[:, :-1] != labels[:, 1:]) * level  # between (i, j) and (i, j + 1)
        down = (labels[:-1] != labels[1:]) * level  # between (i, j) and (i + 1, j)
        ucm2[1::2, 2:-1:2] = np.maximum(ucm2[1::2, 2:-1:2], across)
        ucm2[2:-1:2, 1::2] = np.maximum(ucm2[2:-1:2, 1::2], down)
    pad = np.pad(ucm2, 1)
    ucm2[::2, ::2] = np.maximum.reduce([pad[0:-2:2, 1:-1:2], pad[2::2, 1:-1:2],
                                        pad[1:-1:2, 0:-2:2], pad[1:-1:2, 2::2]])
    return ucm2


def entropy(*fractions):
    return -sum(p * math.log2(p) for p in fractions)


# ------------------------------------------------------- hand-worked example
#
# 8 x 12 pixels; the tolerance, 0.0075 * hypot(8, 12) = 0.11 pixels, matches a
# machine boundary pixel only with a human one at the same place. The UCM has two
# levels: 0.4 on the pixel columns 1 and 3 (contours between columns 1|2 and
# 3|4), 0.6 on column 7 (7|8). Cut at 0.25, 0.5 and 0.75 it gives the regions
# {0-1, 2-3, 4-7, 8-11}, {0-7, 8-11} and one region.
# Human A: {0-3, 4-7, 8-11}, boundary columns 3 and 7 (16 pixels);
# human B: {0-7, 8-11}, boundary column 7 (8 pixels).

H, W = 8, 12
N = H * W


@pytest.fixture
def two_level():
    ucm = np.zeros((H, W))
    ucm[:, [1, 3]] = 0.4
    ucm[:, 7] = 0.6
    return ucm, [strips(H, W, 4, 8), strips(H, W, 8)]


def test_two_level_ucm_per_threshold(two_level):
    ucm, humans = two_level
    s = evaluate_ucm(ucm, humans, thresholds=3)
    assert s.thresholds.tolist() == [0.25, 0.5, 0.75]
    assert s.n_regions.tolist() == [4, 2, 1] and s.n_levels == 2 and s.n_humans == 2
    # boundaries. t = 0.25: columns 1, 3, 7 drawn (24), 3 and 7 correct (16); A finds
    # 16 of 16, B 8 of 8. t = 0.5: column 7 (8), all correct; A finds 8, B 8.
    assert s.cnt_p.tolist() == [16, 8, 0] and s.sum_p.tolist() == [24, 8, 0]
    assert s.cnt_r.tolist() == [24, 16, 0] and s.sum_r.tolist() == [24, 24, 24]
    # Rand index: disagreeing pairs = sum a^2 / 2 + sum b^2 / 2 - sum n^2 over the
    # 96 * 95 / 2 = 4560 pairs. Sizes are 8 pixels per column.
    # t = 0.25: machine 16,16,32,32; A: 256 pairs, B: 1280.
    # t = 0.5: machine 64,32; A: 2560 + 1536 - 3072 = 1024, B: 0.
    # t = 0.75: machine 96; A: 4608 + 1536 - 3072 = 3072, B: 4608 + 2560 - 5120 = 2048.
    pairs = N * (N - 1) / 2
    expected_pri = [1 - (256 + 1280) / (2 * pairs), 1 - 1024 / (2 * pairs),
                    1 - (3072 + 2048) / (2 * pairs)]
    assert s.pri.tolist() == pytest.approx(expected_pri)
    # VoI: at 0.25 the machine refines both humans (VoI = H(S) - H(G)); at 0.5 it
    # equals B and A refines it (VoI = H(A) - H(S)); at 0.75 VoI = H(G).
    h_fine = entropy(1 / 6, 1 / 6, 1 / 3, 1 / 3)
    h_a, h_b = math.log2(3), entropy(2 / 3, 1 / 3)
    expected_voi = [((h_fine - h_a) + (h_fine - h_b)) / 2, (h_a - h_b) / 2, (h_a + h_b) / 2]
    assert s.voi.tolist() == pytest.approx(expected_voi)
    # covering numerators, sum |R| * best IoU over the humans' regions:
    # t = 0.25: A 32 * 1/2 + 32 + 32 = 80, B 64 * 1/2 + 32 = 64.
    # t = 0.5: A 32 * 1/2 + 32 * 1/2 + 32 = 64, B 96.
    # t = 0.75: A 3 * 32 * 1/3 = 32, B 64 * 2/3 + 32 * 1/3 = 160/3.
    assert s.covering_num.tolist() == pytest.approx([144, 160, 32 + 160 / 3])
    assert s.covering_den == 2 * N
    # best IoU of each human region over the thresholds: A 1/2, 1, 1; B 1, 1
    assert s.best_covering_num == pytest.approx(32 / 2 + 32 + 32 + 64 + 32)


def test_two_level_ucm_ods_ois_ap(two_level):
    ucm, humans = two_level
    summary = summarize_ucm([evaluate_ucm(ucm, humans, thresholds=3)])
    f = summary["f"]
    # P-R points: (R, P) = (1, 2/3), (2/3, 1), (0, 0). Between the first two,
    # R = 1 - d/3 and P = 2/3 + d/3 with R + P = 5/3, so F = (6/5) R P peaks at
    # d = 1/2; the official maxF samples d = k/99, whose nearest are 1/2 -+ 1/198:
    # F = 5/6 - (2/15) (1/198)^2, at t = 0.25 + 0.25 d.
    e = 1 / 198
    assert f["ods"]["value"] == pytest.approx(5 / 6 - 2 * e * e / 15, abs=1e-12)
    assert f["ods"]["threshold"] == pytest.approx(0.375, abs=0.25 * e + 1e-12)
    assert f["ods"]["recall"] == pytest.approx(5 / 6, abs=e / 3 + 1e-12)
    # OIS: the image's first best threshold (F = 0.8 at 0.25 and 0.5) -> 0.25
    assert f["ois"] == {"value": pytest.approx(0.8), "precision": pytest.approx(2 / 3),
                        "recall": 1.0, "thresholds": [0.25]}
    # AP: over recall 0..2/3, P = 1.5 R; over 2/3..1, P = 5/3 - R; sampled at k/100
    area = 0.01 * (sum(1.5 * k / 100 for k in range(0, 67))
                   + sum(5 / 3 - k / 100 for k in range(67, 101)))
    assert f["ap"] == pytest.approx(area)
    assert area == pytest.approx(0.6144167, abs=1e-7)
    # regions: every measure is best at 0.5, for the data set and the image
    pairs = N * (N - 1) / 2
    assert summary["pri"]["ods"] == {"value": pytest.approx(1 - 1024 / (2 * pairs)),
                                     "threshold": 0.5}
    assert summary["pri"]["ois"]["value"] == pytest.approx(1 - 1024 / (2 * pairs))
    voi = (math.log2(3) - entropy(2 / 3, 1 / 3)) / 2
    assert summary["voi"]["ods"] == {"value": pytest.approx(voi), "threshold": 0.5}
    assert summary["covering"]["ods"] == {"value": pytest.approx(5 / 6), "threshold": 0.5}
    assert summary["covering"]["ois"]["value"] == pytest.approx(5 / 6)
    assert summary["covering"]["best"] == pytest.approx(176 / 192)
    assert (summary["n_images"], summary["n_thresholds"]) == (1, 3)


def test_ods_and_ois_differ_over_two_images(two_level):
    # Image 2: the same UCM, one human with the finest cut's regions (boundary
    # columns 1, 3, 7). Its F is 1 at 0.25 and 0.5 at 0.5 (8 of 24 found).
    ucm, humans = two_level
    first = evaluate_ucm(ucm, humans, thresholds=3)
    second = evaluate_ucm(ucm, [strips(H, W, 2, 4, 8)], thresholds=3)
    assert second.f.tolist() == [1.0, 0.5, 0.0]
    summary = summarize_ucm([first, second])
    pairs = N * (N - 1) / 2
    # PRI per threshold, mean over the images: 0.25 -> (1 - 1536/9120 + 1) / 2,
    # 0.5 -> (1 - 1024/9120 + 1 - 1280/4560) / 2: ODS at 0.25; OIS takes 0.5 for
    # image 1 and 0.25 for image 2.
    assert summary["pri"]["ods"] == {"value": pytest.approx(1 - 1536 / (4 * pairs)),
                                     "threshold": 0.25}
    assert summary["pri"]["ois"]["value"] == pytest.approx(1 - 1024 / (4 * pairs))
    assert summary["pri"]["ois"]["thresholds"] == [0.5, 0.25]
    # boundaries pooled: t = 0.25: P = 40/48, R = 48/48; t = 0.5: P = 16/16, R = 24/48.
    # OIS: both images at 0.25 -> P = 5/6, R = 1, F = 10/11.
    assert summary["f"]["ois"]["value"] == pytest.approx(10 / 11)
    # ODS: the official maxF along the first segment, R = 1 - d/2, P = 5/6 + d/6
    best = max(2 * (1 - d / 2) * (5 / 6 + d / 6) / ((1 - d / 2) + (5 / 6 + d / 6))
               for d in (k / 99 for k in range(100)))
    assert summary["f"]["ods"]["value"] == pytest.approx(best)
    assert summary["curve"]["precision"] == pytest.approx([5 / 6, 1.0, 0.0])


# ---------------------------------------------------------------- layouts

def test_doubled_and_pixel_layouts_score_alike():
    # a two-level hierarchy with a T-junction: the fine cut also splits the right
    # strip into top and bottom halves
    fine = strips(H, W, 2, 4, 8)
    fine[4:, 8:] = 5
    coarse = strips(H, W, 8)
    ucm2 = bsds_ucm2([(fine, 0.4), (coarse, 0.7)], (H, W))
    ucm = ucm2_to_ucm(ucm2)
    assert ucm.shape == (H, W)
    np.testing.assert_array_equal(ucm_to_ucm2(ucm)[1:, 1:], ucm2[1:, 1:])
    np.testing.assert_array_equal(ucm2_to_ucm(ucm_to_ucm2(ucm)), ucm)
    humans = [strips(H, W, 4, 8), fine]
    a = evaluate_ucm(ucm2, humans, thresholds=9).as_dict()
    b = evaluate_ucm(ucm, humans, thresholds=9).as_dict()
    assert a == b
    assert a["n_regions"][:3] == [5, 5, 5] and a["n_regions"][-1] == 1
    assert a["pri"][0] == pytest.approx(np.mean([evaluate_ucm(ucm, [h], thresholds=[0.2]).pri[0]
                                                 for h in humans]))


def test_uint16_levels_and_files(tmp_path):
    from PIL import Image
    from scipy.io import savemat

    ucm = np.zeros((H, W))
    ucm[:, 3] = 0.4
    stored = np.round(ucm * 65535).astype(np.uint16)
    Image.fromarray(stored).save(tmp_path / "a_ucm.png")
    np.testing.assert_allclose(read_ucm(tmp_path / "a_ucm.png"), ucm, atol=1e-5)
    savemat(tmp_path / "a.mat", {"ucm2": ucm_to_ucm2(ucm)})
    np.testing.assert_array_equal(read_ucm(tmp_path / "a.mat"), ucm_to_ucm2(ucm))
    human = [strips(H, W, 4)]
    assert (evaluate_ucm(stored, human).as_dict()
            == evaluate_ucm(read_ucm(tmp_path / "a.mat"), human).as_dict())
    savemat(tmp_path / "b.mat", {"ucm": ucm})
    with pytest.raises(ValueError, match=r"b\.mat has no 'ucm2' variable"):
        read_ucm(tmp_path / "b.mat")


def test_thresholds_between_the_same_levels_are_scored_once(monkeypatch):
    import segment.evaluate.hierarchy as hierarchy

    calls = {"regions": 0, "boundaries": 0}
    regions_at, boundaries_at = hierarchy._regions_at, hierarchy._boundaries_at

    def count(name, func):
        def wrapped(*args):
            calls[name] += 1
            return func(*args)
        return wrapped

    monkeypatch.setattr(hierarchy, "_regions_at", count("regions", regions_at))
    monkeypatch.setattr(hierarchy, "_boundaries_at", count("boundaries", boundaries_at))
    ucm = np.zeros((H, W))
    ucm[:, 3] = 0.405
    ucm[:, 7] = 0.705
    s = evaluate_ucm(ucm, [strips(H, W, 4, 8)])
    assert s.thresholds.size == 99 and calls == {"regions": 3, "boundaries": 3}
    assert s.n_regions[:40].tolist() == [3] * 40 and s.n_regions[40:70].tolist() == [2] * 30
    # a threshold equal to a level both merges at it and draws it, as the official code
    calls.update(regions=0, boundaries=0)
    s = evaluate_ucm(ucm, [strips(H, W, 4, 8)], thresholds=[0.2, 0.405, 0.5])
    assert s.n_regions.tolist() == [3, 2, 2] and s.sum_p.tolist() == [16, 16, 8]
    assert calls == {"regions": 2, "boundaries": 2}


def test_invalid_ucm_arguments():
    human = [strips(H, W, 4)]
    with pytest.raises(ValueError, match=r"ucm has shape \(5, 5\) but the ground truth has "
                                         r"shape \(8, 12\); expected \(8, 12\) or \(17, 25\)"):
        evaluate_ucm(np.zeros((5, 5)), human)
    with pytest.raises(ValueError, match=r"levels must lie in \[0, 1\]; got \[0, 255\]"):
        evaluate_ucm(np.where(strips(H, W, 4) > 1, 255.0, 0.0), human)
    with pytest.raises(TypeError, match="got dtype int64"):
        evaluate_ucm(np.zeros((H, W), np.int64), human)
    with pytest.raises(ValueError, match="strictly increasing"):
        ucm_thresholds([0.5, 0.2])
    with pytest.raises(ValueError, match="count >= 1"):
        ucm_thresholds(0)
    with pytest.raises(ValueError, match=r"ground_truth\[1\] has shape \(4, 4\) but "
                                         r"ground_truth\[0\] has shape \(8, 12\)"):
        evaluate_ucm(np.zeros((H, W)), [strips(H, W, 4), np.ones((4, 4), int)])
    with pytest.raises(ValueError, match="same thresholds"):
        summarize_ucm([evaluate_ucm(np.zeros((H, W)), human, thresholds=3),
                       evaluate_ucm(np.zeros((H, W)), human, thresholds=4)])
    with pytest.raises(ValueError, match="at least one UCMScores"):
        summarize_ucm([])


# ------------------------------------------------------------ real BSDS data

@pytest.fixture(scope="module")
def bsds_file():
    files = sorted((BSDS / "groundTruth" / "val").glob("*.mat")) if BSDS.is_dir() else []
    if not files:
        pytest.skip(f"BSDS500 not found at {BSDS}")
    return files[0]


def test_a_human_segmentation_as_a_ucm_scores_perfectly_against_itself(bsds_file):
    segmentations, boundaries = load_bsds_ground_truth(bsds_file)
    seg, bdry = segmentations[0].astype(np.int64), boundaries[0]
    ucm2 = bsds_ucm2([(seg, 0.5)], seg.shape)
    for ucm in (ucm2, ucm2_to_ucm(ucm2)):
        summary = summarize_ucm([evaluate_ucm(ucm, [seg], boundaries=[bdry])])
        assert summary["f"]["ods"]["value"] == pytest.approx(1.0)
        assert summary["f"]["ods"]["threshold"] < 0.5
        assert summary["pri"]["ods"]["value"] > 0.99
        assert summary["covering"]["ods"]["value"] > 0.99


# ---------------------------------------------------------------- folders, CLI

@pytest.fixture
def ucm_folders(tmp_path, two_level):
    """ucm/ with a (16-bit PNG), b (BSDS ucm2 .mat), c (empty file); gt/ with a, b, c, d."""
    from PIL import Image
    from scipy.io import savemat

    ucm, humans = two_level
    ucms, gt = tmp_path / "ucm", tmp_path / "gt"
    ucms.mkdir()
    gt.mkdir()
    Image.fromarray(np.round(ucm * 65535).astype(np.uint16)).save(ucms / "a_ucm.png")
    savemat(ucms / "b.mat", {"ucm2": ucm_to_ucm2(ucm)})
    (ucms / "c_ucm.png").write_bytes(b"")
    for image_id in "abcd":
        np.save(gt / f"{image_id}.npy", np.stack(humans))
    return ucms, gt


def test_evaluate_ucm_folders_pairs_scores_and_reports(ucm_folders, two_level):
    from segment.evaluate import evaluate_ucm_folders

    ucms, gt = ucm_folders
    result = evaluate_ucm_folders(ucms, gt, thresholds=3)
    assert [row[0] for row in result.rows] == ["a", "b"]
    assert result.missing == ["d"] and [f["id"] for f in result.failed] == ["c"]
    assert result.failed[0]["error"].startswith("empty file (0 bytes): ")
    assert result.failed[0]["error"].endswith("c_ucm.png")
    expected = summarize_ucm([evaluate_ucm(two_level[0], two_level[1], thresholds=3)] * 2)
    assert result.summary["f"]["ods"] == pytest.approx(expected["f"]["ods"])
    assert result.summary["f"]["ap"] == pytest.approx(expected["f"]["ap"])
    assert result.summary["covering"]["best"] == pytest.approx(176 / 192)
    assert result.problem_lines()[1] == (
        f"missing: d: no d_ucm.png, d_ucm.npy or d.mat in {ucms}")


def test_cli_ucm_prints_ods_ois_ap_and_writes_json(ucm_folders):
    import json

    from click.testing import CliRunner

    from segment.cli import cli

    ucms, gt = ucm_folders
    out = ucms.parent / "ucm.json"
    result = CliRunner().invoke(cli, ["evaluate", "--ucm", str(ucms), str(gt),
                                      "--thresholds", "3", "--json", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:6] == ["id", "levels", "F", "PRI", "VoI", "Cover"]
    assert [line.split()[0] for line in lines[1:3]] == ["a", "b"]
    table = {line.split()[0]: line.split()[1:] for line in lines[4:8]}
    assert table["measure"] == ["ODS", "OIS", "AP/Best", "ODS", "threshold"]
    assert table["F"][:3] == [f"{5 / 6 - 2 / (15 * 198 ** 2):.4f}", "0.8000", "0.6144"]
    assert table["Covering"][:3] == ["0.8333", "0.8333", "0.9167"]
    assert "1 missing, 1 failed of 4 images" in result.stderr
    record = json.loads(out.read_text())
    assert record["ucm"] is True and record["thresholds"] == 3
    assert [image["id"] for image in record["images"]] == ["a", "b"]
    assert record["images"][0]["n_regions"] == [4, 2, 1]
    assert record["summary"]["f"]["ap"] == pytest.approx(0.6144167, abs=1e-7)
    assert record["missing"] == ["d"] and record["failed"][0]["id"] == "c"
