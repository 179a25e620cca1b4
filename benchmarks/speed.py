"""Speed and memory of ``segment()`` against OpenCV's mean shift filtering, from the same run.

From the repository root::

    python -m benchmarks.speed                  # all sizes + start-up (about 3 minutes)
    python -m benchmarks.speed --quick          # 481 x 321 and start-up only
    python -m benchmarks.speed --sizes 0.15,1   # a subset of the sizes, plus start-up
    python -m benchmarks.speed --image my.jpg   # any photo as the base image

What it measures, all at the package defaults (read at run time from
``segment.DEFAULTS``):

1. For each size (0.15 MP = 481 x 321, the BSDS500 size; 1, 4 and 12 MP), the
   median wall time of the whole call ``segment(image).paint()`` (features, modes,
   regions, painted output) and of ``cv2.pyrMeanShiftFiltering(bgr, sp=10,
   sr=h_r, maxLevel=0)`` on the same uint8 image, with the h_r that ``segment``
   used: OpenCV's filter at the BSDS500 window, on every pixel of the input, the
   peer that shows what running mean shift at full resolution costs (``segment``'s
   automatic h_s grows with the image, and its mean shift runs on a copy reduced
   to a window of 10 pixels). Ours runs once as a warm-up, then `repeats` times;
   OpenCV runs `repeats` times at 0.15 and 1 MP and once at 4 and 12 MP, after
   one warm-up call at 0.15 MP; default threading (segment's OpenMP kernels on every core; OpenCV's
   filter as it comes). Printed: both medians and their ratio, ours / OpenCV.
2. Peak resident memory: a child process reads the image from a PNG file, runs
   ``segment()`` and ``paint()`` once and reports ``ru_maxrss`` of its whole
   process (interpreter, NumPy, OpenCV and all).
3. Scaling: our seconds per megapixel at each size, and its ratio to the
   0.15 MP value (1.0 means linear; the reduced working copy makes it fall).
   And the stages of one 12 MP call: colour conversion, the reduction (working
   copy and its h_r), mean shift, regions (grouping and merging), the
   full-resolution assignment, painting.
4. Start-up, as ``benchmarks.startup`` measures it: ``segment --help``; a fresh
   process that imports the package and segments a 481 x 321 PNG, against one that
   only imports numpy, cv2 and PIL, and where its time goes; the first run after an
   install with nothing cached; a ``segment batch -j 2`` worker's start-up.

The 0.15 MP image is a centre crop of ``sample_images/coffee.png`` resized to
exactly 481 x 321. The larger ones are ``cv2.resize`` (INTER_CUBIC) upscales of
the same photo, centre-cropped to 3:2 (or 4:3 at 12 MP): smoother than real photos
of that size, so they converge in fewer iterations and make fewer regions.

Timings are noisy on a shared machine; the load average is printed in the header.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from . import startup
from ._common import BSDS_SIZE, DEFAULT_IMAGE, ROOT, fit, load_base, run_module, write_png

#: Label (megapixels) -> (width, height).
SIZES = {
    "0.15": BSDS_SIZE,
    "1": (1224, 816),
    "4": (2448, 1632),
    "12": (4000, 3000),
}
#: Timed runs per size when --repeats is not given (after one warm-up run).
DEFAULT_REPEATS = {"0.15": 5, "1": 5, "4": 3, "12": 3}
#: OpenCV's runs per size (its filter alone takes about 30 s at 12 MP on 2 cores).
OPENCV_REPEATS = {"0.15": 5, "1": 3, "4": 1, "12": 1}
#: OpenCV's spatial window: the BSDS500 default h_s.
OPENCV_SP = 10

# The project's speed targets, checked in the summary.
MAX_RATIO = 0.3  # ours / OpenCV at 0.15 MP
MAX_RATIO_12MP = 0.06  # ours / OpenCV at 12 MP
MAX_SIZE_RATIO_12MP = 6.0  # our 12 MP time over our 0.15 MP time
MAX_RSS_MB_12MP = 700
MAX_SCALING = 1.3  # s/MP at 12 MP over s/MP at 0.15 MP


# ---------------------------------------------------------------- timing


def time_once(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def time_size(rgb, repeats, opencv_repeats):
    """Median seconds of ours (after one warm-up) and of OpenCV's filtering, their runs
    interleaved, and the bandwidths ours used.

    OpenCV gets sp = OPENCV_SP and the h_r that ``segment`` used on this image (with
    the automatic range bandwidth, the default, the h_r estimated from the image).
    """
    import cv2

    from segment import segment

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    # warm-up (the allocator, page faults, OpenCV's and the kernels' thread pools)
    used = segment(rgb).parameters
    h_s, h_r = used["spatial_bandwidth"], used["range_bandwidth"]

    def ours():
        segment(rgb).paint()

    def opencv():
        cv2.pyrMeanShiftFiltering(bgr, sp=OPENCV_SP, sr=h_r, maxLevel=0)

    ours_s, opencv_s = [], []
    for i in range(max(repeats, opencv_repeats)):
        if i < repeats:
            ours_s.append(time_once(ours))
        if i < opencv_repeats:
            opencv_s.append(time_once(opencv))
    return statistics.median(ours_s), statistics.median(opencv_s), (h_s, h_r)


def time_stages(rgb):
    """Seconds of each stage of one ``segment(rgb).paint()`` at the defaults, the
    stages called one by one as :func:`segment.segment` calls them."""
    from segment import DEFAULTS, render
    from segment.bandwidth import estimate_range_bandwidth
    from segment.colour import lab_lattice
    from segment.meanshift import seek_modes
    from segment.regions import cut_regions, region_hierarchy
    from segment.resolution import (default_spatial_bandwidth, working_lab, working_min_size,
                                    working_scale, working_shape)
    from segment.segmentation import _full_resolution, default_min_size

    stages = {}

    def timed(name, func, *args, **kwargs):
        start = time.perf_counter()
        out = func(*args, **kwargs)
        stages[name] = time.perf_counter() - start
        return out

    lab = timed("conversion", lab_lattice, rgb)
    height, width = lab.shape[:2]
    h_s = default_spatial_bandwidth(height, width)
    scale = working_scale(h_s)
    shape = working_shape(height, width, scale)
    start = time.perf_counter()
    work = working_lab(rgb, shape)
    h_r = estimate_range_bandwidth(work)
    stages["downscale"] = time.perf_counter() - start
    min_size = working_min_size(default_min_size(height, width), height, width, shape)
    points = timed("mean shift", seek_modes, work, h_s * scale, h_r, method=DEFAULTS["method"])
    finest, tree, counts, sums = timed("regions", region_hierarchy, points, work, h_r,
                                       min_size)
    full, sizes = timed("assignment", _full_resolution, lab, finest, work, tree, None)
    start = time.perf_counter()
    labels, _, modes = cut_regions(full, tree, sizes, sums,
                                   tree.steps(threshold=DEFAULTS["merge_threshold"]), counts)
    render.paint(labels, modes)
    stages["cut and paint"] = time.perf_counter() - start
    return stages


def opencv_repeats(label, repeats=None):
    """OpenCV's timed runs at a size: as many as ours at 0.15 and 1 MP, else OPENCV_REPEATS."""
    if repeats is not None and label in ("0.15", "1"):
        return repeats
    return OPENCV_REPEATS[label]


