"""``python -m segment``: the ``segment`` command (see :mod:`segment.cli`)."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover - run as a program
    main(prog_name="segment")
