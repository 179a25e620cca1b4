"""The HTTP API of ``segment serve``: every route, every error status, bursts, eviction."""

import csv
import io
import json
import shlex
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import blobs, quadrants, synthetic_image
from PIL import Image

pytest.importorskip("starlette")
pytest.importorskip("multipart")
from starlette.testclient import TestClient  # noqa: E402

from segment import DEFAULTS, segment  # noqa: E402
from segment.cli import cli  # noqa: E402
from segment.export import polygons, region_table  # noqa: E402
from segment.serve import files as files_module  # noqa: E402
from segment.serve import service as service_module  # noqa: E402
from segment.serve import create_app  # noqa: E402


def png(array, **options):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def decode(data):
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img)


@pytest.fixture(scope="module")
def picture():
    return synthetic_image(blobs(48, 64), noise=3.0, seed=4)


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def upload(client, data, name="blobs.png", **fields):
    return client.post("/api/segment", files={"image": (name, data, "image/png")},
                       data={k: str(v) for k, v in fields.items()})


def error_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]
    return body["error"]


# --- the routes ---------------------------------------------------------------------

def test_upload_then_every_route(client, picture):
    expected = segment(picture)
    response = upload(client, png(picture))
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["width"] == 64 and summary["height"] == 48
    assert summary["n_regions"] == expected.n_regions
    assert summary["parameters"] == expected.parameters
    assert summary["levels"] == expected.levels.tolist()
    assert summary["seconds"] >= 0 and summary["name"] == "blobs.png"
    assert summary["requested"]["range_bandwidth"] is None
    key = summary["id"]
    base = f"/api/segment/{key}"
    assert client.get(base).json() == summary

    # a cut by threshold, then by region count: no new mean shift, the hierarchy's cut
    cut = client.get(f"{base}/cut", params={"merge_threshold": 0.9}).json()
    assert cut["n_regions"] == expected.cut(0.9).n_regions and cut["merge_threshold"] == 0.9
    cut = client.get(f"{base}/cut", params={"n_regions": 2}).json()
    current = expected.cut(n_regions=2)
    assert cut["n_regions"] == 2 == current.n_regions
    assert client.get(base).json()["n_regions"] == 2

    files = {name: client.get(f"{base}/{name}") for name in files_module._FILES}
    for name, response in files.items():
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(files_module._FILES[name].split(";")[0])
        assert response.headers["cache-control"] == "no-store"
    labels = decode(files["labels.png"].content)
    assert labels.dtype == np.uint16
    np.testing.assert_array_equal(labels, current.labels)
    np.testing.assert_array_equal(np.load(io.BytesIO(files["labels.npy"].content)), current.labels)
    np.testing.assert_array_equal(decode(files["painted.png"].content), current.paint())
    np.testing.assert_array_equal(decode(files["overlay.png"].content), current.overlay())
    np.testing.assert_array_equal(decode(files["original.png"].content), picture)
    on_painted = client.get(f"{base}/overlay.png", params={"on": "painted"})
    np.testing.assert_array_equal(decode(on_painted.content), current.overlay("painted"))
    rows = list(csv.DictReader(io.StringIO(files["regions.csv"].text)))
    table = region_table(current)
    assert [int(r["id"]) for r in rows] == table["id"].tolist()
    assert [int(r["size"]) for r in rows] == table["size"].tolist()
    assert files["polygons.geojson"].json() == json.loads(json.dumps(polygons(current)))

    y, x = 5, 60
    region = client.get(f"{base}/region", params={"x": x, "y": y}).json()
    k = int(current.labels[y, x])
    assert region["id"] == k and region["size"] == int(current.sizes[k - 1])  # regions from 1
    assert region["colour"] == "#{:02x}{:02x}{:02x}".format(*current.paint()[y, x].tolist())

    download = client.get(f"{base}/labels.png", params={"download": 1})
    assert download.headers["content-disposition"] == 'attachment; filename="blobs_labels.png"'
    assert client.get(f"{base}/polygons.geojson", params={"download": 1}).headers[
        "content-disposition"] == 'attachment; filename="blobs_regions.geojson"'

    assert client.delete(base).json() == {"deleted": key}
    error_of(client.get(base), 404)


