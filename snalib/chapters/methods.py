"""The methods appendix: how this run was made, read from its manifest."""

from __future__ import annotations

import pandas as pd


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


def params_table(manifest: dict) -> pd.DataFrame:
    return pd.DataFrame(flatten(manifest.get("params", {})), columns=["parameter", "value"])


def inputs_table(manifest: dict) -> pd.DataFrame:
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
    return pd.DataFrame(rows)


def versions_table(manifest: dict) -> pd.DataFrame:
    versions = manifest.get("environment", {}).get("versions", {})
    return pd.DataFrame(sorted(versions.items()), columns=["component", "version"])


def stages_table(manifest: dict) -> pd.DataFrame:
    rows = [
        {"stage": s["stage"], "status": s["status"], "seconds": s.get("seconds")}
        for s in manifest.get("stages", [])
    ]
    return pd.DataFrame(rows, columns=["stage", "status", "seconds"])


def code_sentence(manifest: dict) -> str:
    code = manifest.get("code")
    version = manifest.get("sna_version", "unknown")
    if not code:
        return f"Code: sna {version} (not run from a git checkout, so no commit is recorded)."
    dirty = " with uncommitted changes" if code.get("dirty") else ""
    return f"Code: sna {version}, git commit `{code['commit'][:12]}`{dirty}."
