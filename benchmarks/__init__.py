"""Benchmarks of ``segment``: run each from the repository root as a module.

    python -m benchmarks.speed --quick
    python -m benchmarks.accuracy --split val

``benchmarks/README.md`` says what each measures and gives the latest figures. The
helpers they share are in :mod:`benchmarks._common`.
"""
