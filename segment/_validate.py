"""Checks of the segmentation parameters, shared by :func:`segment.segment`, the batch
and the command line. Standard library only, so a caller can validate before
importing the kernels; each error names the parameter, the value and what is accepted.
"""

from __future__ import annotations

import math
import numbers

from ._defaults import KERNELS, METHODS

__all__ = ["check_parameters", "PARAMETER_CHECKS"]


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


#: The check of every keyword parameter of :func:`segment.segment`, in the order
#: they are checked: each returns the value normalised or raises naming it.
PARAMETER_CHECKS = {
    "spatial_bandwidth": lambda v: check_real("spatial_bandwidth", v, none_ok=True),
    "range_bandwidth": lambda v: check_real("range_bandwidth", v, none_ok=True),
    "min_size": lambda v: None if v is None else check_int("min_size", v, 0),
    "merge_threshold": lambda v: check_unit("merge_threshold", v),
    "kernel": lambda v: check_choice("kernel", v, KERNELS),
    "method": lambda v: check_choice("method", v, METHODS),
    "max_iter": lambda v: check_int("max_iter", v, 1),
    "tol": lambda v: check_real("tol", v),
    "n_threads": lambda v: None if v is None else check_int("n_threads", v, 1),
    "start_label": lambda v: check_choice("start_label", v, (0, 1)),
}


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
    values = {
        "spatial_bandwidth": spatial_bandwidth, "range_bandwidth": range_bandwidth,
        "min_size": min_size, "merge_threshold": merge_threshold, "kernel": kernel,
        "method": method, "max_iter": max_iter, "tol": tol, "n_threads": n_threads,
        "start_label": start_label,
    }
    return {name: PARAMETER_CHECKS[name](value) for name, value in values.items()}
