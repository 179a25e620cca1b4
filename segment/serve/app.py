"""The Starlette application behind ``segment serve``: the HTTP API and the page.

Routes (every error is JSON ``{"error": "..."}`` with a 4xx or 5xx status):

- ``GET /``: the interactive page; ``GET /static/...``: its script and style.
- ``GET /api/config``: the limits and the default parameters.
- ``POST /api/segment``: multipart form with the file field ``image`` and the
  optional fields ``spatial_bandwidth``, ``range_bandwidth`` and ``min_size``
  (empty or ``auto``: automatic), ``merge_threshold``, ``kernel``, ``method``;
  answers the result's summary: ``id``, ``name``, ``width``, ``height``,
  ``n_regions``, ``merge_threshold``, ``parameters`` (as used), ``requested``,
  ``levels`` (of the merge hierarchy), ``seconds``, ``notes``, ``command``.
- ``GET /api/segment/{id}``: the summary of the current cut.
- ``GET /api/segment/{id}/cut?merge_threshold=t`` or ``?n_regions=k``: makes that
  level of the merge hierarchy the current cut (no new mean shift); its summary.
- ``GET /api/segment/{id}/region?x=..&y=..``: the region under pixel (x, y).
- ``GET /api/segment/{id}/FILE`` with FILE one of ``original.png``,
  ``painted.png``, ``overlay.png`` (``?on=painted`` draws over the painted image),
  ``labels.png`` (16-bit), ``labels.npy``, ``regions.csv``, ``polygons.geojson``:
  the current cut; ``?download=1`` asks the browser to save it.
- ``DELETE /api/segment/{id}``: forgets a result.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import secrets
import shlex
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import export, render
from .._defaults import DEFAULTS, LABEL_PNG_MAX, first_line, output_name
from .._validate import check_parameters
from .._version import __version__
from ..io import ImageReadError, read_image
from ..segmentation import segment as _segment
from . import SERVE_DEFAULTS
from .store import ServeError, _Entry, _Store, _Worker

__all__ = ["create_app", "command_line", "ServeError"]

STATIC = Path(__file__).resolve().parent / "static"

#: Multipart framing allowed on top of the image's own bytes.
_FORM_OVERHEAD = 64 * 1024
_SEGMENT_DEFAULTS = {name: p.default for name, p in inspect.signature(_segment).parameters.items()
                     if p.default is not inspect.Parameter.empty}
_FILES = {
    "original.png": "image/png",
    "painted.png": "image/png",
    "overlay.png": "image/png",
    "labels.png": "image/png",
    "labels.npy": "application/octet-stream",
    "regions.csv": "text/csv; charset=utf-8",
    "polygons.geojson": "application/geo+json",
}


# --- stored results -----------------------------------------------------------------


# --- requests -> parameters ---------------------------------------------------------

def _number(form, name, kind, *, auto_ok=False):
    raw = form.get(name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None if auto_ok else _SEGMENT_DEFAULTS[name]
    if isinstance(raw, UploadFile):
        raise ServeError(422, f"{name} must be a form field, not a file")
    text = raw.strip()
    if auto_ok and text.lower() == "auto":
        return None
    try:
        value = float(text) if kind is float else int(text)
    except ValueError:
        what = "a number" if kind is float else "an integer"
        raise ServeError(422, f"{name} must be {what}{' or auto' if auto_ok else ''}; "
                              f"got {text!r}") from None
    return value


def _form_parameters(form):
    """The segmentation parameters of an upload form, validated (422 names the first
    bad one)."""
    requested = {
        "spatial_bandwidth": _number(form, "spatial_bandwidth", float, auto_ok=True),
        "range_bandwidth": _number(form, "range_bandwidth", float, auto_ok=True),
        "min_size": _number(form, "min_size", int, auto_ok=True),
        "merge_threshold": _number(form, "merge_threshold", float),
        "kernel": (form.get("kernel") or DEFAULTS["kernel"]),
        "method": (form.get("method") or DEFAULTS["method"]),
    }
    try:
        checked = check_parameters(**requested, max_iter=_SEGMENT_DEFAULTS["max_iter"],
                                   tol=_SEGMENT_DEFAULTS["tol"])
    except (TypeError, ValueError) as exc:
        raise ServeError(422, first_line(exc)) from None
    return {name: checked[name] for name in requested}


def _query_number(request, name, kind):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a number" if kind is float else "an integer"
        raise ServeError(422, f"{name} must be {what}; got {raw!r}") from None
    if kind is float and not math.isfinite(value):
        raise ServeError(422, f"{name} must be a finite number; got {raw!r}")
    return value


def _safe_name(filename):
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    return name or "image.png"


def command_line(name, requested, merge_threshold):
    """The ``segment image`` command that writes the same segmentation.

    Automatic values are given as ``-r auto`` and by leaving out ``-s`` and ``-m``.

    Examples
    --------
    >>> command_line("my photo.jpg", {"spatial_bandwidth": 10.0, "range_bandwidth": None,
    ...     "min_size": 200, "kernel": "flat", "method": "exact"}, 0.6)
    "segment image 'my photo.jpg' -o out -s 10 -r auto -m 200 -t 0.6"
    """
    parts = ["segment", "image", shlex.quote(name), "-o", "out"]
    if requested["spatial_bandwidth"] is not None:
        parts += ["-s", f"{requested['spatial_bandwidth']:g}"]
    r = requested["range_bandwidth"]
    parts += ["-r", "auto" if r is None else repr(float(r))]
    if requested["min_size"] is not None:
        parts += ["-m", str(requested["min_size"])]
    parts += ["-t", repr(float(merge_threshold))]
    for option in ("kernel", "method"):
        if requested[option] != DEFAULTS[option]:
            parts += [f"--{option}", requested[option]]
    return " ".join(parts)


def _summary(entry):
    """What the API answers about a result: its size, the current cut and its
    parameters, the levels of its merge hierarchy and the command line."""
    result = entry.current
    height, width = result.shape
    merge_threshold = result.parameters["merge_threshold"]
    return {
        "id": entry.id,
        "name": entry.name,
        "width": int(width),
        "height": int(height),
        "n_regions": result.n_regions,
        "merge_threshold": merge_threshold,
        "parameters": result.parameters,
        "requested": entry.requested,
        "levels": result.levels.tolist(),
        "seconds": round(entry.seconds, 4),
        "notes": entry.notes,
        "command": command_line(entry.name, entry.requested, merge_threshold),
        "version": __version__,
    }


# --- rendering ----------------------------------------------------------------------

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


# --- the application ----------------------------------------------------------------

class _Service:
    """The state one application holds: limits, stored results, the worker, and a
    private folder that holds an upload for the moment it is decoded."""

    def __init__(self, *, max_pixels, max_bytes, max_memory, queue_size, timeout):
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.store = _Store(max_memory)
        self.worker = _Worker(queue_size)
        shm = Path("/dev/shm")  # memory-backed where it exists
        where = str(shm) if shm.is_dir() and _writable(shm) else None
        self._folder = tempfile.TemporaryDirectory(prefix="segment-serve-", dir=where)

    def close(self):
        self.worker.close()
        self._folder.cleanup()

    def decode(self, data):
        """Read uploaded bytes by :func:`segment.io.read_image`'s rules."""
        path = Path(self._folder.name) / f"upload-{secrets.token_hex(8)}"
        try:
            path.write_bytes(data)
            return read_image(path, max_pixels=self.max_pixels, return_info=True)
        except ImageReadError as exc:
            message = first_line(exc).replace(str(path), "the upload")
            status = 413 if "over the limit" in message else 400
            raise ServeError(status, message) from None
        finally:
            path.unlink(missing_ok=True)

    def compute(self, data, parameters):
        start = time.perf_counter()
        image, info = self.decode(data)
        result = _segment(image, **parameters)
        return result, info.notes, time.perf_counter() - start


