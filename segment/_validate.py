"""Checks of the segmentation parameters, shared by :func:`segment.segment`, the batch
and the command line. Standard library only, so a caller can validate before
importing the kernels; each error names the parameter, the value and what is accepted.
"""

from __future__ import annotations

import math
import numbers

from ._defaults import KERNELS, METHODS

__all__ = ["check_parameters"]


def check_real(name, value, *, zero_ok=False, none_ok=False):
    """A finite real number, > 0 (or >= 0 with `zero_ok`), as float; with `none_ok`,
    None passes through (the messages then say so)."""
    if none_ok and value is None:
        return None
    kind = "non-negative" if zero_ok else "positive"
    alternative = " or None (automatic)" if none_ok else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a {kind} number{alternative}; got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise ValueError(f"{name} must be a {kind} finite number{alternative}; got {value!r}")
    return float(value)


def check_unit(name, value):
    """A real number in [0, 1], as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1]; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    return float(value)


def check_int(name, value, lowest):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {lowest}; got {value!r}")
    if value < lowest:
        raise ValueError(f"{name} must be an integer >= {lowest}; got {value!r}")
    return int(value)


def check_choice(name, value, choices):
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_parameters(spatial_bandwidth, range_bandwidth, min_size, merge_threshold, kernel,
                     method, max_iter, tol, n_threads=None, start_label=1):
    """Validate the parameters of :func:`segment.segment`; return them normalised
    (floats as float, integers as int) in a dict.

    Raises
    ------
    TypeError, ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_parameters(10, None, None, 0.5, "flat", "exact", 100, 0.01)["spatial_bandwidth"]
    10.0
    >>> check_parameters(-1, None, None, 0.5, "flat", "exact", 100, 0.01)
    Traceback (most recent call last):
    ...
    ValueError: spatial_bandwidth must be a positive finite number or None (automatic); got -1
    """
    return {
        "spatial_bandwidth": check_real("spatial_bandwidth", spatial_bandwidth, none_ok=True),
        "range_bandwidth": check_real("range_bandwidth", range_bandwidth, none_ok=True),
        "min_size": None if min_size is None else check_int("min_size", min_size, 0),
        "merge_threshold": check_unit("merge_threshold", merge_threshold),
        "kernel": check_choice("kernel", kernel, KERNELS),
        "method": check_choice("method", method, METHODS),
        "max_iter": check_int("max_iter", max_iter, 1),
        "tol": check_real("tol", tol),
        "n_threads": None if n_threads is None else check_int("n_threads", n_threads, 1),
        "start_label": check_choice("start_label", start_label, (0, 1)),
    }
