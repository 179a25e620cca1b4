"""``segment batch`` under faults: symlink loops, umask, unsafe layouts, a second run,
a full disk, signals and killed parents, bad parameters.

After each fault, :func:`assert_nothing_lost` checks that every image is either
complete (all its outputs present and readable) or not done, and that the manifest
says which. The tests that start a real ``segment batch`` use a dozen small images
and stop it after the first one is finished.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from test_batch import blocks, by_input, manifest, save, tree

import segment.io
from segment.batch import (
    MANIFEST_NAME,
    BatchUsageError,
    find_images,
    outputs_complete,
    run_batch,
)
from segment.cli import cli
from segment._defaults import DEFAULT_OUTPUTS

REPO = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")


@pytest.fixture(autouse=True)
def no_scheduler_from_environment(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


def batch(*args):
    """Run ``segment batch`` in this process; return the click Result."""
    return CliRunner().invoke(cli, ["batch", *map(str, args)])


# ---------------------------------------------------------------------------- nothing lost


def _readable(path):
    try:
        if path.suffix == ".json":
            return isinstance(json.loads(path.read_text()), dict)
        if path.suffix == ".npy":
            import numpy as np

            np.load(path)
            return True
        with Image.open(path) as img:
            img.load()  # raises on a truncated file
        return True
    except Exception:
        return False


def assert_nothing_lost(inp, out, *, recursive=False, outputs=DEFAULT_OUTPUTS, manifest_may_lag=False):
    """Every image is complete (all outputs present and readable) or not done, and the
    manifest says which.

    With `manifest_may_lag` (after a SIGKILL, which leaves the manifest of the last
    periodic write), an image finished after that write may be complete while the
    manifest still calls it pending; everything the manifest calls done must exist.
    """
    inp, out = Path(inp), Path(out)
    records = by_input(out)
    for path in out.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert _readable(path), f"truncated or unreadable output: {path}"
    for rel in find_images(inp, recursive=recursive):
        record = records[rel.as_posix()]
        task_stem = Path(record["outputs"]["json"]).stem if record["outputs"].get("json") else rel.stem
        complete = outputs_complete(out / rel.parent, task_stem, outputs)
        if record["status"] in ("done", "skipped"):
            assert complete, f"{rel}: the manifest says {record['status']}, outputs incomplete"
            for name in record["outputs"].values():
                assert (out / name).is_file(), f"{rel}: {name} is missing"
        elif not manifest_may_lag or record["status"] == "failed":
            assert not complete, f"{rel}: complete on disk, the manifest says {record['status']}"


# ---------------------------------------------------------------------------- 1. symlink loops


def test_symlink_loop_among_the_inputs_is_one_failure(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    (inp / "loop.png").symlink_to(inp / "loop.png")
    (inp / "ring1.jpg").symlink_to(inp / "ring2.jpg")
    (inp / "ring2.jpg").symlink_to(inp / "ring1.jpg")
    result = run_batch(inp, out, in_process=True, outputs=("labels", "json"))
    status = {r["input"]: (r["status"], r["error"]) for r in result.records}
    assert status["a.png"] == ("done", None)
    for name in ["loop.png", "ring1.jpg", "ring2.jpg"]:
        assert status[name][0] == "failed"
        assert "symlink loop" in status[name][1]
    assert manifest(out)["complete"] is True
    assert manifest(out)["summary"]["failed"] == 3
    assert_nothing_lost(inp, out, outputs=("labels", "json"))


def test_symlink_loop_in_output_dir_is_one_failure(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=1))
    save(inp / "sub" / "x.png", blocks(shift=2))
    out.mkdir()
    (out / "sub").symlink_to(out / "sub")  # a folder that loops
    (out / "b.json").symlink_to(out / "b.json")  # an output name that loops
    result = run_batch(inp, out, recursive=True, in_process=True, outputs=("labels", "json"))
    status = {r["input"]: (r["status"], r["error"]) for r in result.records}
    assert status["a.png"] == ("done", None)
    assert status["sub/x.png"][0] == "failed" and "symlink loop" in status["sub/x.png"][1]
    assert status["b.png"][0] == "failed" and "symlink loop" in status["b.png"][1]
    assert manifest(out)["complete"] is True


def test_output_dir_that_is_a_symlink_loop_is_a_usage_error(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    out.symlink_to(out)
    with pytest.raises(BatchUsageError, match="symlink loop"):
        run_batch(inp, out, in_process=True)
    result = batch(inp, out)
    assert result.exit_code == 2
    assert "symlink loop" in result.stderr and "Traceback" not in result.output


# ---------------------------------------------------------------------------- 3. file modes


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """A function that sets the process umask; the old one is put back after the test."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def test_outputs_get_the_mode_a_plain_open_gives(tmp_path, umask):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    umask(0o022)
    run_batch(inp, out, in_process=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"a.json", "a_painted.png", MANIFEST_NAME}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o644 for p in files}


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_path_follows_the_umask(tmp_path, umask, mask, expected):
    import numpy as np

    umask(mask)
    with segment.io.atomic_path(tmp_path / "plain.txt") as tmp:
        tmp.write_text("x")
    segment.io.write_image(tmp_path / "image.png", np.zeros((2, 2, 3), np.uint8))
    segment.io.write_labels(tmp_path / "big.png", np.array([[0, 70000]]))  # a 32-bit TIFF
    for name in ["plain.txt", "image.png", "big.tif"]:
        assert _mode(tmp_path / name) == expected, name


