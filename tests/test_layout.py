"""The package layout: every module imports only modules below it in the pipeline."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "segment"

#: The pipeline, bottom first. A module may import only modules of a lower layer
#: (modules of one layer do not import each other).
LAYERS = [
    ["_version", "_defaults", "_native"],
    ["_validate", "_threads", "atomic", "labels", "image", "decoding"],
    ["colour", "filters", "io"],
    ["bandwidth", "meanshift", "grouping", "resolution", "upsample"],
    ["region_graph"],
    ["merge_cost"],
    ["merging"],
    ["hierarchy"],
    ["regions", "render"],
    ["export"],
    ["result"],
    ["segmentation"],
    ["outputs", "evaluate"],
    ["batch", "serve", "progress"],
    ["cli"],
    ["__init__", "__main__"],
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def module_name(path):
    """Top-level module of the package a file belongs to (a sub-package counts as one)."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def package_imports(path):
    """Names of the package's top-level modules that the file imports, anywhere in it."""
    tree = ast.parse(path.read_text())
    inside = len(path.relative_to(PACKAGE).parts) > 1
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.split(".")[0] == "segment":
                    parts = node.module.split(".")[1:]
                    found.update(parts[:1] or [alias.name for alias in node.names])
                continue
            # relative: level 1 is this file's package, 2 the one above
            depth = len(path.relative_to(PACKAGE).parts) - 1
            if node.level - 1 < depth:
                continue  # within this file's own sub-package
            parts = node.module.split(".") if node.module else []
            found.update(parts[:1] or [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "segment" and len(parts) > 1:
                    found.add(parts[1])
    found.discard(module_name(path) if inside else None)
    return found


def all_modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_layer():
    names = {module_name(p) for p in all_modules()}
    assert names - set(RANK) == set(), "add new modules to LAYERS"


@pytest.mark.parametrize("path", all_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_pipeline(path):
    own = module_name(path)
    upward = {name: RANK.get(name) for name in package_imports(path)
              if name != own and RANK.get(name, -1) >= RANK[own]}
    assert upward == {}, f"{own} (layer {RANK[own]}) imports modules at or above it"


def test_the_parser_sees_relative_lazy_and_absolute_imports():
    # segmentation imports its stages at the top and nothing lazily; cli imports lazily
    assert {"meanshift", "regions", "result", "colour"} <= package_imports(PACKAGE / "segmentation.py")
    cli = set().union(*(package_imports(path) for path in (PACKAGE / "cli").glob("*.py")))
    assert {"outputs", "batch", "evaluate", "serve"} <= cli
    assert package_imports(PACKAGE / "labels.py") == {"_native"}  # only the kernels below it


if __name__ == "__main__":
    # print the import graph, layer by layer: python tests/test_layout.py
    for path in all_modules():
        own = module_name(path)
        targets = sorted(package_imports(path) - {own}, key=lambda n: (RANK.get(n, 99), n))
        print(f"{RANK[own]:>2} {str(path.relative_to(PACKAGE)):<24} -> {', '.join(targets)}")
