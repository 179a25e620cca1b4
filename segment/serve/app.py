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

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import SERVE_DEFAULTS
from .routes import (
    STATIC,
    _config,
    _create,
    _cut,
    _file,
    _forget,
    _http_error,
    _internal_error,
    _page,
    _region,
    _serve_error,
    _show,
    command_line,
)
from .service import _Service
from .store import ServeError

__all__ = ["create_app", "command_line", "ServeError"]


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