# ---------------------------------------------------------------------------- 4. layouts


def test_output_dir_above_input_dir_is_refused_on_a_recursive_run(tmp_path):
    out = tmp_path / "work"
    inp = out / "photos"
    save(inp / "photos" / "a.png")  # photos/a.png would be written to work/photos/a.*
    (inp / "a.json").write_text('{"mine": true}\n')
    before = tree(inp)
    result = batch(inp, out, "-R")
    assert result.exit_code == 2, result.output
    assert "INPUT_DIR" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert tree(inp) == before
    with pytest.raises(BatchUsageError, match="inside INPUT_DIR"):
        run_batch(inp, out, recursive=True, in_process=True)
    assert tree(inp) == before
    # without -R the outputs stay at the top of OUTPUT_DIR, outside INPUT_DIR
    flat = run_batch(inp / "photos", out, in_process=True, outputs=("json",))
    assert flat.summary["done"] == 1 and (out / "a.json").is_file()
    assert tree(inp) == before


def test_a_json_file_the_batch_did_not_write_is_not_replaced(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=1))
    out.mkdir()
    (out / "a.json").write_text('{"notes": "my own file"}\n')
    result = run_batch(inp, out, in_process=True)
    status = {r["input"]: (r["status"], r["error"]) for r in result.records}
    assert status["b.png"] == ("done", None)
    assert status["a.png"][0] == "failed"
    assert "not written by segment" in status["a.png"][1]
    assert (out / "a.json").read_text() == '{"notes": "my own file"}\n'
    assert not (out / "a_painted.png").exists()
    forced = run_batch(inp, out, in_process=True, overwrite=True)
    assert [r["status"] for r in forced.records] == ["done", "done"]
    assert json.loads((out / "a.json").read_text())["n_regions"] >= 2


# ---------------------------------------------------------------------------- 5. two runs


