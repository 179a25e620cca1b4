"""The route handlers of ``segment serve`` (the routes are listed in
:mod:`segment.serve.app`) and the summary of a result that they answer.

Each handler finds the application's :class:`~segment.serve.service._Service` on
``request.app.state.service``; a :class:`ServeError` raised anywhere becomes the
JSON error response of ``_serve_error``.
"""

from __future__ import annotations

import secrets
import shlex
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, Response

from .. import export
from .._defaults import DEFAULTS, first_line
from .._version import __version__
from .files import _FILES, _download_name, _render
from .inputs import _form_parameters, _query_number, _read_upload
from .store import ServeError, _Entry

__all__ = ["command_line"]

STATIC = Path(__file__).resolve().parent / "static"


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
