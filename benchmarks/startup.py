"""Start-up costs of ``segment``: a fresh process, the first run after an install, a batch worker.

From the repository root::

    python -m benchmarks.startup              # every measure below (about 40 s)
    python -m benchmarks.startup --repeats 15 # fresh processes per median

``benchmarks.speed`` runs the same measures as its start-up section. Each is a new
process (median of `repeats` after one untimed run, unless said; the peer and the
fresh process by turns), on a 481 x 321 PNG (the centre crop of
``sample_images/coffee.png`` that ``benchmarks.speed`` uses at 0.15 MP). Every
process but the first run's finds Python's bytecode of every module it imports, as
after ``pip install`` (which writes it): they share a new, temporary
``PYTHONPYCACHEPREFIX`` that the untimed run fills, whatever
``PYTHONDONTWRITEBYTECODE`` says, so that NumPy, OpenCV, Pillow and ``segment`` are
measured alike.

- the peer: ``python -c "import numpy, cv2, PIL.Image"``, what any program that
  reads images with OpenCV or Pillow pays;
- ``segment --help``;
- a fresh ``python -c`` that imports ``segment`` and segments the photo, and its
  ratio to the peer;
- where that time goes, from inside one such process: the interpreter, importing
  numpy and PIL (of the peer's libraries, those it imports: segmenting a photo of
  the working size needs no OpenCV), importing ``segment``, reading the photo, the
  first ``segment()`` call and a second one; the first call's excess over the second
  is the one-off cost of the kernels (loading them, or compiling them);
- the first ``segment image`` after an install, with nothing cached: a new, empty
  ``PYTHONPYCACHEPREFIX`` (so not even Python's bytecode of numpy, OpenCV or the
  package exists: an upper bound, as ``pip install`` writes most of it); one run;
- a ``segment batch -j 2`` worker: the seconds from handing two worker processes
  their first image until each could have begun a second one, less the time the
  segmentation itself takes (its second call in the same worker); the larger of
  the two workers. Workers fork from a fork server that has imported NumPy, OpenCV,
  Pillow and the package once: measured first with the server's own start (once per
  batch), then as the median of 3 more pairs of workers from the running server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import BSDS_SIZE, DEFAULT_IMAGE, ROOT, fit, load_base, write_png

REPEATS = 9

# The project's start-up targets.
MAX_HELP_S = 0.3
MAX_FRESH_RATIO = 2.0  # fresh import + segment over import numpy, cv2, PIL
MAX_FIRST_RUN_S = 3.0
MAX_WORKER_S = 0.5

PEER_CODE = "import numpy, cv2, PIL.Image"


def cached_env(pycache):
    """The environment of a measured process: Python's bytecode cached under `pycache`."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _seconds(argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env, cwd=ROOT)
    return time.perf_counter() - start


def median_seconds(argv, repeats, env=None):
    """Median wall seconds of a subprocess, after one untimed run."""
    _seconds(argv, env)
    return statistics.median(_seconds(argv, env) for _ in range(repeats))


def paired_medians(first, second, repeats, env=None):
    """Median wall seconds of two subprocesses run by turns (after one untimed run of
    each), so that a machine that slows down or speeds up weighs on both alike."""
    _seconds(first, env)
    _seconds(second, env)
    times = [(_seconds(first, env), _seconds(second, env)) for _ in range(repeats)]
    return tuple(statistics.median(pair[k] for pair in times) for k in (0, 1))


def fresh_code(png):
    return f"from segment import segment, read_image; segment(read_image({str(png)!r}))"


def breakdown_child(png):
    """Body of the hidden --breakdown mode: the seconds of each step of a fresh process."""
    steps = {}
    mark = time.perf_counter()

    def step(name):
        nonlocal mark
        now = time.perf_counter()
        steps[name] = now - mark
        mark = now

    import numpy  # noqa: F401
    import PIL.Image  # noqa: F401

    step("import numpy, PIL")
    from segment import read_image, segment

    step("import segment")
    image = read_image(png)
    step("read the photo")
    segment(image)
    step("first segment()")
    segment(image)
    step("second segment()")
    print(json.dumps(steps))


def breakdown(png, repeats, env=None):
    """Median seconds of each step of a fresh process, and the interpreter's own start."""
    interpreter = median_seconds([sys.executable, "-c", "pass"], repeats, env)
    argv = [sys.executable, "-m", f"{__package__}.startup", "--breakdown", str(png)]
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT)  # untimed
    runs = []
    for _ in range(repeats):
        done = subprocess.run(argv, check=True, capture_output=True, text=True, env=env,
                              cwd=ROOT)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    steps = {"interpreter start and exit": interpreter}
    steps.update({name: statistics.median(run[name] for run in runs) for name in runs[0]})
    return steps