def test_a_second_batch_into_the_same_output_dir_is_refused(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=1))
    other = tmp_path / "other"
    save(other / "c.png", blocks(shift=2))
    seen = []

    def second_run(record, finished, total):
        if seen:
            return
        # a temporary of the first run, as if a worker were writing b's painting now
        temporary = out / segment.io.temporary_name(out / "b_painted.png")
        temporary.write_bytes(b"half written")
        try:
            run_batch(other, out, in_process=True)
        except BatchUsageError as exc:
            seen.append(str(exc))
        else:
            seen.append("the second run was not refused")
        seen.append(temporary.exists())
        cli_run = batch(other, out)
        seen.append((cli_run.exit_code, cli_run.stderr))
        temporary.unlink()

    result = run_batch(inp, out, in_process=True, progress=second_run)
    message, temporary_kept, (code, stderr) = seen
    assert "in use by another segment batch" in message, message
    assert str(os.getpid()) in message
    assert temporary_kept
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "in use" in stderr
    assert result.summary["done"] == 2
    assert [r["input"] for r in manifest(out)["images"]] == ["a.png", "b.png"]
    # once the first run has ended, OUTPUT_DIR is free again and no lock file is left
    assert run_batch(other, out, in_process=True).summary["done"] == 1
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------------------- 6. disk full


@pytest.fixture
def disk_full_after(monkeypatch):
    """Make every atomic write fail with ENOSPC once `full["now"]` is set."""
    real = segment.io.atomic_path
    full = {"now": False, "refused": 0}

    import contextlib

    @contextlib.contextmanager
    def atomic_path(path):
        with real(path) as tmp:
            yield tmp
            if full["now"]:
                full["refused"] += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(segment.io, "atomic_path", atomic_path)
    return full


def test_disk_full_reports_what_was_done_and_keeps_the_last_manifest(tmp_path, disk_full_after):
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(3):
        save(inp / f"p{i}.png", blocks(shift=i))

    def fill_the_disk(record, finished, total):
        disk_full_after["now"] = True

    result = run_batch(inp, out, in_process=True, progress=fill_the_disk)
    assert (result.summary["done"], result.summary["failed"]) == (1, 2)
    assert all("No space left on device" in r["error"] for r in result.failures)
    assert "No space left on device" in result.manifest_error
    assert MANIFEST_NAME in result.manifest_error
    left = manifest(out)  # the last one written: valid, and says it is not complete
    assert left["complete"] is False
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert not (out / "p1.json").exists() and not (out / "p1_painted.png").exists()


def test_disk_full_on_the_command_line_exits_1_with_a_summary(tmp_path, disk_full_after,
                                                               monkeypatch):
    from segment.batch import executors, running

    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(3):
        save(inp / f"p{i}.png", blocks(shift=i))

    def in_this_process(tasks, jobs, n_threads, on_record):
        for task in tasks:
            on_record(executors.process_image(task))
            disk_full_after["now"] = True

    monkeypatch.setattr(running, "run_processes", in_this_process)
    result = batch(inp, out)
    assert result.exit_code == 1, result.output
    assert "3 images: 1 done, 0 skipped, 2 failed" in result.stdout
    assert result.stderr.count("failed: p") == 2
    assert f"cannot write {out / MANIFEST_NAME}" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------- 7. signals


def slow_photos(folder, count=12):
    for i in range(count):
        save(folder / f"photo{i:02d}.png", blocks(240, 320, shift=i))


def _default_sigint():
    # a test run started in the background by a non-interactive shell inherits
    # SIGINT ignored, and Python then never raises KeyboardInterrupt: restore it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_batch(inp, out, *extra):
    """``segment batch`` in its own session, importing this checkout's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-c", "from segment.cli import main; main()", "batch", str(inp),
         str(out), "--jobs", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_default_sigint, env=env,
    )


def wait_for_outputs(out, count, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"batch ended early: {process.communicate()}")
        if len(list(out.glob("photo*.json"))) >= count:
            return
        time.sleep(0.02)
    pytest.fail("no outputs appeared")


def group_members(pgid):
    """Live (not zombie) processes of process group `pgid`, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(f"{entry.name} {cmdline.strip()}")
    return members


def assert_no_stray_processes(pgid, timeout=20):
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        os.killpg(pgid, signal.SIGKILL)
    assert not left, f"processes left running: {left}"


