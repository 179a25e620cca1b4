"""Throughput of ``segment batch`` with 1 and with 2 worker processes, from the same run.

From the repository root::

    python -m benchmarks.batch_scaling [PHOTO_DIR] [--images 16] [--repeats 3] [--when-idle]

Without PHOTO_DIR, builds 16 photo-sized (481 x 321, the BSDS500 size) variants of
the bundled ``sample_images/*.png``: crops at different offsets and scales, some
mirrored, so that every image differs and the benchmark runs anywhere. After a
warm-up batch (the operating system's file cache), it measures, `repeats` times and
interleaved, each configuration:

- ``--jobs 1``: one worker process (one kernel thread: one core);
- ``--jobs 2``: two worker processes, one core each.

Two throughputs per configuration, both from fresh processes:

- end to end: images / wall time of the ``segment batch`` command, start-up
  included (Python, and each worker's imports, whatever the job count);
- steady state: the rate at which images finish once the workers run (from the
  3rd image to the last, timed by :func:`segment.batch.run_batch`'s progress
  callback), which is what a folder of thousands of photos sees.

The best of the repeats is kept for each, and the ratios printed. On a shared
machine pass ``--when-idle``: each round then starts only once the CPUs have been
idle for 3 s, and rounds disturbed by other work are reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import ROOT, run_module, segment_command, usable_cpus

SIZE = (481, 321)  # width, height
CONFIGS = [
    ("jobs 1", 1, {}),
    ("jobs 2", 2, {}),
]


def build_photos(folder, count):
    from PIL import Image, ImageOps

    sources = sorted((ROOT / "sample_images").glob("*.png"))
    if not sources:
        sys.exit(f"no sample images in {ROOT / 'sample_images'}")
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        k = i // len(sources)
        with Image.open(sources[i % len(sources)]) as img:
            img = img.convert("RGB")
            scale = max(SIZE[0] / img.width, SIZE[1] / img.height) * (1.0 + 0.15 * (k % 3))
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
            left = (img.width - SIZE[0]) * ((k * 37) % 101) // 100
            top = (img.height - SIZE[1]) * ((k * 53) % 101) // 100
            img = img.crop((left, top, left + SIZE[0], top + SIZE[1]))
            if k % 2:
                img = ImageOps.mirror(img)
            img.save(folder / f"photo{i:02d}.png")
    return folder


def end_to_end(photos, outdir, jobs, env):
    """Images per second of the whole ``segment batch`` command."""
    shutil.rmtree(outdir, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([*segment_command(), "batch", str(photos), str(outdir), "--jobs", str(jobs), "-q"],
                   check=True, env={**os.environ, **env})
    seconds = time.perf_counter() - start
    summary = json.loads((outdir / "segment-manifest.json").read_text())["summary"]
    if summary["done"] != summary["total"]:
        sys.exit(f"batch did not finish every image: {summary}")
    return summary["total"] / seconds


def steady_state(photos, outdir, jobs, env):
    """Images per second once the workers run, measured in a fresh process."""
    shutil.rmtree(outdir, ignore_errors=True)
    out = run_module("batch_scaling", "--steady", photos.resolve(), outdir.resolve(), jobs,
                     env={**os.environ, **env})
    return float(out.split()[-1])


def _steady_main(photos, outdir, jobs, skip=2):
    from segment.batch import run_batch

    finished = []
    run_batch(photos, outdir, jobs=jobs, progress=lambda *_: finished.append(time.perf_counter()))
    if len(finished) <= skip + 1:
        sys.exit("too few images for a steady-state rate")
    print((len(finished) - skip) / (finished[-1] - finished[skip - 1]))


def busy_fraction(seconds):
    """Fraction of CPU time not idle over the next `seconds` (Linux; 0 elsewhere)."""
    def read():
        values = list(map(int, open("/proc/stat").readline().split()[1:9]))
        return sum(values), values[3] + values[4]

    try:
        total1, idle1 = read()
        time.sleep(seconds)
        total2, idle2 = read()
    except OSError:
        return 0.0
    return 1.0 - (idle2 - idle1) / max(total2 - total1, 1)


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="?", type=Path, help="folder of photos (default: built)")
    parser.add_argument("--images", type=int, default=16, help="photos to build (default 16)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every configuration")
    parser.add_argument("--when-idle", action="store_true",
                        help="start each round only on an idle machine (waits up to 30 min)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="segment-batch-bench-"))
    try:
        photos = args.photos or build_photos(work / "photos", args.images)
        from segment.batch import find_images

        n_images = len(find_images(photos))
        print(f"{n_images} images from {photos}; {usable_cpus()} CPUs")
        warm_in = work / "warm_in"
        warm_in.mkdir()
        first = photos / find_images(photos)[0]
        shutil.copy(first, warm_in / first.name)
        end_to_end(warm_in, work / "warm", 1, {})  # reads the photos into the file cache

        best = {}
        deadline = time.monotonic() + 1800
        rounds = 0
        while rounds < args.repeats:
            if args.when_idle:
                if time.monotonic() > deadline:
                    print("gave up waiting for an idle machine")
                    break
                if busy_fraction(3) > 0.08:
                    continue
            rates = {}
            for name, jobs, env in CONFIGS:
                rates[name] = (end_to_end(photos, work / "out", jobs, env),
                               steady_state(photos, work / "lib", jobs, env))
            rounds += 1
            disturbed = args.when_idle and busy_fraction(1) > 0.08
            print(f"round {rounds}" + (" (other work started meanwhile)" if disturbed else ""))
            for name, (e2e, steady) in rates.items():
                print(f"  {name:38s} end to end {e2e:5.2f} images/s   steady state {steady:5.2f} images/s")
                old = best.get(name, (0.0, 0.0))
                best[name] = (max(old[0], e2e), max(old[1], steady))
        if rounds:
            one, two = (best[name] for name, _, _ in CONFIGS)
            print("best of the rounds:")
            for i, what in enumerate(["end to end", "steady state"]):
                print(f"  {what:12s}: jobs 1 {one[i]:5.2f}, jobs 2 {two[i]:5.2f} images/s; "
                      f"ratio jobs2/jobs1 = {two[i] / one[i]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--steady":
        _steady_main(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
