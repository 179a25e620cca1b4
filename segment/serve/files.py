"""The files ``segment serve`` offers for a result: their media types, their bytes
and the names a browser saves them under."""

from __future__ import annotations

import json

import numpy as np

from .. import export, render
from .._defaults import LABEL_PNG_MAX, output_name
from .store import ServeError

_FILES = {
    "original.png": "image/png",
    "painted.png": "image/png",
    "overlay.png": "image/png",
    "labels.png": "image/png",
    "labels.npy": "application/octet-stream",
    "regions.csv": "text/csv; charset=utf-8",
    "polygons.geojson": "application/geo+json",
}


def _to_uint8(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return np.rint(image / 257.0).astype(np.uint8)
    return render.to_dtype(image, np.uint8)


def _png(array):
    import cv2

    array = np.ascontiguousarray(array)
    if array.ndim == 3:
        array = np.ascontiguousarray(array[..., ::-1])  # OpenCV writes BGR
    ok, data = cv2.imencode(".png", array, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ServeError(500, "could not encode the PNG")
    return data.tobytes()


def _render(result, name, on):
    """The bytes of file `name` for a result."""
    if name == "original.png":
        return _png(_to_uint8(result._image))
    if name == "painted.png":
        return _png(result.paint(np.uint8))
    if name == "overlay.png":
        base = result.paint(np.uint8) if on == "painted" else _to_uint8(result._image)
        return _png(render.overlay_boundaries(base, result.labels))
    if name == "labels.png":
        if result.n_regions - 1 > LABEL_PNG_MAX:
            raise ServeError(422, f"{result.n_regions} regions do not fit a 16-bit PNG; "
                                  f"download labels.npy")
        return _png(result.labels.astype(np.uint16))
    if name == "labels.npy":
        import io

        buffer = io.BytesIO()
        np.save(buffer, result.labels)
        return buffer.getvalue()
    if name == "regions.csv":
        return export.regions_csv(export.region_table(result)).encode("utf-8")
    if name == "polygons.geojson":
        return json.dumps(export.polygons(result), separators=(",", ":")).encode("utf-8")
    raise ServeError(404, f"no file {name!r}; one of {', '.join(_FILES)}")


def _download_name(stem, name):
    kind = {"painted.png": "painted", "overlay.png": "boundaries", "labels.png": "labels",
            "labels.npy": "labels_npy"}.get(name)
    if kind is not None:
        return output_name(stem, kind)
    return {"original.png": f"{stem}_original.png", "regions.csv": f"{stem}_regions.csv",
            "polygons.geojson": f"{stem}_regions.geojson"}[name]
