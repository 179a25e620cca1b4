"""``segment batch``: folders of images, safely, in parallel, on Dask, resumably.

Images are small synthetic pictures (flat colour blocks) written at run time. The
tests that start worker processes or a Dask cluster use a few images each, so
that the whole file runs in well under a minute. Faults (signals, killed runs, a
full disk, ...) are tested in test_faults_batch.py.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from segment.batch import (
    MANIFEST_NAME,
    BatchInterrupted,
    BatchTask,
    find_images,
    outputs_complete,
    plan_batch,
    process_image,
    run_batch,
)
from segment.batch.executors import run_processes
from segment.batch.one_image import new_record
from segment.cli import cli

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def no_scheduler_from_environment(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


def blocks(height=40, width=60, shift=0):
    """uint8 RGB of three vertical colour bands, the top half darker; `shift` varies it."""
    image = np.zeros((height, width, 3), np.uint8)
    cut1, cut2 = width // 3 + shift % 7, 2 * width // 3 - shift % 5
    image[:, :cut1] = (200, 40, 30)
    image[:, cut1:cut2] = (40, 190, 60)
    image[:, cut2:] = (30, 60, 210)
    image[: height // 2 + shift % 3] //= 2
    return image


def save(path, array=None, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(blocks() if array is None else array).save(path, **kwargs)
    return path


def batch(*args):
    """Run ``segment batch`` in this process; return the click Result."""
    return CliRunner().invoke(cli, ["batch", *map(str, args)])


def manifest(outdir):
    return json.loads((Path(outdir) / MANIFEST_NAME).read_text())


def by_input(outdir):
    return {record["input"]: record for record in manifest(outdir)["images"]}


def tree(folder):
    """{relative path: bytes} of every file under `folder`."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# ---------------------------------------------------------------------------- finding


def test_find_images_by_extension_any_case(tmp_path):
    for name in ["a.jpg", "b.JPEG", "c.Png", "d.tif", "e.TIFF", "f.bmp", "g.webp", "h.gif",
                 "notes.txt", "raw.cr2", ".hidden.png", "._a.jpg", "sub/i.png"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).touch()
    (tmp_path / "folder.png").mkdir()
    assert [p.as_posix() for p in find_images(tmp_path)] == [
        "a.jpg", "b.JPEG", "c.Png", "d.tif", "e.TIFF", "f.bmp", "g.webp", "h.gif"]
    assert find_images(tmp_path, recursive=True)[-1].as_posix() == "sub/i.png"


def test_find_images_does_not_follow_symlinked_folders(tmp_path):
    outside = tmp_path / "outside"
    save(outside / "far.png")
    inp = tmp_path / "in"
    save(inp / "near.png")
    (inp / "link").symlink_to(outside, target_is_directory=True)
    (inp / "loop").symlink_to(inp, target_is_directory=True)
    assert [p.as_posix() for p in find_images(inp, recursive=True)] == ["near.png"]