def _writable(folder):
    return os.access(folder, os.W_OK | os.X_OK)


async def _read_upload(request, service):
    """The image bytes and the other fields of a multipart upload, kept in memory;
    413 as soon as the body passes the byte limit."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ServeError(400, "send the image as multipart/form-data in the field 'image'")
    limit = service.max_bytes + _FORM_OVERHEAD
    too_large = ServeError(413, f"the upload is over the limit of {service.max_bytes} bytes")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large

    async def body():
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large
            yield chunk

    parser = MultiPartParser(Headers(raw=request.scope["headers"]), body(), max_files=1,
                             max_fields=20, max_part_size=64 * 1024)
    parser.spool_max_size = limit  # files stay in memory
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ServeError(400, f"malformed upload: {first_line(exc)}") from None
    try:
        upload = form.get("image")
        if not isinstance(upload, UploadFile):
            raise ServeError(400, "the form has no file field 'image'")
        data = await upload.read()
        if len(data) > service.max_bytes:
            raise too_large
        if not data:
            raise ServeError(400, "the uploaded image is empty (0 bytes)")
        return data, _safe_name(upload.filename), form
    except BaseException:
        await form.close()
        raise


# ---------------------------------------------------------------- the routes


async def _page(request):
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _config(request):
    service = request.app.state.service
    return JSONResponse({
        "max_pixels": service.max_pixels, "max_bytes": service.max_bytes,
        "max_memory": service.store.max_memory, "queue_size": service.worker.capacity - 1,
        "timeout": service.timeout, "defaults": DEFAULTS, "version": __version__,
    })


async def _create(request):
    service = request.app.state.service
    data, name, form = await _read_upload(request, service)
    try:
        parameters = _form_parameters(form)
    finally:
        await form.close()
    result, notes, seconds = await service.worker.run(
        lambda: service.compute(data, parameters), service.timeout)
    entry = _Entry(id=secrets.token_urlsafe(9), name=name, current=result,
                   requested=parameters, seconds=seconds, notes=notes)
    service.store.add(entry)
    return JSONResponse(_summary(entry), status_code=200)


async def _show(request):
    service = request.app.state.service
    return JSONResponse(_summary(service.store.get(request.path_params["id"])))


async def _forget(request):
    service = request.app.state.service
    service.store.remove(request.path_params["id"])
    return JSONResponse({"deleted": request.path_params["id"]})


async def _cut(request):
    service = request.app.state.service
    entry = service.store.get(request.path_params["id"])
    threshold = _query_number(request, "merge_threshold", float)
    n_regions = _query_number(request, "n_regions", int)
    if (threshold is None) == (n_regions is None):
        raise ServeError(422, "give one of merge_threshold (0-1) and n_regions (>= 1)")
    entry.cut_serial += 1
    serial = entry.cut_serial
    try:
        result = await run_in_threadpool(entry.current.cut, threshold, n_regions=n_regions)
    except (TypeError, ValueError) as exc:
        raise ServeError(422, first_line(exc)) from None
    if serial == entry.cut_serial:  # a later cut request wins over an earlier one
        entry.current = result
        entry.cache.clear()
        entry.measure()
        service.store.shrink(keep=entry.id)
    return JSONResponse(_summary(entry))


async def _region(request):
    service = request.app.state.service
    entry = service.store.get(request.path_params["id"])
    result = entry.current
    height, width = result.shape
    x = _query_number(request, "x", int)
    y = _query_number(request, "y", int)
    if x is None or y is None:
        raise ServeError(422, "give the pixel as x (column) and y (row)")
    if not (0 <= x < width and 0 <= y < height):
        raise ServeError(422, f"pixel x={x}, y={y} is outside the {width}x{height} image")
    if "colours" not in entry.cache:
        entry.cache["colours"] = export.mode_colours(result.modes)
    lab, rgb = entry.cache["colours"]
    label = int(result.labels[y, x])
    k = label - result.parameters.get("start_label", 0)  # the region's row
    if k < 0:
        return JSONResponse({"id": 0, "size": 0, "colour": None, "lab": None, "x": x, "y": y})
    return JSONResponse({
        "id": label, "size": int(result.sizes[k]), "colour": export.hex_colour(rgb[k]),
        "lab": [round(float(v), 2) for v in lab[k]], "x": x, "y": y,
    })


async def _file(request):
    service = request.app.state.service
    entry = service.store.get(request.path_params["id"])
    name = request.path_params["file"]
    if name not in _FILES:
        raise ServeError(404, f"no file {name!r}; one of {', '.join(_FILES)}")
    on = request.query_params.get("on", "image")
    if on not in ("image", "painted"):
        raise ServeError(422, f"on must be 'image' or 'painted'; got {on!r}")
    key = (name, on)
    result = entry.current
    data = entry.cache.get(key)
    if data is None:
        data = await run_in_threadpool(_render, result, name, on)
        if entry.current is result:
            entry.cache[key] = data
            entry.measure()
            service.store.shrink(keep=entry.id)
    headers = {"Cache-Control": "no-store"}
    if request.query_params.get("download"):
        stem = Path(entry.name).stem or "image"
        filename = _download_name(stem, name)
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(data, media_type=_FILES[name], headers=headers)


async def _serve_error(request, exc):
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def _http_error(request, exc):
    detail = exc.detail if exc.status_code != 404 else f"no such route: {request.url.path}"
    return JSONResponse({"error": detail}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _internal_error(request, exc):
    return JSONResponse({"error": f"internal error: {first_line(exc)}"}, status_code=500)


def create_app(*, max_pixels=SERVE_DEFAULTS["max_pixels"], max_bytes=SERVE_DEFAULTS["max_bytes"],
               max_memory=SERVE_DEFAULTS["max_memory"], queue_size=SERVE_DEFAULTS["queue_size"],
               timeout=SERVE_DEFAULTS["timeout"], allowed_hosts=None):
    """The Starlette application of ``segment serve``.

    Parameters
    ----------
    max_pixels : int, optional
        Largest image accepted, in pixels (413 beyond).
    max_bytes : int, optional
        Largest upload accepted, in bytes (413 beyond, before it is all received).
    max_memory : int, optional
        Bytes of arrays kept for all results together; beyond it the least recently
        used results are forgotten (their ids then answer 404).
    queue_size : int, optional
        Segmentations waiting while one computes; more are refused with 503.
    timeout : float, optional
        Seconds a segmentation request may wait and compute; then 504.
    allowed_hosts : list of str, optional
        Accepted ``Host`` headers (``None``: any). ``segment serve`` on a loopback
        address accepts only loopback names, which keeps other web sites'
        pages from reaching it through DNS rebinding.

    Returns
    -------
    Starlette

    Notes
    -----
    One segmentation computes at a time, in a thread of its own, so that the
    server keeps answering cuts, images and hover requests meanwhile; cuts
    (:meth:`segment.segmentation.Segmentation.cut`, O(N)) and file rendering run in
    Starlette's thread pool. An upload is read into memory, written for the
    moment it is decoded to a private temporary folder (on ``/dev/shm`` where it
    exists) and removed at once. A segmentation past `timeout` answers 504: a
    queued one is cancelled, one already computing finishes in the background and
    its result is dropped.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> with TestClient(create_app()) as client:
    ...     client.get("/api/config").json()["max_pixels"]
    25000000
    """
    service = _Service(max_pixels=max_pixels, max_bytes=max_bytes, max_memory=max_memory,
                       queue_size=queue_size, timeout=timeout)

    @asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            service.close()

    routes = [
        Route("/", _page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/api/config", _config),
        Route("/api/segment", _create, methods=["POST"]),
        Route("/api/segment/{id}", _show, methods=["GET"]),
        Route("/api/segment/{id}", _forget, methods=["DELETE"]),
        Route("/api/segment/{id}/cut", _cut),
        Route("/api/segment/{id}/region", _region),
        Route("/api/segment/{id}/{file}", _file),
    ]
    middleware = [Middleware(_SecurityHeaders)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan,
        exception_handlers={ServeError: _serve_error, HTTPException: _http_error,
                            Exception: _internal_error},
    )
    app.state.service = service
    return app


class _SecurityHeaders:
    """Every response: no MIME sniffing, no framing, scripts and styles from this
    server only."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy",
         b"default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
         b"frame-ancestors 'none'"),
    ]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)
