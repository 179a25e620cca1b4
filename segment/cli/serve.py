"""``segment serve``: the interactive page and the HTTP API, served by uvicorn."""

from __future__ import annotations

import click

from ..serve import SERVE_DEFAULTS  # stdlib only: keeps --help fast

__all__ = ["serve_command"]


def _missing_serve_modules():
    import importlib.util

    return [name for module, name in (("starlette", "starlette"), ("uvicorn", "uvicorn"),
                                      ("multipart", "python-multipart"))
            if importlib.util.find_spec(module) is None]


def _is_loopback(host):
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default=SERVE_DEFAULTS["host"], show_default=True,
              help="Address to listen on; anything but a loopback address lets other "
                   "machines reach the page.")
@click.option("--port", type=click.IntRange(1, 65535), default=SERVE_DEFAULTS["port"],
              show_default=True, help="TCP port.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.option("--max-pixels", type=click.IntRange(min=2), default=SERVE_DEFAULTS["max_pixels"],
              show_default=True, help="Refuse images with more pixels than this (413).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=SERVE_DEFAULTS["max_bytes"],
              show_default=True, help="Refuse uploads larger than this many bytes (413).")
@click.option("--max-memory", type=click.IntRange(min=1), default=SERVE_DEFAULTS["max_memory"],
              show_default=True,
              help="Bytes of arrays kept for all results; the least recently used go first.")
@click.option("--queue", "queue_size", type=click.IntRange(min=0),
              default=SERVE_DEFAULTS["queue_size"], show_default=True,
              help="Segmentations that may wait while one computes; more get 503.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              default=SERVE_DEFAULTS["timeout"], show_default=True,
              help="Seconds a segmentation request may take before a 504.")
def serve_command(host, port, open_browser, max_pixels, max_bytes, max_memory, queue_size,
                  timeout):
    """Serve an interactive page: open an image, tune the parameters, cut the merge
    hierarchy with a slider, download the results.

    Also an HTTP API (POST /api/segment, GET /api/segment/ID/cut, ...; see the
    README). Needs the serve extra: pip install 'segment[serve]'. Stop with Ctrl+C.
    """
    missing = _missing_serve_modules()
    if missing:
        raise click.ClickException(
            f"segment serve needs {', '.join(missing)}: pip install 'segment[serve]'")
    import threading
    import time
    import webbrowser

    import uvicorn

    from ..serve import create_app

    loopback = _is_loopback(host)
    if not loopback:
        click.echo(f"segment serve: warning: listening on {host}, not a loopback address: "
                   f"other machines that reach it can upload images", err=True)
    allowed = [host, "localhost", "127.0.0.1"] if loopback and ":" not in host else None
    app = create_app(max_pixels=max_pixels, max_bytes=max_bytes, max_memory=max_memory,
                     queue_size=queue_size, timeout=timeout, allowed_hosts=allowed)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           lifespan="on"))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"

    def announce():
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            click.echo(f"segment serve: {url} (Ctrl+C to stop)", err=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    if not server.started:
        raise click.ClickException(f"could not listen on {host}:{port}")
