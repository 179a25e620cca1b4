"""The page of ``segment serve`` in a real browser: Debian's Chromium driven by Playwright
against a real ``segment serve`` process.

Skips when /usr/bin/chromium or Playwright is missing, except under CI (``CI`` set),
where it fails instead. ``UPDATE_DOCS_IMAGES=1`` also writes the screenshot to
docs/images/serve.png, the README's figure.
"""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from segment import DEFAULTS, read_image, segment

REPO = Path(__file__).resolve().parents[1]
COFFEE = REPO / "sample_images" / "coffee.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
IN_CI = bool(os.environ.get("CI"))


def _missing(reason):
    if IN_CI:
        pytest.fail(f"{reason} (CI is set: the browser test must run)")
    pytest.skip(reason)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A real `segment serve` process on a free loopback port; its base URL."""
    port = _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from segment.cli import main; main()", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/config", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"segment serve did not start:\n{(tmp_path / 'serve.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # the page's Content-Security-Policy forbids eval, which Playwright's waits use
        context = browser.new_context(viewport={"width": 1280, "height": 690},
                                      accept_downloads=True, bypass_csp=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page
        context.close()
        browser.close()
        assert errors == [], errors


def shown_count(page):
    return int(page.text_content("#n-regions"))


def wait_for_redraw(page, previous, timeout=30_000):
    """Wait until the result image shows another URL than `previous`; that URL."""
    page.wait_for_function(
        """(previous) => {
            const image = document.querySelector('#result-image');
            return image.dataset.loaded && image.dataset.loaded !== previous
                && image.complete && image.naturalWidth > 0;
        }""", arg=previous or "", timeout=timeout)
    return page.get_attribute("#result-image", "data-loaded")


def test_the_page_segments_cuts_hovers_and_downloads(server, page, tmp_path):
    expected = segment(read_image(COFFEE))
    page.goto(server + "/")
    page.set_input_files("#file-input", str(COFFEE))
    page.wait_for_function(
        "() => /^\\d+$/.test(document.querySelector('#n-regions').textContent)",
        timeout=300_000)
    version = wait_for_redraw(page, None)
    assert shown_count(page) == expected.n_regions
    assert "segment image coffee.png" in page.text_content("#command")
    assert f"-t {DEFAULTS['merge_threshold']:g}" in page.text_content("#command")

    # the merge slider re-cuts the hierarchy and redraws the result
    page.locator("#merge-threshold").fill("0.85")
    version = wait_for_redraw(page, version)
    coarse = expected.cut(0.85)
    page.wait_for_function(
        f"() => document.querySelector('#n-regions').textContent === '{coarse.n_regions}'")
    assert coarse.n_regions != expected.n_regions
    assert "-t 0.85" in page.text_content("#command")
    size = page.evaluate("() => [document.querySelector('#result-image').naturalWidth,"
                         " document.querySelector('#result-image').naturalHeight]")
    assert size == [600, 400]

    # hovering shows the region under the pointer
    box = page.locator("#result-image").bounding_box()
    x, y = 300, 200
    page.mouse.move(box["x"] + (x + 0.5) * box["width"] / 600,
                    box["y"] + (y + 0.5) * box["height"] / 400)
    page.wait_for_selector("#tooltip:not([hidden])")
    k = int(coarse.labels[y, x])
    assert page.text_content("#tooltip-text").startswith(
        f"region {k} · {int(coarse.sizes[k - 1])} px · #")

    artifact = tmp_path / "serve.png"
    page.screenshot(path=str(artifact))
    assert artifact.stat().st_size > 10_000
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        page.screenshot(path=str(REPO / "docs" / "images" / "serve.png"))

    # the boundary view
    page.check('input[name="view"][value="overlay"]')
    assert "/overlay.png" in wait_for_redraw(page, version)

    # the label map downloaded is the cut on screen
    with page.expect_download() as download:
        page.click("#download-labels")
    assert download.value.suggested_filename == "coffee_labels.png"
    with Image.open(io.BytesIO(Path(download.value.path()).read_bytes())) as img:
        labels = np.asarray(img)
    assert np.unique(labels).size == shown_count(page)
    np.testing.assert_array_equal(labels, coarse.labels)
    with page.expect_download() as download:
        page.click("#download-polygons")
    assert download.value.suggested_filename == "coffee_regions.geojson"
