"""Region tables and GeoJSON polygons: what leaves Python describes the regions exactly."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import blobs, synthetic_image
from matplotlib.path import Path as MplPath
from scipy import ndimage

from segment import read_image, segment
from segment.export import (
    TABLE_COLUMNS,
    polygons,
    region_table,
    regions_csv,
    write_polygons_geojson,
    write_regions_csv,
)
from segment.render import paint
from segment.segmentation import Segmentation

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


# --- rasterising polygons back -------------------------------------------------------

def fill_ring(ring, shape):
    """Pixels whose centre lies inside a ring of pixel-corner (x, y) coordinates."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    return MplPath(np.asarray(ring, float)).contains_points(centres).reshape(shape)


def fill_geometry(geometry, shape):
    shapes = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
              else geometry["coordinates"])
    out = np.zeros(shape, bool)
    for rings in shapes:
        inside = fill_ring(rings[0], shape)
        for hole in rings[1:]:
            inside &= ~fill_ring(hole, shape)
        out |= inside
    return out


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


def check_round_trip(labels, collection, *, start_label=0, min_iou=0.98):
    present = [int(v) for v in np.unique(labels) if v >= start_label]
    features = collection["features"]
    assert [f["properties"]["id"] for f in features] == present
    for feature in features:
        label = feature["properties"]["id"]
        region = labels == label
        filled = fill_geometry(feature["geometry"], labels.shape)
        assert feature["properties"]["size"] == region.sum()
        assert iou(filled, region) >= min_iou, label
    return features


def signed_area(ring):
    ring = np.asarray(ring, float)
    x, y = ring[:, 0], ring[:, 1]
    return (np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2


def check_rings(geometry):
    shapes = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
              else geometry["coordinates"])
    for rings in shapes:
        for i, ring in enumerate(rings):
            assert ring[0] == ring[-1] and len(ring) >= 5
            assert (signed_area(ring) > 0) == (i == 0)  # RFC 7946 orientation


def shapely_valid(geometry):
    shapely = pytest.importorskip("shapely.geometry")
    shape = shapely.shape(geometry)
    return shape.is_valid, shape.area


# --- synthetic label maps -----------------------------------------------------------

def ring_with_island():
    """0 outside, 1 a square ring, 2 an island in its hole, 3 a two-part region."""
    labels = np.zeros((20, 24), np.int64)
    labels[3:15, 3:15] = 1
    labels[6:12, 6:12] = 0
    labels[8:10, 8:10] = 2
    labels[2:5, 18:21] = 3
    labels[14:18, 18:22] = 3
    return labels


def diagonal_and_lines():
    """Parts that touch only at corners, and lines one pixel wide."""
    labels = np.zeros((12, 12), np.int64)
    labels[np.arange(1, 9), np.arange(1, 9)] = 1  # a diagonal: 8 parts
    labels[10, :] = 2  # a horizontal line
    labels[:9, 10] = 3  # a vertical line
    labels[2:4, 4:6] = 4
    labels[4:6, 6:8] = 4  # two squares meeting at a corner
    return labels


def random_labels(seed, shape=(40, 50), n=5):
    """Smoothed noise cut into n levels: many holes, islands and corner contacts."""
    noise = np.random.default_rng(seed).normal(size=shape)
    smooth = ndimage.gaussian_filter(noise, 1.5)
    edges = np.quantile(smooth, np.linspace(0, 1, n + 1)[1:-1])
    return np.digitize(smooth, edges).astype(np.int64)


@pytest.mark.parametrize("make", [ring_with_island, diagonal_and_lines,
                                  lambda: random_labels(0), lambda: random_labels(1),
                                  lambda: random_labels(2, n=9)],
                         ids=["ring", "diagonal", "random0", "random1", "random2"])
def test_polygons_fill_back_to_the_labels(make):
    labels = make()
    features = check_round_trip(labels, polygons(labels), min_iou=1.0)
    for feature in features:
        check_rings(feature["geometry"])
        valid, area = shapely_valid(feature["geometry"])
        assert valid, feature["properties"]["id"]
        assert area == feature["properties"]["size"]


def test_holes_and_parts():
    features = {f["id"]: f["geometry"] for f in polygons(ring_with_island())["features"]}
    assert features[1]["type"] == "Polygon" and len(features[1]["coordinates"]) == 2
    assert features[1]["coordinates"][1][:-1] != features[1]["coordinates"][0][:-1]
    assert features[2] == {"type": "Polygon",
                           "coordinates": [[[8, 8], [10, 8], [10, 10], [8, 10], [8, 8]]]}
    assert features[3]["type"] == "MultiPolygon" and len(features[3]["coordinates"]) == 2
    # the background: outside (holes for the ring and both parts of 3), and the
    # ring's inside (a hole for the island)
    assert features[0]["type"] == "MultiPolygon"
    assert sorted(len(rings) for rings in features[0]["coordinates"]) == [2, 4]
    corner = {f["id"]: f["geometry"] for f in polygons(diagonal_and_lines())["features"]}
    assert corner[1]["type"] == "MultiPolygon" and len(corner[1]["coordinates"]) == 8
    assert corner[4]["type"] == "MultiPolygon" and len(corner[4]["coordinates"]) == 2


def test_start_label_leaves_out_the_unsegmented():
    labels = ring_with_island() + 1
    labels[0, :] = 0
    collection = polygons(labels, start_label=1)
    check_round_trip(labels, collection, start_label=1, min_iou=1.0)
    assert 0 not in [f["id"] for f in collection["features"]]
    assert polygons(np.zeros((3, 3), int), start_label=1)["features"] == []