def first_run(png):
    """Seconds of the first `segment image` after an install: nothing cached at all."""
    console = Path(sys.executable).with_name("segment")
    with tempfile.TemporaryDirectory(prefix="segment-first-") as tmp:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        return _seconds([str(console), "image", str(png), "-o", str(Path(tmp) / "out")], env)


def _first_image(submitted, png):
    """A batch worker's first task: when it could begin a second image, and what one image costs."""
    from segment import read_image, segment

    image = read_image(png)
    segment(image)
    ready = time.time()
    start = time.perf_counter()
    segment(image)
    return ready - submitted, time.perf_counter() - start


def worker_startup(png, jobs=2):
    """Start-up seconds of the slowest of `jobs` fresh `segment batch` worker processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from segment.batch.executors import _init_worker, _mp_context

    from . import startup  # by its package name, so that the workers can import it

    context = _mp_context()
    keep, batch_end = multiprocessing.Pipe(duplex=False)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                             initargs=(1, keep)) as pool:
        submitted = time.time()
        futures = [pool.submit(startup._first_image, submitted, str(png)) for _ in range(jobs)]
        results = [future.result() for future in futures]
    batch_end.close()
    keep.close()
    return max(ready - one_image for ready, one_image in results)


def measure(png, repeats=REPEATS):
    """Every start-up measure, as a dict of seconds (and the breakdown's steps)."""
    console = Path(sys.executable).with_name("segment")
    with tempfile.TemporaryDirectory(prefix="segment-pycache-") as pycache:
        env = cached_env(pycache)
        peer, fresh = paired_medians([sys.executable, "-c", PEER_CODE],
                                     [sys.executable, "-c", fresh_code(png)], repeats, env)
        figures = {
            "peer": peer,
            "fresh": fresh,
            "help": median_seconds([str(console), "--help"], repeats, env),
            "steps": breakdown(png, repeats, env),
        }
    figures.update({
        "first_run": first_run(png),
        "worker_first": worker_startup(png),
        "worker": statistics.median(worker_startup(png) for _ in range(3)),
    })
    return figures


def verdict(ok):
    return "yes" if ok else "NO"


def report(figures, repeats=REPEATS):
    """The start-up section of the report, as lines."""
    peer, fresh = figures["peer"], figures["fresh"]
    lines = [f"Start-up (fresh processes: median of {repeats} after one untimed run)",
             f"  python -c '{PEER_CODE}'       {peer:.3f} s   (peer)",
             f"  segment --help                                {figures['help']:.3f} s",
             f"  import segment + segment 481x321              {fresh:.3f} s   "
             f"({fresh / peer:.2f}x the peer)",
             "  where a fresh process spends it (median of each step):"]
    lines += [f"    {name:<40}  {sec:.3f} s" for name, sec in figures["steps"].items()]
    lines += [f"  first segment image after install, nothing cached (1 run)  {figures['first_run']:.3f} s",
              f"  segment batch -j 2: the slower worker's start-up, with the fork server's "
              f"start (once per batch)  {figures['worker_first']:.3f} s",
              f"  segment batch -j 2: the slower worker's start-up, fork server running"
              f"                     {figures['worker']:.3f} s",
              "Start-up targets",
              f"  segment --help {figures['help']:.3f} s < {MAX_HELP_S} s: "
              f"{verdict(figures['help'] < MAX_HELP_S)}",
              f"  fresh import + segment {fresh / peer:.2f}x the peer <= {MAX_FRESH_RATIO}: "
              f"{verdict(fresh / peer <= MAX_FRESH_RATIO)}",
              f"  first run {figures['first_run']:.2f} s <= {MAX_FIRST_RUN_S} s: "
              f"{verdict(figures['first_run'] <= MAX_FIRST_RUN_S)}",
              f"  batch worker start-up {figures['worker']:.3f} s <= {MAX_WORKER_S} s: "
              f"{verdict(figures['worker'] <= MAX_WORKER_S)}"]
    return lines


def startup_png(directory):
    """The 481 x 321 start-up photo, written as a PNG into `directory`."""
    return write_png(fit(load_base(DEFAULT_IMAGE), *BSDS_SIZE), Path(directory) / "startup.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help="fresh processes per median")
    parser.add_argument("--breakdown", metavar="PNG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.breakdown:
        breakdown_child(args.breakdown)
        return 0
    with tempfile.TemporaryDirectory(prefix="segment-startup-") as tmp:
        figures = measure(startup_png(tmp), args.repeats)
    print("\n".join(report(figures, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
