"""The bad input corpus (tests/bad_inputs/): every case behaves as its expectation says.

Each case runs the real CLI in-process on a private copy of its base inputs. It must exit as
expected, never with a traceback, name what its expectation names, leave every input file as
it was, and leave an earlier run untouched when it fails. See tests/bad_inputs/README.md.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from snalib import synth
from snalib.cli import main
from snalib.inputs.load import load_inputs
from snalib.params import load_params
from snalib.publish.scan import scan_run
from tests.conftest import HANDWRITTEN, ROOT, assert_no_live_formula

CORPUS = ROOT / "tests" / "bad_inputs"
FORCE_EXTRACT = ROOT / "tests" / "fixtures" / "force_extract"
PUBLIC = ROOT / "tests" / "fixtures" / "public"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())

pytestmark = pytest.mark.xdist_group("bad_inputs")


@pytest.fixture(scope="module")
def demo_base(tmp_path_factory) -> Path:
    """A tiny synthetic area with every one of the eleven sources."""
    folder = tmp_path_factory.mktemp("demo-base") / "input"
    synth.generate(folder, scale=0.01, n_lsoas=24)
    return folder


# --------------------------------------------------------------------------- editing inputs


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _transform(path: Path, how: str) -> None:
    if how == "gzip":
        path.write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    elif how == "latin-1":
        path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    elif how == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    elif how == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    elif how in ("xlsx", "parquet"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        buffer = io.BytesIO()
        if how == "xlsx":
            frame.to_excel(buffer, index=False)
        else:
            frame.to_parquet(buffer, index=False)
        path.write_bytes(buffer.getvalue())
    elif how == "nul":
        lines = path.read_bytes().split(b"\n")
        lines[2] = lines[2][:5] + b"\x00" + lines[2][5:]
        path.write_bytes(b"\n".join(lines))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "header-only":
        path.write_bytes(path.read_bytes().split(b"\n")[0] + b"\n")
    elif how == "folder":
        path.unlink()
        path.mkdir()
    elif how == "delete":
        path.unlink()
    elif how == "huge-field":
        _huge_field(path)
    else:
        raise ValueError(f"unknown transform {how}")


def _huge_field(path: Path, chars: int = 200_000) -> None:
    """Data row 2's last field becomes ``chars`` characters long (a runaway export)."""
    header, rows = _rows(path)
    rows[1][-1] = "x" * chars
    _write_rows(path, header, rows)


def _edit(folder: Path, edit: dict) -> None:
    path = folder / edit["file"]
    if "row" in edit:
        header, rows = _rows(path)
        rows[edit["row"] - 1][header.index(edit["column"])] = str(edit["value"])
        _write_rows(path, header, rows)
    elif "append" in edit:
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(edit["append"])
    elif "replace" in edit:
        old, new = edit["replace"]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{edit}: text not found"
        path.write_text(text.replace(old, new, edit.get("count", -1)), encoding="utf-8")
    elif "drop_column" in edit:
        header, rows = _rows(path)
        i = header.index(edit["drop_column"])
        _write_rows(path, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])
    elif "rename_column" in edit:
        old, new = edit["rename_column"]
        header, rows = _rows(path)
        header[header.index(old)] = new
        _write_rows(path, header, rows)
    elif "transform" in edit:
        _transform(path, edit["transform"])
    else:
        raise ValueError(f"unknown edit {edit}")


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        )
        for p in sorted(folder.rglob("*"))
    }


def _earlier_run(folder: Path) -> None:
    """What an earlier successful build left: a manifest and a report page."""
    (folder / "sna").mkdir(parents=True)
    (folder / "sna" / "index.html").write_text("<!DOCTYPE html><title>earlier</title>")
    (folder / "manifest.json").write_text(
        json.dumps({"sna_version": "earlier", "manifest_version": 1})
    )


# --------------------------------------------------------------------------- the cases


def _prepare(case_dir: Path, case: dict, tmp_path: Path, demo_base: Path) -> dict:
    name = case.get("base", "handwritten")
    base = {
        "handwritten": HANDWRITTEN,
        "demo": demo_base,
        "force_extract": FORCE_EXTRACT,
        "public": PUBLIC,
    }[name]
    inputs = tmp_path / "input"
    shutil.copytree(base, inputs)
    if name == "public":  # the public data excerpts' params, under the corpus's name
        (inputs / "params-public.yaml").rename(inputs / "params.yaml")
    if name == "force_extract":  # its params read areas and population from ../handwritten
        shutil.copytree(HANDWRITTEN, tmp_path / "handwritten")
    params_path = inputs / "params.yaml"
    for target, source in (case.get("files") or {}).items():
        shutil.copyfile(case_dir / source, inputs / target)
    for edit in case.get("edit") or []:
        _edit(inputs, edit)
    if "params_text" in case:
        params_path.write_text(case["params_text"], encoding="utf-8")
    elif case.get("params"):
        params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
        params_path.write_text(
            yaml.safe_dump(_merge(params, case["params"]), sort_keys=False), encoding="utf-8"
        )
    out = {
        None: tmp_path / "run",
        "input": inputs,
        "params": params_path,
        "parent": tmp_path,
    }.get(case.get("out"), tmp_path / str(case.get("out")))
    command = case.get("command", "validate")
    argv = [command, str(_params_argument(case, inputs, params_path))]
    if command == "build":
        argv += ["--out", str(out), "--renderer", "builtin", "--quiet"]
        if case.get("out") is None:
            _earlier_run(out)
    return {"argv": argv, "inputs": inputs, "params": params_path, "out": out}


