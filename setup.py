"""Builds segment._native, the compiled kernels (C++17, OpenMP), at install time.

Everything else about the package is declared in pyproject.toml.
"""

import glob
import platform

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

# compile the kernel files side by side (NPY_NUM_BUILD_JOBS overrides the count)
ParallelCompile("NPY_NUM_BUILD_JOBS", default=0).install()

compile_args = ["-O3", "-fopenmp", "-fno-math-errno", "-fno-trapping-math"]
if platform.machine() in ("x86_64", "AMD64"):
    # no fused multiply-add where the source does not ask for one: the AVX2 clones
    # of the kernels give the same floating-point results as the baseline ones
    compile_args.append("-ffp-contract=off")

setup(
    ext_modules=[
        Pybind11Extension(
            "segment._native",
            sorted(glob.glob("src/native/*.cpp")),
            include_dirs=["src/native"],
            cxx_std=17,
            extra_compile_args=compile_args,
            extra_link_args=["-fopenmp"],
        )
    ],
    cmdclass={"build_ext": build_ext},
)
