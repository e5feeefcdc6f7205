"""The methods appendix (``notebooks/99-methods.ipynb``): how this run was made, read from
its manifest.

The ``*_frame`` functions turn the manifest into tables; the chapter functions publish
them (``tables/provenance_*.csv``) and return what the appendix shows, or a sentence when
the manifest has nothing to list.
"""

from __future__ import annotations

import pandas as pd

from snalib.publish.disclosure import NO_COUNTS
from snalib.publish.run import RunContext
from snalib.publish.tables import PublishedTable

INPUTS_COLUMNS = [
    "source",
    "format",
    "path",
    "files",
    "bytes",
    "sha256",
    "rows_in",
    "included",
    "excluded",
    "rejected",
]


def flatten(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Nested parameters as (key path, value) pairs, e.g. ('definition.priority_age_limit', '25')."""
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not value:
            continue  # e.g. empty adapter options
        if isinstance(value, dict):
            rows.extend(flatten(value, path + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                rows.extend(flatten(item, f"{path}[{i}]."))
        else:
            if isinstance(value, list):
                text = ", ".join(str(v) for v in value) if value else "(none)"
            elif value is None:
                text = "(not set)"
            else:
                text = str(value)
            rows.append((path, text))
    return rows


def params_frame(manifest: dict) -> pd.DataFrame:
    """The validated parameters, one row per key path."""
    return pd.DataFrame(flatten(manifest.get("params", {})), columns=["parameter", "value"])


def inputs_frame(manifest: dict) -> pd.DataFrame:
    """Every input source: format, path, files, bytes, checksum and reconciliation."""
    rows = []
    for entry in manifest.get("inputs", []):
        files = entry.get("files", [])
        rows.append(
            {
                "source": entry["source"],
                "format": entry["format"],
                "path": entry["path"],
                "files": len(files),
                "bytes": sum(f["bytes"] for f in files),
                "sha256": files[0]["sha256"][:16] + "…"
                if len(files) == 1
                else f"{len(files)} files, see manifest.json",
                "rows_in": entry.get("rows_in"),
                "included": entry.get("included"),
                "excluded": entry.get("excluded"),
                "rejected": entry.get("rejected"),
            }
        )
    return pd.DataFrame(rows, columns=INPUTS_COLUMNS)


def versions_frame(manifest: dict) -> pd.DataFrame:
    """Python and package versions of the environment that ran the build."""
    versions = manifest.get("environment", {}).get("versions", {})
    return pd.DataFrame(sorted(versions.items()), columns=["component", "version"])


def stages_frame(manifest: dict) -> pd.DataFrame:
    """The stages run before the appendix, with their status and seconds."""
    rows = [
        {"stage": s["stage"], "status": s["status"], "seconds": s.get("seconds")}
        for s in manifest.get("stages", [])
    ]
    return pd.DataFrame(rows, columns=["stage", "status", "seconds"])


def code_sentence(manifest: dict) -> str:
    """The sna version and git commit the run was made with."""
    code = manifest.get("code")
    version = manifest.get("sna_version", "unknown")
    if not code:
        return f"Code: sna {version} (not run from a git checkout, so no commit is recorded)."
    dirty = " with uncommitted changes" if code.get("dirty") else ""
    return f"Code: sna {version}, git commit `{code['commit'][:12]}`{dirty}."


def code_version(run: RunContext) -> str:
    """The code sentence of the run's manifest."""
    return code_sentence(run.manifest())


def inputs_table(run: RunContext) -> PublishedTable | str:
    """``tables/provenance_inputs.csv``: input files with checksums and reconciliation."""
    frame = inputs_frame(run.manifest())
    published = run.publish_table(
        frame,
        "provenance_inputs",
        caption="Input files with their sha256 checksums and reconciliation",
        counts=NO_COUNTS,
        labels={
            "source": "Source",
            "format": "Format",
            "path": "Path (relative to the params file)",
            "files": "Files",
            "bytes": "Bytes",
            "sha256": "sha256",
            "rows_in": "Records in",
            "included": "Included",
            "excluded": "Excluded",
            "rejected": "Rejected",
        },
    )
    if frame.empty:
        return "No input is recorded: the run's manifest lists none."
    return published


def parameters_table(run: RunContext) -> PublishedTable | str:
    """``tables/provenance_parameters.csv``: every validated parameter of the run."""
    frame = params_frame(run.manifest())
    published = run.publish_table(
        frame,
        "provenance_parameters",
        caption="Parameters of this run (validated)",
        counts=NO_COUNTS,
        labels={"parameter": "Parameter", "value": "Value"},
    )
    if frame.empty:
        return "No parameters are recorded: the run's manifest lists none."
    return published


def versions_table(run: RunContext) -> PublishedTable | str:
    """``tables/provenance_versions.csv``: the software versions of the build."""
    frame = versions_frame(run.manifest())
    published = run.publish_table(
        frame,
        "provenance_versions",
        caption="Software versions",
        counts=NO_COUNTS,
        labels={"component": "Component", "version": "Version"},
    )
    if frame.empty:
        return "No software versions are recorded: the run's manifest lists none."
    return published


def stages_table(run: RunContext) -> PublishedTable | str:
    """``tables/provenance_stages.csv``: the stages run before this appendix, with timings."""
    frame = stages_frame(run.manifest())
    published = run.publish_table(
        frame,
        "provenance_stages",
        caption="Pipeline stages run before this appendix, with timings",
        counts=NO_COUNTS,
        labels={"stage": "Stage", "status": "Status", "seconds": "Seconds"},
        formats={"seconds": ".1f"},
    )
    if frame.empty:
        return "No pipeline stage is recorded before this appendix in the run's manifest."
    return published