def _warm_up_opencv(rgb):
    import cv2

    cv2.pyrMeanShiftFiltering(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), sp=OPENCV_SP, sr=7.0,
                              maxLevel=0)


def child_peak_rss_mb(png):
    """Peak resident memory (MB) of a fresh process that reads `png`, segments and paints it."""
    out = run_module("speed", "--child", png)
    return json.loads(out.strip().splitlines()[-1])["peak_rss_mb"]


def run_child(png):
    """Body of the hidden --child mode: one segment() + paint(), then report ru_maxrss."""
    import resource

    from segment import read_image, segment

    segment(read_image(png)).paint()
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_mb": kib / 1024}))


# ---------------------------------------------------------------- report


def header(base):
    import cv2
    import numpy as np

    import segment
    from segment import DEFAULTS, _native

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        f"date        {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine     {platform.node()}  {platform.system()} {platform.machine()}",
        f"cpu         {cpu}, {os.cpu_count()} cores (usable: {len(os.sched_getaffinity(0))})",
        f"load avg    {load}",
        f"versions    python {platform.python_version()}, numpy {np.__version__}, "
        f"opencv {cv2.__version__}, segment {segment.__version__}",
        f"threads     segment {_native.get_num_threads()} (OpenMP), opencv {cv2.getNumThreads()}",
        f"defaults    {DEFAULTS}",
        f"opencv call cv2.pyrMeanShiftFiltering(bgr, sp={OPENCV_SP}, sr=h_r, maxLevel=0) with "
        "the h_r that segment used on the same image (automatic by default)",
        f"base image  {_shown(base)}",
    ])