def _assert_published_clean(run_dir: Path) -> None:
    """What the run publishes passes the disclosure scanner, and no CSV cell of it could run
    as a formula in a spreadsheet."""
    assert scan_run(run_dir) == []
    assert_no_live_formula(run_dir)


def _params_argument(case: dict, inputs: Path, params_path: Path) -> Path:
    """What the command is given as its params file: params.yaml, or ``params_file`` (a
    path in the input folder, e.g. crimes.csv, or "." for the folder itself)."""
    return inputs / case["params_file"] if "params_file" in case else params_path


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: p.name)
def test_bad_input_behaves_as_expected(case_dir, tmp_path, demo_base, capsys):
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    expect = case["expect"]
    setup = _prepare(case_dir, case, tmp_path, demo_base)
    inputs_before = _fingerprint(setup["inputs"])
    run_before = _fingerprint(setup["out"]) if Path(setup["out"]).is_dir() else None

    code = main(setup["argv"])
    captured = capsys.readouterr()

    assert "Traceback" not in captured.err + captured.out
    assert code == expect["exit"], f"{case['description']}\n{captured.err}"
    for needle in expect.get("message") or []:
        assert needle in captured.err, f"'{needle}' not in the message:\n{captured.err}"
    _assert_absent(expect, captured.out + captured.err)
    if code != 0:
        assert _fingerprint(setup["inputs"]) == inputs_before, "an input was changed"
        if run_before is not None:
            assert _fingerprint(setup["out"]) == run_before, "the earlier run was changed"
    if expect.get("published") == "clean" or expect.get("published_clean"):
        assert code == 0
        _assert_published_clean(Path(setup["out"]))
    if expect.get("published_clean"):
        _assert_counts_published_clean(Path(setup["out"]))
    for source, counts in (expect.get("counts") or {}).items():
        summary = load_inputs(load_params(setup["params"])).results[source].summary()
        for key, value in counts.items():
            assert summary[key] == value, (source, key, summary)


def _assert_absent(expect: dict, said: str) -> None:
    """``expect.absent`` and ``expect.not_in_message``: words that must not appear in
    anything sna printed (jargon, a wrong hint)."""
    for needle in (expect.get("absent") or []) + (expect.get("not_in_message") or []):
        assert needle not in said, f"'{needle}' should not be said:\n{said}"


def _assert_counts_published_clean(run: Path) -> None:
    """``expect.published_clean`` (besides the scanner of ``published: clean``): no count column of any published table or chart data
    holds a count from 1 to its rule's threshold - 1, every count is a multiple of the
    rounding base, and no key fact gives a percentage beside a withheld count. The count
    columns are those each publishing call declared (``data/published_counts.json``)."""
    record = json.loads((run / "data" / "published_counts.json").read_text(encoding="utf-8"))
    assert record, "nothing was published"
    checked = 0
    for name, rule in record.items():
        path = run / name
        assert path.is_file(), f"{name} recorded but not written"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in rule["counts"]:
            values = pd.to_numeric(frame[col], errors="coerce")
            small = frame.loc[(values >= 1) & (values < rule["threshold"]), col]
            assert small.empty, f"{name}: {col} publishes small counts {small.tolist()[:5]}"
            if rule["rounding"] > 1:
                unrounded = values.dropna()[values.dropna() % rule["rounding"] != 0]
                assert unrounded.empty, f"{name}: {col} not rounded: {unrounded.tolist()[:5]}"
            checked += 1
    assert checked, "no count column was checked"
    for flow_csv in (run / "tables" / "inclusion_flow.csv", run / "figures" / "inclusion_flow.csv"):
        if flow_csv.is_file():  # records before a step = after it + excluded by it
            flow = pd.read_csv(flow_csv, dtype=str, keep_default_na=False)
            for i in range(1, len(flow)):
                cells = [flow["records"][i - 1], flow["records"][i], flow["excluded"][i]]
                assert cells.count("[c]") != 1, f"{flow_csv.name} step {i + 1}: {cells}"
    facts = run / "tables" / "key_facts.csv"
    if facts.is_file():
        table = pd.read_csv(facts, dtype=str, keep_default_na=False)
        withheld = table[table["value"] == "[c]"]
        assert not withheld["note"].str.contains("%").any(), withheld.to_dict("records")


def test_the_corpus_has_every_case_readable_and_described():
    assert len(CASES) >= 1
    for case_dir in CASES:
        case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
        assert case.get("description"), case_dir.name
        assert case["expect"]["exit"] in (0, 2), case_dir.name