def test_unlistable_folder_is_a_failure(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "locked" / "b.png")
    real_scandir = os.scandir

    def guarded_scandir(path="."):
        if os.fspath(path) == os.fspath(inp / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    result = run_batch(inp, out, recursive=True, in_process=True, outputs=("json",))
    status = {r["input"]: (r["status"], r["error"]) for r in result.records}
    assert status == {"a.png": ("done", None),
                      "locked": ("failed", "cannot list folder: Permission denied")}


# ---------------------------------------------------------------------------- formats


def test_every_format_of_a_photo_folder(tmp_path):
    """One run over every format: all done, the right shapes, notes in the manifest."""
    from test_io import write_formats

    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    expected = write_formats(inp)
    before = tree(inp)
    result = batch(inp, out, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert tree(inp) == before  # inputs untouched
    records = by_input(out)
    assert set(records) == set(expected)
    assert {r["status"] for r in records.values()} == {"done"}
    for name, (shape, _) in expected.items():
        outputs = records[name]["outputs"]
        assert sorted(outputs) == ["json", "labels", "overlay", "painted"]
        for kind in ["painted", "overlay", "labels"]:
            with Image.open(out / outputs[kind]) as img:
                assert (img.height, img.width) == shape[:2], (name, kind)
        assert records[name]["n_regions"] >= 2, name
        assert (records[name]["height"], records[name]["width"]) == shape[:2]
    assert records["frames.gif"]["notes"] == ["first of 3 frames"]
    assert records["frames.tif"]["notes"] == ["first of 3 frames"]
    assert "alpha channel dropped" in records["rgba.png"]["notes"]
    assert "alpha channel dropped" in records["la.png"]["notes"]
    assert records["exif_rotated.jpg"]["notes"] == ["EXIF orientation 6 applied"]
    # 16-bit copies of an 8-bit picture segment identically (value/65535 == value*257/65535)
    # two inputs share the stem "rgb16": each output is named after the whole file name
    assert records["rgb16.tif"]["outputs"]["labels"] == "rgb16.tif_labels.png"
    labels = {name: (out / records[name]["outputs"]["labels"]).read_bytes()
              for name in ["rgb16.png", "rgb16.tif", "palette.png", "plain.bmp"]}
    assert len(set(labels.values())) == 1
    assert result.stdout.startswith(f"{len(expected)} images: {len(expected)} done, 0 skipped")


# ---------------------------------------------------------------------------- bad files


def test_bad_files_are_recorded_and_the_batch_goes_on(tmp_path):
    from test_io import bad_files

    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    reasons = bad_files(inp)
    save(inp / "good1.png")
    save(inp / "good2.jpg", quality=95)
    save(inp / "huge.png", blocks(200, 200))
    reasons["huge.png"] = "40000 pixels, over the limit of 20000"
    (inp / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    reasons["dangling.png"] = "no such file"
    if not IS_ROOT:
        save(inp / "locked.png").chmod(0)
        reasons["locked.png"] = "permission denied"
    try:
        result = batch(inp, out, "--jobs", "1", "--max-pixels", "20000")
    finally:
        if (inp / "locked.png").exists():
            (inp / "locked.png").chmod(0o644)
    assert result.exit_code == 1, result.output
    records = by_input(out)
    assert records["good1.png"]["status"] == "done"
    assert records["good2.jpg"]["status"] == "done"
    for name, reason in reasons.items():
        record = records[name]
        assert record["status"] == "failed", name
        assert reason in record["error"], (name, record["error"])
        assert "\n" not in record["error"]
        assert f"failed: {name}: " in result.stderr
        assert not (out / f"{Path(name).stem}.json").exists()
    assert f"2 done, 0 skipped, {len(reasons)} failed" in result.stdout


def test_unreadable_file_simulated_as_root(tmp_path, monkeypatch):
    """No read permission, simulated (root reads anything): recorded, batch goes on."""
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    locked = save(inp / "locked.png")
    real_open = Image.open

    def guarded_open(fp, *args, **kwargs):
        if os.fspath(fp) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(fp))
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(Image, "open", guarded_open)
    result = run_batch(inp, out, in_process=True)
    records = {r["input"]: r for r in result.records}
    assert records["a.png"]["status"] == "done"
    assert records["locked.png"]["status"] == "failed"
    assert records["locked.png"]["error"] == "permission denied: locked.png"
    assert result.summary["failed"] == 1 and result.summary["done"] == 1


def test_pillow_bomb_guard_does_not_fail_the_batch(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # Pillow alone would refuse 2400 px
    result = run_batch(inp, out, in_process=True)
    assert result.records[0]["status"] == "done"


def named_task(name):
    """A task that only has a name, for workers that read nothing."""
    return BatchTask(input=name, source=Path(name), outdir=Path("."), stem=Path(name).stem)


def test_a_crashed_worker_is_a_failure_not_a_hang(tmp_path):
    tasks = [named_task(name) for name in ["a.png", "crash.png", "b.png", "c.png"]]
    records = []
    run_processes(tasks, 2, 1, records.append, worker=_dies_on_crash)
    status = {r["input"]: r for r in records}
    assert len(records) == 4
    assert [status[n]["status"] for n in ["a.png", "b.png", "c.png"]] == ["done"] * 3
    assert status["crash.png"]["status"] == "failed"
    assert "worker process" in status["crash.png"]["error"]


def test_workers_that_always_die_do_not_stall_the_batch(tmp_path):
    tasks = [named_task(f"p{i}.png") for i in range(8)]
    records = []
    run_processes(tasks, 2, 1, records.append, worker=_always_dies)
    assert sorted(r["input"] for r in records) == sorted(t.input for t in tasks)
    assert {r["status"] for r in records} == {"failed"}
    errors = [r["error"] for r in records]
    assert sum("died" in e for e in errors) == 3
    assert sum(e.startswith("not run") for e in errors) == 5


def _always_dies(task):
    os.kill(os.getpid(), signal.SIGKILL)


def _dies_on_crash(task):
    if task.input == "crash.png":
        os.kill(os.getpid(), signal.SIGKILL)
    return new_record(task.input, "done")


# ---------------------------------------------------------------------------- outputs


def test_recursive_mirrors_selects_outputs_skips_and_overwrites(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "a.jpg", quality=95)  # same stem as a.png in the same folder
    save(inp / "sub" / "b.png", blocks(shift=1))
    save(inp / "sub" / "deeper" / "c.tif", blocks(shift=2))
    result = batch(inp, out, "-R", "--jobs", "1", "--outputs", "labels,json")
    assert result.exit_code == 0, result.output
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [
        "a.jpg.json", "a.jpg_labels.png", "a.png.json", "a.png_labels.png", MANIFEST_NAME,
        "sub/b.json", "sub/b_labels.png", "sub/deeper/c.json", "sub/deeper/c_labels.png",
    ]
    record = json.loads((out / "sub" / "deeper" / "c.json").read_text())
    assert record["outputs"] == {"labels": "c_labels.png"}
    assert by_input(out)["sub/deeper/c.tif"]["outputs"] == {
        "labels": "sub/deeper/c_labels.png", "json": "sub/deeper/c.json"}
    first = tree(out)

    rerun = batch(inp, out, "-R", "--jobs", "1", "--outputs", "labels,json")
    assert rerun.exit_code == 0, rerun.output
    assert "0 done, 4 skipped, 0 failed" in rerun.stdout
    assert {r["status"] for r in by_input(out).values()} == {"skipped"}
    assert by_input(out)["sub/b.png"]["n_regions"] == json.loads(
        (out / "sub" / "b.json").read_text())["n_regions"]
    again = tree(out)
    assert {k: v for k, v in again.items() if k != MANIFEST_NAME} == {
        k: v for k, v in first.items() if k != MANIFEST_NAME}

    # a new output kind is missing: those images are redone
    more = batch(inp, out, "-R", "--jobs", "1", "--outputs", "painted,labels,json", "-q")
    assert more.exit_code == 0 and more.stdout == ""
    assert {r["status"] for r in by_input(out).values()} == {"done"}
    assert (out / "sub" / "b_painted.png").is_file()

    forced = batch(inp, out, "-R", "--jobs", "1", "--outputs", "labels,json", "--overwrite",
                   "-s", "5")
    assert forced.exit_code == 0
    assert "4 done, 0 skipped" in forced.stdout
    assert json.loads((out / "a.png.json").read_text())["parameters"]["spatial_bandwidth"] == 5.0


def test_changed_parameters_are_not_skipped(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    run_batch(inp, out, {"spatial_bandwidth": 7.0}, in_process=True)
    assert outputs_complete(out, "a", params={"spatial_bandwidth": 7.0})
    assert not outputs_complete(out, "a", params={"spatial_bandwidth": 9.0})
    assert outputs_complete(out, "a", params={"spatial_bandwidth": 7.0, "min_size": None})
    again = run_batch(inp, out, {"spatial_bandwidth": 9.0}, in_process=True)
    assert again.records[0]["status"] == "done"
    # None is "automatic": an explicit value and the automatic one are different runs
    assert outputs_complete(out, "a", params={"spatial_bandwidth": 9.0, "range_bandwidth": None})
    assert not outputs_complete(out, "a", params={"range_bandwidth": 7.0})
    explicit = run_batch(inp, out, {"spatial_bandwidth": 9.0, "range_bandwidth": 7.0},
                         in_process=True)
    assert explicit.records[0]["status"] == "done"
    assert not outputs_complete(out, "a", params={"range_bandwidth": None})
    assert outputs_complete(out, "a", params={"range_bandwidth": 7.0})
    (out / "a_overlay.png").unlink()
    assert not outputs_complete(out, "a")
    assert outputs_complete(out, "a", outputs=("labels", "json"))


def test_jobs_2_gives_the_same_labels_as_jobs_1(tmp_path):
    inp = tmp_path / "in"
    for i in range(4):
        save(inp / f"p{i}.png", blocks(48, 64, shift=i))
    one, two = tmp_path / "one", tmp_path / "two"
    assert batch(inp, one, "--jobs", "1", "--outputs", "labels,json").exit_code == 0
    assert batch(inp, two, "--jobs", "2", "--outputs", "labels,json").exit_code == 0
    assert manifest(two)["summary"]["jobs"] == 2
    for i in range(4):
        assert (one / f"p{i}_labels.png").read_bytes() == (two / f"p{i}_labels.png").read_bytes()


def test_progress_callback_and_summary(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=3))
    (inp / "bad.png").write_text("nope")
    calls = []
    result = run_batch(inp, out, in_process=True,
                       progress=lambda record, done, total: calls.append((record["input"], done, total)))
    assert sorted(c[0] for c in calls) == ["a.png", "b.png", "bad.png"]
    assert [c[1:] for c in calls] == [(1, 3), (2, 3), (3, 3)]
    summary = result.summary
    assert (summary["total"], summary["done"], summary["failed"], summary["skipped"]) == (3, 2, 1, 0)
    assert summary["images_per_second"] > 0
    document = manifest(out)
    assert document["complete"] is True
    assert document["summary"]["done"] == 2
    assert [r["input"] for r in document["images"]] == ["a.png", "b.png", "bad.png"]
    for record in document["images"]:
        assert set(record) >= {"input", "status", "error", "n_regions", "seconds", "notes"}


# ---------------------------------------------------------------------------- safety


def test_outputs_stay_inside_output_dir(tmp_path):
    outside = tmp_path / "outside"
    save(outside / "far.png")
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "near.png")
    (inp / "linked_folder").symlink_to(outside, target_is_directory=True)
    (inp / "linked_file.png").symlink_to(outside / "far.png")
    save(inp / "sub" / "x.png")
    out.mkdir()
    (out / "sub").symlink_to(outside, target_is_directory=True)  # a trap in OUTPUT_DIR
    before_outside = tree(outside)
    tasks = {t.input: t for t in plan_batch(inp, out, recursive=True)}
    assert sorted(tasks) == ["linked_file.png", "near.png", "sub/x.png"]
    assert "outside OUTPUT_DIR" in tasks["sub/x.png"].error
    result = run_batch(inp, out, recursive=True, in_process=True)
    status = {r["input"]: r["status"] for r in result.records}
    assert status == {"linked_file.png": "done", "near.png": "done", "sub/x.png": "failed"}
    assert tree(outside) == before_outside
    assert (out / "linked_file_painted.png").is_file()


def test_output_dir_inside_input_dir_without_recursion(tmp_path):
    inp = tmp_path / "in"
    save(inp / "a.png")
    result = run_batch(inp, inp / "segmented", in_process=True)
    assert [r["status"] for r in result.records] == ["done"]
    rerun = run_batch(inp, inp / "segmented", in_process=True)
    assert [r["input"] for r in rerun.records] == ["a.png"]  # outputs never read as inputs


# ---------------------------------------------------------------------------- dask


def test_dask_cluster_gives_identical_outputs(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    inp = tmp_path / "in"
    for i in range(3):
        save(inp / f"p{i}.png", blocks(48, 64, shift=i))
    (inp / "bad.png").write_text("not an image")
    local = run_batch(inp, tmp_path / "local", in_process=True, outputs=("labels", "json"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
        result = batch(inp, tmp_path / "dask", "--outputs", "labels,json")
    assert result.exit_code == 1, result.output  # bad.png
    document = manifest(tmp_path / "dask")
    assert document["summary"]["mode"] == "dask"
    assert document["scheduler"] == cluster.scheduler_address
    remote = {r["input"]: r for r in document["images"]}
    for record in local.records:
        assert remote[record["input"]]["status"] == record["status"]
        assert remote[record["input"]]["n_regions"] == record["n_regions"]
    for i in range(3):
        assert ((tmp_path / "local" / f"p{i}_labels.png").read_bytes()
                == (tmp_path / "dask" / f"p{i}_labels.png").read_bytes())


# ---------------------------------------------------------------------------- interruption


def test_batch_interrupted_carries_the_result(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=2))

    def interrupt_after_first(record, finished, total):
        raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as caught:
        run_batch(inp, out, in_process=True, progress=interrupt_after_first)
    summary = caught.value.result.summary
    assert (summary["done"], summary["pending"]) == (1, 1)
    assert manifest(out)["complete"] is False


# ---------------------------------------------------------------------------- one image


def test_process_image_never_raises(tmp_path):
    record = process_image(BatchTask(
        input="x.png", source=tmp_path / "x.png", outdir=tmp_path / "o", stem="x",
        outputs=("json",), max_pixels=None,
    ))
    assert record["status"] == "failed"
    assert record["error"] == "no such file: x.png"
