"""The ``segment`` command line: outputs, recorded parameters, one-line errors, EXIF."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import blobs, synthetic_image
from PIL import Image

from segment.cli import cli
from segment.segmentation import DEFAULTS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def photo(tmp_path):
    """A small RGB PNG with six regions, and its pixels."""
    image = synthetic_image(blobs(36, 48), noise=3.0, seed=11)
    path = tmp_path / "photo.png"
    Image.fromarray(image).save(path)
    return path, image


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def stderr_of(result):
    try:
        return result.stderr
    except ValueError:  # click < 8.2 mixes the streams unless asked not to
        return result.output


def test_image_writes_the_four_outputs(photo, tmp_path):
    path, image = photo
    outdir = tmp_path / "out" / "nested"
    result = run_cli("image", path, "-o", outdir)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in outdir.iterdir())
    assert names == ["photo.json", "photo_labels.png", "photo_overlay.png", "photo_painted.png"]
    assert "photo.png" in result.output

    from segment import segment

    expected = segment(image)

    with Image.open(outdir / "photo_labels.png") as img:
        assert img.mode.startswith("I;16") or img.mode == "I"
        labels = np.asarray(img).astype(np.int64)
    np.testing.assert_array_equal(labels, expected.labels)

    with Image.open(outdir / "photo_painted.png") as img:
        painted = np.asarray(img.convert("RGB"))
    np.testing.assert_array_equal(painted, expected.paint())
    with Image.open(outdir / "photo_overlay.png") as img:
        overlay = np.asarray(img.convert("RGB"))
    assert overlay.shape == image.shape
    np.testing.assert_array_equal(overlay, expected.overlay())

    record = json.loads((outdir / "photo.json").read_text())
    assert record["n_regions"] == expected.n_regions == 6
    assert record["width"] == 48 and record["height"] == 36
    assert isinstance(record["seconds"], (int, float)) and record["seconds"] >= 0
    params = record["parameters"]
    assert params["spatial_bandwidth"] == DEFAULTS["spatial_bandwidth"]
    assert params["range_bandwidth"] == DEFAULTS["range_bandwidth"]
    assert params["min_size"] == DEFAULTS["min_size"]
    assert params["merge_threshold"] == DEFAULTS["merge_threshold"]
    assert record["min_size_used"] == 20  # 0.3 % of 48x36 is under the floor of 20
    assert record["range_bandwidth_used"] == expected.parameters["range_bandwidth"]
    assert record["spatial_bandwidth_used"] == expected.parameters["spatial_bandwidth"]
    assert 3.5 <= record["range_bandwidth_used"] <= 14.0
    assert params["kernel"] == "flat" and params["method"] == "exact"


def test_options_are_used_and_recorded(photo, tmp_path):
    path, image = photo
    outdir = tmp_path / "out"
    result = run_cli("image", path, "-o", outdir, "-s", "4", "-r", "9.5", "-m", "3",
                     "--kernel", "gaussian", "--method", "exact")
    assert result.exit_code == 0, result.output
    record = json.loads((outdir / "photo.json").read_text())
    params = record["parameters"]
    assert params["spatial_bandwidth"] == 4.0
    assert params["range_bandwidth"] == 9.5
    assert params["min_size"] == 3
    assert params["kernel"] == "gaussian" and params["method"] == "exact"

    from segment import segment

    expected = segment(image, 4.0, 9.5, 3, kernel="gaussian", method="exact")
    with Image.open(outdir / "photo_labels.png") as img:
        np.testing.assert_array_equal(np.asarray(img), expected.labels)
    assert record["n_regions"] == expected.n_regions


def test_long_option_names(photo, tmp_path):
    path, _ = photo
    result = run_cli("image", path, "--outdir", tmp_path / "o", "--spatial-bandwidth", "5",
                     "--range-bandwidth", "7", "--min-size", "0")
    assert result.exit_code == 0, result.output
    params = json.loads((tmp_path / "o" / "photo.json").read_text())["parameters"]
    assert (params["spatial_bandwidth"], params["range_bandwidth"], params["min_size"]) == (5, 7, 0)


@pytest.mark.parametrize("spelling", ["auto", "AUTO", " auto "])
def test_range_bandwidth_auto_is_the_default(photo, tmp_path, spelling):
    path, _ = photo
    default = run_cli("image", path, "-o", tmp_path / "d")
    auto = run_cli("image", path, "-o", tmp_path / "a", "-r", spelling)
    assert default.exit_code == 0 and auto.exit_code == 0, auto.output
    records = [json.loads((tmp_path / d / "photo.json").read_text()) for d in "da"]
    assert records[0]["parameters"]["range_bandwidth"] is None
    assert records[1]["parameters"] == records[0]["parameters"]
    assert records[1]["range_bandwidth_used"] == records[0]["range_bandwidth_used"]
    assert ((tmp_path / "a" / "photo_labels.png").read_bytes()
            == (tmp_path / "d" / "photo_labels.png").read_bytes())


def assert_one_line_error(result, *fragments):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    err = stderr_of(result)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("segment: error:"), err
    for fragment in fragments:
        assert fragment in lines[0], err


def test_missing_file(tmp_path):
    result = run_cli("image", tmp_path / "nope.png", "-o", tmp_path / "out")
    assert_one_line_error(result, "nope.png")
    assert not (tmp_path / "out" / "nope.json").exists()


def test_text_file_named_png(tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_text("not an image\n")
    result = run_cli("image", fake, "-o", tmp_path / "out")
    assert_one_line_error(result, "fake.png")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["-s", "-1"], "spatial_bandwidth"),
        (["-s", "0"], "spatial_bandwidth"),
        (["-r", "-2"], "'-2' is not a positive number or 'auto'"),
        (["-r", "wide"], "'wide' is not a positive number or 'auto'"),
        (["-r", "nan"], "'nan' is not a positive number or 'auto'"),
        (["-r", "0"], "--range-bandwidth"),
        (["-m", "-5"], "min_size"),
    ],
)
def test_bad_parameter(photo, tmp_path, args, fragment):
    path, _ = photo
    result = run_cli("image", path, "-o", tmp_path / "out", *args)
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "out" / "photo.json").exists()


@pytest.mark.parametrize(
    "args", [["-m", "2.5"], ["-s", "wide"], ["--kernel", "box"], ["--method", "slow"]]
)
def test_bad_option_value(photo, tmp_path, args):
    path, _ = photo
    result = run_cli("image", path, "-o", tmp_path / "out", *args)
    assert_one_line_error(result)


def test_missing_outdir(photo):
    path, _ = photo
    assert_one_line_error(run_cli("image", path), "outdir")


def test_unknown_command():
    assert_one_line_error(run_cli("paint"))


def test_exif_orientation_is_applied(tmp_path):
    # stored 16 rows x 40 columns; orientation 6 means "rotate 90° clockwise to view"
    stored = synthetic_image(blobs(16, 40), noise=0.0)
    # a white corner: top-left as stored; 6 x 6, so that JPEG ringing at its edge
    # cannot pull the region's mode colour below 200 on either mode-seeking path
    stored[:6, :6] = (255, 255, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "turned.jpg"
    Image.fromarray(stored).save(path, exif=exif, quality=95)
    outdir = tmp_path / "out"
    result = run_cli("image", path, "-o", outdir, "-m", "0")
    assert result.exit_code == 0, result.output
    record = json.loads((outdir / "turned.json").read_text())
    assert (record["width"], record["height"]) == (16, 40)
    with Image.open(outdir / "turned_labels.png") as img:
        assert np.asarray(img).shape == (40, 16)
    with Image.open(outdir / "turned_painted.png") as img:
        painted = np.asarray(img.convert("RGB"))
    assert painted.shape == (40, 16, 3)
    # after a clockwise quarter turn the stored top-left corner is at the top right
    assert painted[:3, -3:].min() > 200
    assert painted[-3:, :3].max() < 230 and painted[:3, :3].max() < 230


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_real_subprocess(photo, tmp_path):
    path, _ = photo
    outdir = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "-m", "segment.cli", "image", str(path), "-o", str(outdir), "-m", "5"],
        capture_output=True, text=True, env=_env(), timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in outdir.iterdir()) == [
        "photo.json", "photo_labels.png", "photo_overlay.png", "photo_painted.png",
    ]
    assert json.loads((outdir / "photo.json").read_text())["parameters"]["min_size"] == 5


def test_real_subprocess_error_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "segment.cli", "image", str(tmp_path / "missing.png"),
         "-o", str(tmp_path)],
        capture_output=True, text=True, env=_env(), timeout=300,
    )
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("segment: error:")
    assert "Traceback" not in proc.stderr + proc.stdout


def test_console_script_exists():
    script = Path(sys.executable).with_name("segment")
    if not script.exists():
        pytest.skip("the segment console script is not installed beside this interpreter")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    from segment import __version__

    assert __version__ in proc.stdout


HEAVY = ("numpy", "cv2", "skimage", "sklearn", "scipy")

PROBE = """
import sys
from segment.cli import main
try:
    main({args!r})
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY", heavy, "CODE", code)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["image", "--help"], ["-h"]])
def test_help_and_version_do_not_import_heavy_modules(args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True, text=True, env=_env(), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY [] CODE 0" in proc.stdout, proc.stdout


def test_version_and_help_text():
    from segment import __version__

    version = run_cli("--version")
    assert version.exit_code == 0 and __version__ in version.output
    helptext = run_cli("image", "--help")
    assert helptext.exit_code == 0
    for flag in ["-s", "-r", "-m", "--kernel", "--method", "-o"]:
        assert flag in helptext.output


# ---------------------------------------------------------------------------- batch

from test_batch import save  # noqa: E402  (the batch tests' images)

from segment.batch import BatchUsageError, plan_batch  # noqa: E402


def batch(*args):
    """Run ``segment batch`` in this process, with no Dask scheduler from the environment."""
    return CliRunner().invoke(cli, ["batch", *map(str, args)],
                              env={"DASK_SCHEDULER_ADDRESS": None})


def test_progress_bar_on_a_terminal():
    import io

    from segment.progress import _BatchProgress

    stream = io.StringIO()
    progress = _BatchProgress(stream, terminal=True)
    progress({"status": "skipped"}, 1, 4)
    progress({"status": "done"}, 2, 4)
    progress({"status": "failed"}, 3, 4)
    progress({"status": "done"}, 4, 4)
    progress.close()
    text = stream.getvalue()
    # the bar counts the images segmented (the skipped one is shown beside it)
    assert "3/3" in text and "img/s" in text
    assert "1 skipped" in text and "1 failed" in text


def test_progress_lines_when_not_a_terminal():
    import io

    from segment.progress import _BatchProgress

    stream = io.StringIO()
    progress = _BatchProgress(stream, terminal=False, interval=0)
    progress({"status": "done"}, 1, 3)
    progress({"status": "failed"}, 2, 3)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[1].startswith("segment: 2/3 images: 1 done, 0 skipped, 1 failed; ")
    assert "images/s" in lines[1]
    quiet = io.StringIO()
    slow = _BatchProgress(quiet, terminal=False, interval=3600)
    slow({"status": "done"}, 1, 3)
    slow.close()
    assert quiet.getvalue() == ""  # no line before the first interval is over


def test_usage_errors_exit_2(tmp_path):
    inp = tmp_path / "in"
    save(inp / "a.png")
    missing = batch(tmp_path / "absent", tmp_path / "out")
    assert missing.exit_code == 2
    assert "does not exist" in stderr_of(missing)
    inside = batch(inp, inp / "out", "-R")
    assert inside.exit_code == 2
    assert "inside INPUT_DIR" in stderr_of(inside)
    assert batch(inp, inp).exit_code == 2
    (tmp_path / "file").write_text("x")
    assert batch(inp, tmp_path / "file").exit_code == 2
    assert batch(inp, tmp_path / "o", "--outputs", "painted,pdf").exit_code == 2
    assert batch(inp, tmp_path / "o", "--jobs", "0").exit_code == 2
    assert not (tmp_path / "o").exists()
    assert sorted(p.name for p in inp.iterdir()) == ["a.png"]
    with pytest.raises(BatchUsageError, match="inside INPUT_DIR"):
        plan_batch(inp, inp / "deep" / "out", recursive=True)


def test_missing_dask_is_a_clear_usage_error(tmp_path, monkeypatch):
    save(tmp_path / "in" / "a.png")
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = batch(tmp_path / "in", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert "pip install 'segment[dask]'" in stderr_of(result)
    assert len(stderr_of(result).strip().splitlines()) == 1


def test_help_stays_light():
    code = ("import sys; from segment.cli import cli\n"
            "try: cli(['batch', '--help'])\n"
            "except SystemExit: pass\n"
            "assert 'numpy' not in sys.modules and 'cv2' not in sys.modules, 'heavy import'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--scheduler ADDRESS" in done.stdout


@pytest.mark.parametrize("args, name", [
    (["-s", "0"], "spatial_bandwidth"),
    (["-s", "-1"], "spatial_bandwidth"),
    (["-s", "nan"], "spatial_bandwidth"),
    (["-m", "-5"], "min_size"),
    (["-t", "nan"], "merge_threshold"),
])
def test_image_bad_parameter_is_a_usage_error_before_reading(tmp_path, args, name):
    # a file that is not an image: the parameter is refused before it is read
    fake = tmp_path / "fake.png"
    fake.write_text("not an image\n")
    result = run_cli("image", fake, "-o", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert_one_line_error(result, name)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- entry points


def test_python_dash_m_segment_is_the_command():
    from segment import __version__

    proc = subprocess.run([sys.executable, "-m", "segment", "--version"],
                          capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"segment, version {__version__}"


def test_bare_command_prints_its_help_and_exits_0():
    result = run_cli()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: segment")
    for command in ("image", "batch", "evaluate"):
        assert command in result.output
    assert "error" not in result.output


@pytest.mark.parametrize("flag", ["-o", "--outdir"])
def test_image_refuses_dash_as_outdir(photo, tmp_path, monkeypatch, flag):
    path, _ = photo
    monkeypatch.chdir(tmp_path)
    result = run_cli("image", path, flag, "-")
    assert result.exit_code == 2
    assert_one_line_error(result, "'-'")
    assert not (tmp_path / "-").exists()


def test_batch_refuses_dash_as_output_dir(tmp_path, monkeypatch):
    save(tmp_path / "in" / "a.png")
    monkeypatch.chdir(tmp_path)
    result = batch("in", "-")
    assert result.exit_code == 2
    assert_one_line_error(result, "'-'")
    assert not (tmp_path / "-").exists()


# ---------------------------------------------------------------------------- unexpected failures


@pytest.mark.parametrize("error, fragments", [
    (MemoryError(), ["out of memory segmenting photo.png (48 x 36 pixels)", "--max-pixels"]),
    (RuntimeError("the kernel broke\nsecond line"),
     ["photo.png", "RuntimeError: the kernel broke"]),
])
def test_image_unexpected_error_is_one_line(photo, tmp_path, monkeypatch, error, fragments):
    import segment.segmentation

    def fail(*args, **kwargs):
        raise error

    path, _ = photo
    monkeypatch.setattr(segment.segmentation, "segment", fail)
    result = run_cli("image", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert_one_line_error(result, *fragments)
    assert "second line" not in result.output


def test_image_max_pixels(photo, tmp_path):
    path, _ = photo  # 48 x 36 = 1728 pixels
    refused = run_cli("image", path, "-o", tmp_path / "out", "--max-pixels", "1000")
    assert_one_line_error(refused, "1728 pixels")
    assert not (tmp_path / "out" / "photo.json").exists()
    assert run_cli("image", path, "-o", tmp_path / "out", "--max-pixels", "0").exit_code == 0


def _limit_address_space():  # in the child, before it runs Python
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_out_of_memory_in_a_real_process_is_one_line(tmp_path):
    # 9000 x 9000 decodes in 243 MB, and its full-resolution Lab copy takes 972 MB:
    # under a 2 GB address-space limit (the libraries' own share included) an allocation fails
    big = np.zeros((9000, 9000, 3), np.uint8)
    big[:, 4500:] = (200, 40, 40)
    Image.fromarray(big).save(tmp_path / "big.png", compress_level=1)
    del big
    proc = subprocess.run(
        [sys.executable, "-m", "segment", "image", str(tmp_path / "big.png"),
         "-o", str(tmp_path / "out")],
        capture_output=True, text=True, env=_env(), timeout=300,
        preexec_fn=_limit_address_space,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    # the size, read from the header, is named when memory is left to read it
    assert proc.stderr.startswith("segment: error: out of memory segmenting big.png")


def test_kernel_help_states_the_cost_of_gaussian():
    helptext = " ".join(run_cli("image", "--help").output.split())
    assert "'gaussian'" in helptext and "x slower than 'flat'" in helptext


def test_batch_progress_lines_in_a_real_process(tmp_path):
    # stderr is a pipe, not a terminal: plain lines, at every image with an interval of 0
    for name in "abcd":
        save(tmp_path / "in" / f"{name}.png")
    env = {**_env(), "SEGMENT_PROGRESS_INTERVAL": "0"}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    command = [sys.executable, "-m", "segment", "batch", str(tmp_path / "in"),
               str(tmp_path / "out"), "-j", "1"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("segment: ")]
    assert [line.split(" images")[0] for line in lines] == [
        f"segment: {n}/4" for n in range(1, 5)], proc.stderr
    assert lines[-1].startswith("segment: 4/4 images: 4 done, 0 skipped, 0 failed; ")
    again = subprocess.run(command + ["-q"], capture_output=True, text=True, env=env,
                           timeout=300)
    assert again.returncode == 0 and again.stderr == "" and again.stdout == ""


# ---------------------------------------------------------------------------- first run


def test_first_run_with_nothing_cached_is_silent_and_never_imports_numba(photo, tmp_path):
    """A fresh install's first run: no Python bytecode cached, no JIT, nothing on stderr."""
    path, _ = photo
    env = {**_env(), "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    code = ("import sys; from segment.cli import main; sys.argv = ['segment', 'image', "
            f"{str(path)!r}, '-o', {str(tmp_path / 'out')!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "assert 'numba' not in sys.modules and 'llvmlite' not in sys.modules, 'a JIT'\n")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert "photo.png" in first.stdout
    assert (tmp_path / "out" / "photo.json").exists()


# ---------------------------------------------------------------- outputs and masks


def test_image_writes_every_output_kind_it_is_asked_for(tmp_path):
    import json

    photo = tmp_path / "photo.png"
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, 30:] = (200, 40, 40)
    Image.fromarray(image).save(photo)
    result = run_cli("image", str(photo), "-o", str(tmp_path / "out"),
                     "--outputs", "overlay,boundaries,labels,regions,polygons,ucm,json",
                     "--label-format", "tif", "--boundary-color", "0,255,0")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["photo.json", "photo_boundaries.png", "photo_labels.tif",
                     "photo_overlay.png", "photo_polygons.geojson", "photo_regions.csv",
                     "photo_ucm.png"]
    with Image.open(tmp_path / "out" / "photo_boundaries.png") as img:
        assert img.mode == "1" and np.asarray(img)[:, 29].all()
    overlay = np.asarray(Image.open(tmp_path / "out" / "photo_overlay.png"))
    assert overlay[0, 29].tolist() == [0, 255, 0]
    from segment.io import read_labels

    labels = read_labels(tmp_path / "out" / "photo_labels.tif")
    assert labels.dtype == np.int32 and labels[0, 0] == 1 and labels[0, -1] == 2
    record = json.loads((tmp_path / "out" / "photo.json").read_text())
    assert record["n_regions"] == 2 and record["outputs"]["labels"] == "photo_labels.tif"
    with Image.open(tmp_path / "out" / "photo_ucm.png") as img:
        ucm = np.asarray(img)
    assert ucm.dtype == np.uint16 and ucm[:, 29].min() > 0 and ucm[:, :28].max() == 0


def test_image_with_a_mask_and_a_bad_colour(tmp_path):
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(photo)
    mask = np.zeros((30, 40), np.uint8)
    mask[:, :20] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    result = run_cli("image", str(photo), "-o", str(tmp_path / "out"), "--mask",
                     str(tmp_path / "mask.png"), "--outputs", "labels")
    assert result.exit_code == 0, result.output
    from segment.io import read_labels

    labels = read_labels(tmp_path / "out" / "photo_labels.png")
    assert (labels[:, 20:] == 0).all() and (labels[:, :20] == 1).all()
    Image.fromarray(mask[:10]).save(tmp_path / "small.png")
    wrong = run_cli("image", str(photo), "-o", str(tmp_path / "out2"), "--mask",
                    str(tmp_path / "small.png"))
    assert wrong.exit_code == 1 and "mask" in wrong.output and "40x10" in wrong.output
    colour = run_cli("image", str(photo), "-o", str(tmp_path / "out3"), "--boundary-color",
                     "mauve")
    assert colour.exit_code == 2 and "expected a colour name" in colour.output


def test_batch_masks_by_stem_and_notes_the_images_without_one(tmp_path):
    import json

    inp, masks, out = tmp_path / "in", tmp_path / "masks", tmp_path / "out"
    inp.mkdir(), masks.mkdir()
    for name in ("a", "b"):
        Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).save(inp / f"{name}.png")
    mask = np.zeros((30, 40), np.uint8)
    mask[:15] = 255
    Image.fromarray(mask).save(masks / "a.png")
    result = run_cli("batch", str(inp), str(out), "--masks", str(masks), "-j", "1",
                     "--outputs", "labels,json")
    assert result.exit_code == 0, result.output
    from segment.io import read_labels

    assert (read_labels(out / "a_labels.png")[15:] == 0).all()
    assert (read_labels(out / "b_labels.png") == 1).all()
    manifest = json.loads((out / "segment-manifest.json").read_text())
    notes = {r["input"]: r["notes"] for r in manifest["images"]}
    assert "no mask: segmented whole" in notes["b.png"]
    assert "no mask: segmented whole" not in notes["a.png"]
