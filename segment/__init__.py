"""segment: mean shift image segmentation in the joint spatial-colour domain.

>>> import numpy as np
>>> from segment import segment
>>> image = np.zeros((32, 32, 3), np.uint8); image[:, 16:] = 255
>>> segment(image).n_regions
2

The heavy modules (the compiled kernels, OpenCV) are imported on first use, so that
``import segment`` and the command line's ``--help`` stay fast.
"""

from importlib import import_module

from ._version import __version__

_LAZY = {
    "segment": "segmentation",
    "Segmentation": "segmentation",
    "DEFAULTS": "segmentation",
    "read_image": "io",
    "write_image": "io",
    "write_labels": "io",
    "read_labels": "io",
    "ImageReadError": "io",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'segment' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
