"""``python -m segment.cli``: the ``segment`` command, as ``python -m segment``."""

from . import main

if __name__ == "__main__":  # pragma: no cover - run as a program
    main(prog_name="segment")