def finish(process, timeout=60):
    """Wait for `process` and its pipes to close; kill the group if it takes too long."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the batch or a process holding its output pipes did not end")


def resume(inp, out):
    """Rerun the batch to the end; every image is then done or skipped."""
    rerun = start_batch(inp, out)
    stdout, stderr = finish(rerun, timeout=180)
    assert rerun.returncode == 0, stderr
    statuses = {r["status"] for r in by_input(out).values()}
    assert statuses <= {"done", "skipped"}
    assert_nothing_lost(inp, out)
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]  # leftovers cleaned


needs_proc = pytest.mark.skipif(not LINUX, reason="reads the process table from /proc")


@needs_proc
@pytest.mark.parametrize("how, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_stops_the_batch_cleanly(tmp_path, how, code):
    inp, out = tmp_path / "in", tmp_path / "out"
    slow_photos(inp)
    process = start_batch(inp, out)
    wait_for_outputs(out, 1, process)
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group
    else:
        os.kill(process.pid, signal.SIGTERM)  # as kill(1): the command only
    stdout, stderr = finish(process)
    assert process.returncode == code, stderr
    assert "interrupted: 12 images:" in stderr
    assert "not run" in stderr and "Traceback" not in stderr
    assert_no_stray_processes(process.pid)
    document = manifest(out)
    assert document["complete"] is False
    assert document["summary"]["pending"] > 0
    assert_nothing_lost(inp, out)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    resume(inp, out)


@needs_proc
def test_workers_end_when_the_batch_is_killed(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    slow_photos(inp)
    process = start_batch(inp, out)
    wait_for_outputs(out, 1, process)
    os.kill(process.pid, signal.SIGKILL)  # the command only: its workers must notice
    finish(process, timeout=30)  # returns once no process holds stdout and stderr
    assert process.returncode == -signal.SIGKILL
    assert_no_stray_processes(process.pid)
    assert manifest(out)["complete"] is False
    assert_nothing_lost(inp, out, manifest_may_lag=True)
    resume(inp, out)


@needs_proc
def test_killed_batch_leaves_no_partial_outputs_and_resumes(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    slow_photos(inp)
    process = start_batch(inp, out)
    wait_for_outputs(out, 2, process)
    os.killpg(process.pid, signal.SIGKILL)  # the command and its workers, at once
    finish(process)
    assert process.returncode == -signal.SIGKILL
    finished = {p.stem for p in out.glob("photo*.json")}
    assert 2 <= len(finished) < 12
    left = manifest(out)  # rewritten atomically as the run went: valid, marked incomplete
    assert left["complete"] is False
    assert {Path(r["input"]).stem for r in left["images"] if r["status"] == "done"} <= finished
    assert_nothing_lost(inp, out, manifest_may_lag=True)
    resume(inp, out)
    records = by_input(out)
    for name, record in records.items():
        expected = "skipped" if Path(name).stem in finished else "done"
        assert record["status"] == expected, name


# ---------------------------------------------------------------------------- 8. parameters


@pytest.mark.parametrize("args, name", [
    (["-s", "-1"], "spatial_bandwidth"),
    (["-s", "0"], "spatial_bandwidth"),
    (["-s", "nan"], "spatial_bandwidth"),
    (["-t", "nan"], "merge_threshold"),
    (["-m", "-5"], "min_size"),
])
def test_bad_parameters_are_one_usage_error_before_any_work(tmp_path, args, name):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    save(inp / "b.png", blocks(shift=1))
    result = batch(inp, out, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], result.stderr
    assert not out.exists()


@pytest.mark.parametrize("params, message", [
    ({"spatial_bandwidth": -1.0}, "spatial_bandwidth must be a positive"),
    ({"range_bandwidth": 0}, "range_bandwidth must be a positive"),
    ({"min_size": 2.5}, "min_size must be an integer"),
    ({"kernel": "box"}, "kernel must be one of"),
    ({"bandwidth": 3}, "unknown segmentation parameter 'bandwidth'"),
])
def test_run_batch_checks_parameters_once(tmp_path, params, message):
    inp, out = tmp_path / "in", tmp_path / "out"
    save(inp / "a.png")
    with pytest.raises(BatchUsageError, match=message):
        run_batch(inp, out, params, in_process=True)
    assert not out.exists()
