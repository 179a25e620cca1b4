"""notebooks/tutorial.ipynb runs top to bottom in a fresh kernel and draws its pictures."""

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "tutorial.ipynb"


def _kernel_manager(spec_dir):
    """A kernel manager whose 'python3' kernel is this very interpreter.

    The kernelspec is written into a private folder, so that a 'python3' kernelspec
    installed elsewhere on the machine (another Python, another venv) cannot be picked.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder = spec_dir / "python3"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (this interpreter)",
        "language": "python",
    }))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir)], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def test_tutorial_runs_cleanly(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path / "work"  # the kernel's working folder: not the repository
    work.mkdir()
    client = nbclient.NotebookClient(
        nb, km=_kernel_manager(tmp_path / "kernels"), timeout=600, kernel_name="python3",
        allow_errors=False, resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails

    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.execution_count for cell in code_cells)
    outputs = [output for cell in code_cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5, f"expected the tutorial's figures; got {len(images)} images"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "regions" in text
    assert "exit status: 0" in text  # the `segment batch` run
    assert "PRI" in text  # the evaluation table


def test_saved_notebook_has_outputs_and_is_small():
    """The committed notebook carries its outputs (it reads on a code host) and stays small."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    images = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 5
    assert NOTEBOOK.stat().st_size < 1_500_000
