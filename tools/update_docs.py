"""Regenerate the generated sections of the docs from the code (run from the repo root).

docs/data-contract.md: the per-table column reference, from snalib.inputs.contract.TABLES.
A test fails when the document and the code disagree.
"""

from pathlib import Path

from snalib.inputs.contract import contract_markdown

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- BEGIN GENERATED: tables -->"
END = "<!-- END GENERATED: tables -->"


def main() -> None:
    path = ROOT / "docs" / "data-contract.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(
        f"{head}{BEGIN}\n\n{contract_markdown().strip()}\n\n{END}{tail}", encoding="utf-8"
    )
    print("updated", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