def test_polygons_reject_a_non_2d_array():
    with pytest.raises(ValueError, match="2-D"):
        polygons(np.zeros((2, 2, 3), int))


@pytest.fixture(scope="module")
def coffee():
    image = read_image(SAMPLES / "coffee.png")
    return image, segment(image)


def test_polygons_of_a_real_segmentation(coffee, tmp_path):
    _, result = coffee
    collection = polygons(result)
    features = check_round_trip(result.labels, collection)
    assert len(features) == result.n_regions
    for feature in features:
        valid, _ = shapely_valid(feature["geometry"])
        assert valid, feature["properties"]["id"]
        k = feature["properties"]["id"]
        assert feature["properties"]["colour"] == "#{:02x}{:02x}{:02x}".format(
            *result.paint()[result.labels == k][0].tolist())
    path = tmp_path / "regions.geojson"
    write_polygons_geojson(path, collection)
    assert json.loads(path.read_text()) == collection


# --- the region table ---------------------------------------------------------------

def reference_table(result, image, start=0):
    """Every column by brute force over one region mask at a time."""
    rows = []
    for label in np.unique(result.labels):
        if label < start:
            continue
        mask = result.labels == label
        rr, cc = np.nonzero(mask)
        pixels = image[mask].reshape(mask.sum(), -1).astype(np.float64)
        mean = pixels.mean(axis=0)
        mean = np.repeat(mean, 3) if mean.size == 1 else mean
        k = label - start
        painted = paint(np.zeros((1, 1), int), result.modes[k:k + 1])[0, 0]
        painted = np.repeat(painted, 3) if np.ndim(painted) == 0 else painted
        lab = np.asarray(result.modes[k], np.float64)
        lab = np.pad(lab, (0, 3 - lab.size))
        rows.append({
            "id": label, "size": mask.sum(),
            "mode_L": lab[0], "mode_a": lab[1], "mode_b": lab[2],
            "mode_red": painted[0], "mode_green": painted[1], "mode_blue": painted[2],
            "mean_red": mean[0], "mean_green": mean[1], "mean_blue": mean[2],
            "bbox_min_row": rr.min(), "bbox_min_col": cc.min(),
            "bbox_max_row": rr.max() + 1, "bbox_max_col": cc.max() + 1,
            "centroid_row": rr.mean(), "centroid_col": cc.mean(),
        })
    return {name: np.array([row[name] for row in rows]) for name in TABLE_COLUMNS}


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, "grey"])
def test_region_table_equals_a_brute_force_count(dtype):
    image = synthetic_image(blobs(40, 56), noise=4.0, seed=5)
    if dtype == np.uint16:
        image = image.astype(np.uint16) * 257
    elif dtype == np.float32:
        image = image.astype(np.float32) / 255
    elif dtype == "grey":
        image = image[..., 1]
    result = segment(image, min_size=10)
    table = region_table(result)
    expected = reference_table(result, image, start=1)
    assert list(table) == list(TABLE_COLUMNS)
    for name in TABLE_COLUMNS:
        np.testing.assert_allclose(table[name], expected[name], rtol=1e-6, atol=1e-6,
                                   err_msg=name)
    assert table["id"].dtype == np.int64 and table["mean_red"].dtype == np.float64
    if dtype == np.uint16:
        assert table["mean_red"].max() > 255  # the input's own scale


def test_region_table_of_a_cut_and_with_a_start_label(coffee):
    image, result = coffee
    coarse = result.cut(n_regions=5)
    table = region_table(coarse)
    assert table["id"].tolist() == [1, 2, 3, 4, 5]
    assert table["size"].sum() == image.shape[0] * image.shape[1]
    # labels 0..n-1 with start_label=0: region k of modes is label k
    zero = Segmentation(labels=coarse.labels - 1, modes=coarse.modes, sizes=coarse.sizes,
                        parameters={**coarse.parameters, "start_label": 0}, _image=image)
    assert region_table(zero)["id"].tolist() == [0, 1, 2, 3, 4]
    # labels 1..n with some pixels unsegmented (0)
    labels = coarse.labels.copy()
    labels[:10] = 0
    shifted = Segmentation(labels=labels, modes=coarse.modes, sizes=coarse.sizes,
                           parameters={**coarse.parameters, "start_label": 1},
                           _image=image)
    table1 = region_table(shifted)
    expected = reference_table(shifted, image, start=1)
    assert 0 not in table1["id"]
    for name in TABLE_COLUMNS:
        np.testing.assert_allclose(table1[name], expected[name], rtol=1e-6, err_msg=name)


def test_region_table_without_the_image_has_no_mean_columns(coffee):
    _, result = coffee
    bare = Segmentation(labels=result.labels, modes=result.modes, sizes=result.sizes)
    assert [c for c in TABLE_COLUMNS if not c.startswith("mean_")] == list(region_table(bare))


def test_region_table_goes_to_pandas_and_csv(coffee, tmp_path):
    _, result = coffee
    table = region_table(result)
    path = tmp_path / "regions.csv"
    write_regions_csv(path, table)
    assert path.read_text() == regions_csv(table)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == result.n_regions and list(rows[0]) == list(TABLE_COLUMNS)
    for name in TABLE_COLUMNS:
        assert [float(r[name]) for r in rows] == table[name].astype(float).tolist()
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(table)
    assert frame.shape == (result.n_regions, len(TABLE_COLUMNS))
