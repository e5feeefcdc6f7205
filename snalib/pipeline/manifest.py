"""``manifest.json``: how every number of a run can be traced to data, code and parameters.

The manifest records every input file with its sha256 and row counts, the validated
parameters, the versions of Python and the packages, the git commit of the code (when the
code is in a git checkout), each stage with its timing, the renderer used and every output
file with its sha256. Paths are relative (to the params file for inputs, to the run
directory for outputs), so a manifest carries no machine's absolute paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from snalib import __version__
from snalib.inputs.contract import CONTRACT_VERSION
from snalib.paths import PROJECT_ROOT

MANIFEST_VERSION = 1

#: Packages whose versions can change a number in the report.
TRACKED_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "pandera",
    "pydantic",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "sna": __version__}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any] | None:
    """Commit and whether the working tree has uncommitted changes; None outside git."""
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def relative_to(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` with forward slashes (never absolute)."""
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        rel = path.name
    return rel.replace(os.sep, "/")


def describe_inputs(params, results: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per source: format, path, files with sha256 and bytes, reconciliation."""
    base = params.source_file.parent if params.source_file else Path.cwd()
    entries = []
    for name, spec in params.sources.provided().items():
        result = results.get(name)
        files = []
        unique = dict.fromkeys(
            Path(f).resolve() for f in (result.files if result is not None else [])
        )
        for f in unique:
            if f.is_file():
                files.append(
                    {
                        "path": relative_to(f, base),
                        "sha256": sha256_file(f),
                        "bytes": f.stat().st_size,
                    }
                )
        entry = {
            "source": name,
            "format": spec.format,
            "path": relative_to(spec.path, base),
            "files": files,
        }
        if result is not None:
            entry.update(
                {
                    "table": result.table,
                    "rows_in": result.rows_in,
                    "included": result.n_included,
                    "excluded": result.n_excluded,
                    "rejected": result.n_rejected,
                }
            )
        entries.append(entry)
    return entries


def describe_outputs(run_dir: Path) -> list[dict[str, Any]]:
    outputs = []
    for sub in ("tables", "figures", "notebooks", "sna", "annual-report", "monitoring"):
        folder = run_dir / sub
        if not folder.is_dir():
            continue
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                outputs.append({"path": relative_to(f, run_dir), "sha256": sha256_file(f)})
    return outputs


def params_for_manifest(params) -> dict[str, Any]:
    """The validated parameters with source paths relative to the params file."""
    data = params.to_json_dict()
    base = params.source_file.parent if params.source_file else Path.cwd()
    for name, spec in params.sources.provided().items():
        data["sources"][name]["path"] = relative_to(spec.path, base)
    if params.output_dir is not None:
        data["output_dir"] = relative_to(params.output_dir, base)
    return data


def build_manifest(
    *,
    params,
    results: dict[str, Any],
    stages: list[dict[str, Any]],
    run_dir: Path,
    renderer: str | None,
    status: str,
    include_outputs: bool,
) -> dict[str, Any]:
    params_file = params.source_file
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "sna_version": __version__,
        "contract_version": CONTRACT_VERSION,
        "status": status,
        "run_name": params.run_name,
        "params_file": {
            "path": params_file.name if params_file else None,
            "sha256": sha256_file(params_file) if params_file and params_file.is_file() else None,
        },
        "params": params_for_manifest(params),
        "inputs": describe_inputs(params, results),
        "environment": {
            "versions": package_versions(),
            "platform": platform.platform(terse=True),
            "executable": Path(sys.executable).name,
        },
        "code": git_state(),
        "renderer": renderer,
        "stages": stages,
    }
    if include_outputs:
        manifest["outputs"] = describe_outputs(run_dir)
    return manifest


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    path = run_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
