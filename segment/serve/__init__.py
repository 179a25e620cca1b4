"""``segment serve``: an interactive page and an HTTP API over :func:`segment.segment`.

Standard library only at import, so that the command line's ``--help`` stays fast;
:func:`create_app` imports Starlette and the segmentation on first use. Needs the
``serve`` extra (``pip install 'segment[serve]'``: Starlette, uvicorn,
python-multipart).
"""

from __future__ import annotations

__all__ = ["SERVE_DEFAULTS", "create_app"]

#: Defaults of :func:`create_app` and of ``segment serve``.
SERVE_DEFAULTS = {
    "host": "127.0.0.1",
    "port": 8000,
    #: largest image accepted, in pixels
    "max_pixels": 25_000_000,
    #: largest upload accepted, in bytes
    "max_bytes": 50 * 1024 * 1024,
    #: bytes of stored arrays kept for all results; the least recently used go first
    "max_memory": 1024 * 1024 * 1024,
    #: segmentations waiting behind the one that computes; more are refused (503)
    "queue_size": 4,
    #: seconds a segmentation request may wait and compute before a 504
    "timeout": 300.0,
}


def create_app(**options):
    """The Starlette application; see :func:`segment.serve.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(**options)
