"""The notebooks of a build and how papermill executes them.

Each chapter is a papermill notebook in ``notebooks/``. It receives ``run_dir="."`` and runs
with the run directory as its working directory, so no absolute path of this machine is
written into the executed notebook in ``<run>/notebooks/``.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager

from snalib.paths import NOTEBOOK_DIR


@dataclass(frozen=True)
class NotebookStage:
    """One notebook of the pipeline.

    Attributes
    ----------
    name
        Stage name used in progress messages and the manifest.
    notebook
        File name in ``notebooks/``.
    after_manifest
        Runs after the manifest is first written (it reads it).
    parameters
        Parameters passed besides ``run_dir`` (e.g. the monitoring period), as pairs.
    """

    name: str
    notebook: str
    after_manifest: bool = False
    parameters: tuple[tuple[str, object], ...] = ()  # extra papermill parameters

    @property
    def label(self) -> str:
        """``notebook NN-name.ipynb`` with its extra parameters, for progress and timings."""
        extra = " ".join(f"{k}={v}" for k, v in self.parameters)
        return f"notebook {self.notebook}" + (f" ({extra})" if extra else "")


#: Execution order. Chapters choose what they embed in reports/*/_quarto.yml.
NOTEBOOKS: tuple[NotebookStage, ...] = (
    NotebookStage("data quality", "01-data-quality.ipynb"),
    NotebookStage("definition", "02-definition.ipynb"),
    NotebookStage("trends", "03-trends.ipynb"),
    NotebookStage("monitoring", "05-monitoring.ipynb"),
    NotebookStage("programme and spend", "20-programme.ipynb"),
    NotebookStage("success measures", "04-success-measures.ipynb"),
    NotebookStage("overview", "00-overview.ipynb"),
    NotebookStage("methods", "99-methods.ipynb", after_manifest=True),
)


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager talking to the kernel over local IPC sockets, not TCP.

    Local sockets are not reachable from the network, so the kernel's warning about
    unencrypted TCP does not apply; the socket files live in the temporary folder.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"sna-kernel-{uuid.uuid4().hex}"))
        super().__init__(**kwargs)


def execute_notebook(stage: NotebookStage, run_dir: Path, *, progress_bar: bool = False) -> Path:
    """Execute one notebook with papermill into ``<run>/notebooks/``.

    The notebook runs with the run directory as its working directory and receives
    ``run_dir="."``, so no absolute path of this machine is written into it.
    """
    source = NOTEBOOK_DIR / stage.notebook
    target = run_dir / "notebooks" / stage.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters={"run_dir": ".", **dict(stage.parameters)},
        cwd=str(run_dir),
        kernel_name="python3",
        progress_bar=progress_bar,
        log_output=False,
        report_mode=False,
        kernel_manager_class=IPCKernelManager,
    )
    _relative_papermill_paths(target, stage.notebook)
    return target


def _relative_papermill_paths(path: Path, name: str) -> None:
    """papermill records the absolute input and output paths in the notebook's metadata;
    keep them relative (to the project and to the run) so no machine path is published."""
    nb = nbformat.read(path, as_version=4)
    record = nb.metadata.get("papermill", {})
    record["input_path"] = f"notebooks/{name}"
    record["output_path"] = f"notebooks/{name}"
    nbformat.write(nb, path)