def test_the_page_and_its_files(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for name in ("app.js", "style.css"):
        assert f"/static/{name}" in page.text
        assert client.get(f"/static/{name}").status_code == 200
    config = client.get("/api/config").json()
    assert config["defaults"]["merge_threshold"] == DEFAULTS["merge_threshold"]
    assert config["max_bytes"] > 0 and config["max_pixels"] > 0


def test_form_parameters_reach_segment(client, picture):
    fields = {"spatial_bandwidth": 7, "range_bandwidth": 8, "min_size": 30,
              "merge_threshold": 0.3, "kernel": "gaussian", "method": "fast"}
    summary = upload(client, png(picture), **fields).json()
    expected = segment(picture, 7, 8, 30, merge_threshold=0.3, kernel="gaussian", method="fast")
    assert summary["parameters"] == expected.parameters
    labels = decode(client.get(f"/api/segment/{summary['id']}/labels.png").content)
    np.testing.assert_array_equal(labels, expected.labels)
    auto = upload(client, png(picture), range_bandwidth="auto", min_size="").json()
    assert auto["requested"]["range_bandwidth"] is None and auto["requested"]["min_size"] is None


def test_the_command_line_shown_writes_the_same_labels(client, picture, tmp_path):
    summary = upload(client, png(picture), name="my photo.png", spatial_bandwidth=8,
                     min_size=25).json()
    summary = client.get(f"/api/segment/{summary['id']}/cut",
                         params={"merge_threshold": 0.7}).json()
    words = shlex.split(summary["command"])
    assert words[:3] == ["segment", "image", "my photo.png"]
    photo = tmp_path / "my photo.png"
    photo.write_bytes(png(picture))
    words[2] = str(photo)
    words[words.index("-o") + 1] = str(tmp_path / "out")
    result = CliRunner().invoke(cli, words[1:])
    assert result.exit_code == 0, result.output
    written = decode((tmp_path / "out" / "my photo_labels.png").read_bytes())
    served = decode(client.get(f"/api/segment/{summary['id']}/labels.png").content)
    np.testing.assert_array_equal(written, served)


def test_a_16_bit_upload_is_read_at_full_depth(client):
    image = (quadrants(32, 40) * 20000).astype(np.uint16)
    summary = upload(client, png(image), name="grey16.png", min_size=0).json()
    assert summary["n_regions"] == 4
    base = f"/api/segment/{summary['id']}"
    original = decode(client.get(f"{base}/original.png").content)
    assert original.dtype == np.uint8 and original.max() == round(60000 / 257)
    for name in files_module._FILES:  # greyscale renders too
        assert client.get(f"{base}/{name}").status_code == 200, name
    assert decode(client.get(f"{base}/overlay.png").content).shape == (32, 40, 3)
    region = client.get(f"{base}/region", params={"x": 39, "y": 31}).json()
    grey = int(decode(client.get(f"{base}/painted.png").content)[31, 39])
    assert region["size"] == 16 * 20 and region["colour"] == "#" + f"{grey:02x}" * 3


def test_uploads_leave_no_file_behind(picture):
    app = create_app()
    with TestClient(app) as client:
        upload(client, png(picture))
        upload(client, b"not an image")
        folder = Path(app.state.service._folder.name)
        assert folder.is_dir() and list(folder.iterdir()) == []
    assert not folder.exists()


# --- errors -------------------------------------------------------------------------

def test_not_an_image_is_400(client, picture):
    assert "not an image" in error_of(upload(client, b"hello, not a picture"), 400)
    assert "empty" in error_of(upload(client, b""), 400)
    assert "'image'" in error_of(client.post("/api/segment", data={"x": "1"},
                                             files={"other": ("a.png", png(picture))}), 400)
    assert "multipart" in error_of(client.post("/api/segment", json={"image": "x"}), 400)
    truncated = png(picture)[:200]
    error_of(upload(client, truncated), 400)


def test_too_large_is_413(picture):
    data = png(picture)
    with TestClient(create_app(max_bytes=len(data) - 1)) as client:
        assert "bytes" in error_of(upload(client, data), 413)
        huge = b"x" * (len(data) + 200_000)  # over the limit with the form's framing
        assert "bytes" in error_of(upload(client, huge), 413)
    with TestClient(create_app(max_pixels=64 * 48 - 1)) as client:
        assert "pixels" in error_of(upload(client, data), 413)
    with TestClient(create_app(max_pixels=64 * 48)) as client:
        assert upload(client, data).status_code == 200


@pytest.mark.parametrize("field, value, words", [
    ("spatial_bandwidth", "abc", "spatial_bandwidth must be a number"),
    ("spatial_bandwidth", "-1", "spatial_bandwidth must be a positive"),
    ("range_bandwidth", "0", "range_bandwidth must be a positive"),
    ("range_bandwidth", "wide", "range_bandwidth must be a number or auto"),
    ("min_size", "1.5", "min_size must be an integer"),
    ("min_size", "-2", "min_size must be an integer >= 0"),
    ("merge_threshold", "2", "merge_threshold must be a number in [0, 1]"),
    ("merge_threshold", "nan", "merge_threshold must be a number in [0, 1]"),
    ("kernel", "box", "kernel must be one of"),
    ("method", "slow", "method must be one of"),
])
def test_a_bad_parameter_is_422_and_named(client, picture, field, value, words):
    assert words in error_of(upload(client, png(picture), **{field: value}), 422)


def test_bad_cut_and_region_queries_are_422(client, picture):
    base = f"/api/segment/{upload(client, png(picture)).json()['id']}"
    cases = [
        (f"{base}/cut", {}, "give one of"),
        (f"{base}/cut", {"merge_threshold": 0.5, "n_regions": 3}, "give one of"),
        (f"{base}/cut", {"merge_threshold": "half"}, "merge_threshold must be a number"),
        (f"{base}/cut", {"merge_threshold": 1.5}, "merge_threshold must be a number in [0, 1]"),
        (f"{base}/cut", {"merge_threshold": "inf"}, "finite"),
        (f"{base}/cut", {"n_regions": 0}, "n_regions must be an integer >= 1"),
        (f"{base}/cut", {"n_regions": "2.5"}, "n_regions must be an integer"),
        (f"{base}/region", {"x": 3}, "give the pixel"),
        (f"{base}/region", {"x": 64, "y": 0}, "outside the 64x48 image"),
        (f"{base}/region", {"x": -1, "y": 0}, "outside"),
        (f"{base}/overlay.png", {"on": "labels"}, "on must be"),
    ]
    for url, params, words in cases:
        assert words in error_of(client.get(url, params=params), 422), (url, params)


def test_unknown_ids_routes_and_methods(client, picture):
    for path in ("", "/cut?merge_threshold=0.5", "/region?x=0&y=0", "/painted.png",
                 "/labels.png", "/regions.csv", "/polygons.geojson"):
        assert "no segmentation with id" in error_of(client.get(f"/api/segment/nope{path}"), 404)
    error_of(client.delete("/api/segment/nope"), 404)
    key = upload(client, png(picture)).json()["id"]
    assert "no file" in error_of(client.get(f"/api/segment/{key}/labels.tif"), 404)
    assert "no such route" in error_of(client.get("/api/nothing"), 404)
    error_of(client.get("/api/segment"), 405)
    error_of(client.put(f"/api/segment/{key}/cut"), 405)


def test_host_header_check():
    with TestClient(create_app(allowed_hosts=["127.0.0.1"])) as client:
        assert client.get("/api/config").status_code == 400
    with TestClient(create_app(allowed_hosts=["127.0.0.1"]), base_url="http://127.0.0.1") as c:
        assert c.get("/api/config").status_code == 200


# --- load: one segmentation at a time, a bounded queue, a timeout, eviction -------------

def slow_segment(seconds, log=None):
    original = service_module._segment

    def run(image, **parameters):
        if log is not None:
            log.append(("start", threading.get_ident(), time.monotonic()))
        time.sleep(seconds)
        result = original(image, **parameters)
        if log is not None:
            log.append(("end", threading.get_ident(), time.monotonic()))
        return result

    return run


def burst(client, data, n=20):
    def one(_):
        return upload(client, data)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_a_burst_is_answered_and_computes_one_at_a_time(picture, monkeypatch):
    log = []
    monkeypatch.setattr(service_module, "_segment", slow_segment(0.2, log))
    with TestClient(create_app(queue_size=3)) as client:
        responses = burst(client, png(picture))
        statuses = [r.status_code for r in responses]
        assert len(statuses) == 20 and set(statuses) <= {200, 503}, statuses
        assert 1 <= statuses.count(200) and statuses.count(503) >= 1, statuses
        for r in responses:
            if r.status_code == 503:
                assert "busy" in error_of(r, 503)
            else:
                assert r.json()["n_regions"] >= 1
        # never two at once: each start follows the previous end
        events = [kind for kind, _, _ in sorted(log, key=lambda e: e[2])]
        assert events == ["start", "end"] * (len(events) // 2)
        assert statuses.count(200) == len(events) // 2
        assert client.app.state.service.worker.pending == 0


def test_a_burst_of_real_segmentations(picture):
    small = picture[:24, :32].copy()
    with TestClient(create_app(queue_size=4)) as client:
        responses = burst(client, png(small))
        statuses = [r.status_code for r in responses]
        assert len(statuses) == 20 and set(statuses) <= {200, 503}
        assert statuses.count(200) >= 1
        ids = {r.json()["id"] for r in responses if r.status_code == 200}
        assert len(ids) == statuses.count(200)


def test_a_segmentation_past_the_timeout_is_504(picture, monkeypatch):
    monkeypatch.setattr(service_module, "_segment", slow_segment(1.0))
    app = create_app(timeout=0.3, queue_size=2)
    with TestClient(app) as client:
        worker = app.state.service.worker
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda _: upload(client, png(picture)), range(2))
        assert "longer than 0.3 s" in error_of(first, 504)
        assert "longer than 0.3 s" in error_of(second, 504)  # cancelled while queued
        deadline = time.monotonic() + 10
        while worker.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.pending == 0  # the one that computed has finished, its result dropped
        assert len(app.state.service.store) == 0
        monkeypatch.setattr(service_module, "_segment", slow_segment(0.0))
        app.state.service.timeout = 60
        assert upload(client, png(picture)).status_code == 200


def test_stored_results_are_evicted_least_recently_used(picture):
    data = png(picture)
    with TestClient(create_app()) as client:
        upload(client, data)
        one = client.app.state.service.store.nbytes
    assert one > picture.nbytes
    budget = int(2.5 * one)
    app = create_app(max_memory=budget)
    with TestClient(app) as client:
        store = app.state.service.store
        ids = [upload(client, data).json()["id"] for _ in range(3)]
        assert len(store) == 2 and store.nbytes <= budget
        error_of(client.get(f"/api/segment/{ids[0]}"), 404)
        # using the second makes the third the least recently used
        assert client.get(f"/api/segment/{ids[1]}").status_code == 200
        ids.append(upload(client, data).json()["id"])
        assert client.get(f"/api/segment/{ids[1]}").status_code == 200
        error_of(client.get(f"/api/segment/{ids[2]}"), 404)
        # rendered files count too, and stay within the bound
        for name in files_module._FILES:
            client.get(f"/api/segment/{ids[3]}/{name}")
        assert store.nbytes <= budget or len(store) == 1


# --- the command ----------------------------------------------------------------------

def test_serve_without_its_extra_says_what_to_install(monkeypatch):
    from segment.cli import serve as serve_command_module

    monkeypatch.setattr(serve_command_module, "_missing_serve_modules", lambda: ["starlette", "uvicorn"])
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "needs starlette, uvicorn: pip install 'segment[serve]'" in result.output


def test_loopback_names():
    from segment.cli.serve import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("localhost") and _is_loopback("::1")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")
