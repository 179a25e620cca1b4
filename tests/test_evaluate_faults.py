"""The readers and the measures on corrupt or degenerate inputs: each is one clear
ValueError naming the file or the argument."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.io import savemat

from segment.evaluate import evaluate_segmentation, load_ground_truth


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
