"""docs/make_figures.py regenerates the README's pictures as valid, modest PNG files."""

import subprocess
import sys
from pathlib import Path

from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "make_figures.py"
FIGURES = ("before_after.png", "parameters.png", "hierarchy.png")


def test_make_figures_writes_every_readme_picture(tmp_path):
    # half-size input keeps the test fast; the committed pictures are made at scale 1
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--scale", "0.5"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for name in FIGURES:
        path = tmp_path / name
        assert path.is_file(), f"{name} not written; stdout: {run.stdout}"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert 10_000 < path.stat().st_size < 600_000, (name, path.stat().st_size)
        with Image.open(path) as picture:
            picture.verify()
        with Image.open(path) as picture:
            width, height = picture.size
            assert 600 <= width <= 2000 and 200 <= height <= 1500, (name, picture.size)


def test_committed_pictures_are_the_ones_readme_names():
    readme = (SCRIPT.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in FIGURES:
        assert f"docs/images/{name}" in readme
        assert (SCRIPT.parent / "images" / name).is_file()