def _shown(path):
    """`path` relative to the repository root when it lies inside it, else as given."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def table(rows, columns):
    """Plain text table; `columns` is a list of (title, format) and rows are tuples."""
    cells = [[title for title, _ in columns]]
    cells += [[fmt.format(v) if v is not None else "-" for v, (_, fmt) in zip(row, columns)] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(ok):
    return "yes" if ok else "NO"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES),
                        help=f"comma-separated sizes in MP, from {', '.join(SIZES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="only 481 x 321 and start-up")
    parser.add_argument("--repeats", type=int, default=None,
                        help="our timed runs per size (default: 5 at 0.15 and 1 MP, 3 at 4 and "
                             "12 MP); OpenCV runs as often at 0.15 and 1 MP, once above")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="base photo (default: %(default)s)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        run_child(args.child)
        return 0

    sizes = ["0.15"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be at least 1; got {args.repeats}")

    print(header(args.image))
    print("Repeats: ours one warm-up, then the median of "
          + ", ".join(f"{args.repeats or DEFAULT_REPEATS[s]} at {s} MP" for s in sizes)
          + "; OpenCV " + ", ".join(f"{opencv_repeats(s, args.repeats)} at {s} MP" for s in sizes)
          + " (its filter alone takes about 30 s at 12 MP on 2 cores).", flush=True)

    base = load_base(args.image)
    rows = {}
    stages = None
    with tempfile.TemporaryDirectory(prefix="segment-speed-") as tmp:
        # start-up first, before the large images leave the machine's memory and
        # caches churned (measured after the 12 MP runs, it reads about 25 % slower)
        small = write_png(fit(base, *SIZES["0.15"]), Path(tmp) / "startup.png")
        starting = startup.measure(small)
        _warm_up_opencv(fit(base, *SIZES["0.15"]))
        for label in sizes:
            width, height = SIZES[label]
            rgb = fit(base, width, height)
            png = write_png(rgb, Path(tmp) / f"{width}x{height}.png")
            print(f"  {width} x {height} ...", end="", flush=True)
            ours_s, opencv_s, (h_s, h_r) = time_size(rgb, args.repeats or DEFAULT_REPEATS[label],
                                                     opencv_repeats(label, args.repeats))
            rss_mb = child_peak_rss_mb(png)
            if label == "12":
                stages = time_stages(rgb)
            print(f" h_s {h_s:.4g}, h_r {h_r:.2f}: ours {ours_s:.3f} s, opencv {opencv_s:.3f} s",
                  flush=True)
            rows[label] = (width, height, ours_s, opencv_s, rss_mb)

    print("\nSpeed (medians; ratio = ours / OpenCV; peak RSS of a child process that segments once)")
    print(table(
        [(f"{w}x{h}", w * h / 1e6, o, c, o / c, r) for w, h, o, c, r in rows.values()],
        [("size", "{}"), ("MP", "{:.2f}"), ("ours s", "{:.3f}"), ("OpenCV s", "{:.3f}"),
         ("ratio", "{:.3f}"), ("peak RSS MB", "{:.0f}")],
    ))

    reference_label = "0.15" if "0.15" in rows else sizes[0]
    w0, h0, o0 = rows[reference_label][:3]
    per_mp_ref = o0 / (w0 * h0 / 1e6)
    print(f"\nScaling (our time per megapixel; ratio to the {reference_label} MP value)")
    print(table(
        [(f"{w}x{h}", w * h / 1e6, o / (w * h / 1e6), o / (w * h / 1e6) / per_mp_ref)
         for w, h, o, _, _ in rows.values()],
        [("size", "{}"), ("MP", "{:.2f}"), ("s / MP", "{:.3f}"), ("ratio", "{:.2f}")],
    ))

    if stages is not None:
        print("\nStages of one 12 MP call (s)")
        print("  " + ", ".join(f"{name} {sec:.3f}" for name, sec in stages.items())
              + f"; total {sum(stages.values()):.3f}")

    print()
    print("\n".join(startup.report(starting)))

    print("\nTargets")
    if "0.15" in rows:
        o, c = rows["0.15"][2:4]
        print(f"  0.15 MP  ratio {o / c:.3f} <= {MAX_RATIO}: {verdict(o / c <= MAX_RATIO)}")
    if "12" in rows:
        o, c, rss = rows["12"][2:5]
        print(f"  12 MP  ratio {o / c:.3f} <= {MAX_RATIO_12MP}: {verdict(o / c <= MAX_RATIO_12MP)}")
        if "0.15" in rows:
            times = o / rows["0.15"][2]
            print(f"  12 MP  time {times:.2f}x the 0.15 MP call <= {MAX_SIZE_RATIO_12MP}: "
                  f"{verdict(times <= MAX_SIZE_RATIO_12MP)}")
        print(f"  12 MP  peak RSS {rss:.0f} MB < {MAX_RSS_MB_12MP} MB: {verdict(rss < MAX_RSS_MB_12MP)}")
        if reference_label == "0.15":
            scaling = rows["12"][2] / (rows["12"][0] * rows["12"][1] / 1e6) / per_mp_ref
            print(f"  12 MP  s/MP over 0.15 MP's {scaling:.2f} <= {MAX_SCALING}: {verdict(scaling <= MAX_SCALING)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
