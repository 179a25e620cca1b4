"""Corrupt or degenerate inputs: each reader and measure raises one clear ValueError,
and `segment evaluate` reports one bad file as one failure line while every other
image is still scored and written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.io import savemat

from segment.cli import cli
from segment.evaluate import evaluate_folders, evaluate_segmentation, load_ground_truth
from segment.io import write_labels


def split(height=6, width=8):
    labels = np.ones((height, width), np.uint16)
    labels[:, width // 2:] = 2
    return labels


def write_mat(path, segmentation):
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = {"Segmentation": segmentation,
                  "Boundaries": np.zeros(segmentation.shape, np.uint8)}
    savemat(path, {"groundTruth": cell})


def corrupt_ground_truth(gt):
    """Every kind of unreadable ground-truth file, by the id it is stored under."""
    write_mat(gt / "good.mat", split())
    whole = (gt / "good.mat").read_bytes()
    (gt / "zero.mat").write_bytes(b"")
    (gt / "truncated.mat").write_bytes(whole[: len(whole) // 2])
    savemat(gt / "nofield.mat", {"something": np.zeros(3)})
    (gt / "text.png").write_text("not an image")
    (gt / "zero.npy").write_bytes(b"")
    write_mat(gt / "empty.mat", np.zeros((0, 0), np.uint16))
    return {"zero", "truncated", "nofield", "text", "zero", "empty"}


@pytest.mark.parametrize("name", ["zero.mat", "truncated.mat", "nofield.mat", "text.png",
                                  "zero.npy", "truncated.npy"])
def test_unreadable_ground_truth_is_a_value_error_naming_the_file(tmp_path, name):
    write_mat(tmp_path / "good.mat", split())
    np.save(tmp_path / "good.npy", split())
    sources = {"zero.mat": b"", "zero.npy": b"", "text.png": b"not an image",
               "truncated.mat": (tmp_path / "good.mat").read_bytes()[:200],
               "truncated.npy": (tmp_path / "good.npy").read_bytes()[:100]}
    if name == "nofield.mat":
        savemat(tmp_path / name, {"something": np.zeros(3)})
    else:
        (tmp_path / name).write_bytes(sources[name])
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        load_ground_truth(tmp_path / name)


def test_a_label_map_without_pixels_is_a_value_error():
    with pytest.raises(ValueError, match=r"labels must have at least one pixel; got shape \(0, 0\)"):
        evaluate_segmentation(np.zeros((0, 0), int), [np.zeros((0, 0), int)])
    with pytest.raises(ValueError, match=r"labels must have at least one pixel; got shape \(0, 5\)"):
        evaluate_segmentation(np.zeros((0, 5), int), [np.zeros((0, 5), int)])


def test_a_mat_file_without_humans_says_so(tmp_path):
    savemat(tmp_path / "none.mat", {"groundTruth": np.empty((1, 0), dtype=object)})
    with pytest.raises(ValueError, match=r"none\.mat holds no human segmentation"):
        load_ground_truth(tmp_path / "none.mat")


@pytest.fixture
def bad_folders(tmp_path):
    """gt/ and pred/ where only `good` and `good2` can be scored."""
    pred, gt = tmp_path / "pred", tmp_path / "gt"
    pred.mkdir()
    gt.mkdir()
    corrupt_ground_truth(gt)
    write_mat(gt / "good2.mat", split())
    for name in ("zeromap", "shape", "zerolabels", "textlabels"):
        write_mat(gt / f"{name}.mat", split())
    for image_id in ("good", "good2", "zero", "truncated", "nofield", "text", "empty"):
        write_labels(pred / f"{image_id}_labels.png", split() - 1)
    np.save(pred / "empty.npy", np.zeros((0, 0), np.int64))  # not looked at: _labels.png first
    (pred / "empty_labels.png").unlink()
    np.save(pred / "empty_labels.npy", np.zeros((0, 0), np.int64))
    np.save(pred / "zeromap_labels.npy", np.zeros((0, 0), np.int64))
    np.save(pred / "shape_labels.npy", np.zeros((3, 3), np.int64))
    (pred / "zerolabels_labels.npy").write_bytes(b"")
    (pred / "textlabels_labels.png").write_text("not an image")
    return pred, gt


def test_cli_scores_the_good_images_and_reports_each_bad_one_on_one_line(bad_folders):
    pred, gt = bad_folders
    out = pred.parent / "scores.json"
    result = CliRunner().invoke(cli, ["evaluate", str(pred), str(gt), "--json", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit)
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    failed_ids = [line.split(":")[1].strip() for line in failures]
    bad = ["empty", "nofield", "shape", "text", "textlabels", "truncated", "zero", "zerolabels",
           "zeromap"]
    assert sorted(failed_ids) == bad
    assert len(result.stderr.strip().splitlines()) == len(bad) + 1  # + the count line
    assert "0 missing, 9 failed of 11 images" in result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:3]]
    assert rows == ["good", "good2"]
    record = json.loads(out.read_text())
    assert [image["id"] for image in record["images"]] == ["good", "good2"]
    assert sorted(f["id"] for f in record["failed"]) == bad
    assert all("\n" not in f["error"] and f["error"] for f in record["failed"])


def test_evaluate_folders_collects_the_same_failures(bad_folders):
    pred, gt = bad_folders
    result = evaluate_folders(pred, gt)
    assert [row[0] for row in result.rows] == ["good", "good2"]
    assert result.missing == [] and len(result.failed) == 9 and result.n_images == 11
    messages = {f["id"]: f["error"] for f in result.failed}
    assert messages["zero"].endswith("zero.mat is not a readable MATLAB .mat file: "
                                     "Mat file appears to be truncated")
    assert messages["zeromap"] == "labels must have at least one pixel; got shape (0, 0)"
    assert messages["zerolabels"].endswith("zerolabels_labels.npy is not a readable .npy file: "
                                           "No data left in file")
    assert messages["textlabels"].startswith("cannot decode ")
    assert "textlabels_labels.png: cannot identify image file" in messages["textlabels"]


def test_an_unexpected_error_is_one_failure_with_its_type(tmp_path, monkeypatch):
    import segment.evaluate.folders as folders

    pred, gt = tmp_path / "pred", tmp_path / "gt"
    pred.mkdir()
    gt.mkdir()
    for image_id in ("a", "b"):
        write_mat(gt / f"{image_id}.mat", split())
        write_labels(pred / f"{image_id}_labels.png", split() - 1)
    real = folders.evaluate_segmentation
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IndexError("index 1 is out of bounds")
        return real(*args, **kwargs)

    monkeypatch.setattr(folders, "evaluate_segmentation", flaky)
    result = evaluate_folders(pred, gt)
    assert result.failed == [{"id": "a", "error": "IndexError: index 1 is out of bounds"}]
    assert [row[0] for row in result.rows] == ["b"]
