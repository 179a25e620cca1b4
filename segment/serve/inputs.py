"""What a request to ``segment serve`` brings: the uploaded image, the segmentation
parameters of its form, and numbers in the query string; each checked, with a 4xx
:class:`ServeError` that names what to change."""

from __future__ import annotations

import inspect
import math
from pathlib import PurePosixPath, PureWindowsPath

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from .._defaults import DEFAULTS, first_line
from .._validate import check_parameters
from ..segmentation import segment as _segment
from .store import ServeError

#: Multipart framing allowed on top of the image's own bytes.
_FORM_OVERHEAD = 64 * 1024
_SEGMENT_DEFAULTS = {name: p.default for name, p in inspect.signature(_segment).parameters.items()
                     if p.default is not inspect.Parameter.empty}


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
