"""Write the pipeline notebooks from the cell lists below (outputs are never stored).

The notebooks are the source of truth once written; this script exists so that a change
to the shared cells (the parameters cell, the setup) is made once. Run it from the
repository root: `python tools/make_notebooks.py`.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

PARAMS = """# parameters
run_dir: str = "outputs/demo"  # run directory written by `sna build` (papermill passes ".")"""


def notebook(title: str, intro: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nb.cells.append(new_markdown_cell(f"# {title}\n\n{intro}"))
    p = new_code_cell(PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells.append(p)
    for kind, source in cells:
        if kind == "md":
            nb.cells.append(new_markdown_cell(source))
        else:
            nb.cells.append(new_code_cell(source))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


SETUP = """#| label: setup
from IPython.display import HTML, Markdown, display

from snalib.run import RunContext

run = RunContext(run_dir)
params = run.params"""

NOTEBOOKS = {
    "01-data-quality.ipynb": notebook(
        "Data quality",
        "Every source: records in, included, excluded (with reasons) and rejected.",
        [
            ("code", SETUP + "\nfrom snalib import quality\n\nq = run.quality()"),
            ("code", "#| label: dq-summary\ndisplay(Markdown(quality.summary_sentences(q)))"),
            (
                "code",
                """#| label: dq-reconciliation
run.publish_table(
    quality.reconciliation_table(q),
    "data_quality",
    caption="Records in each source: included, excluded with a reason, rejected",
    labels={
        "source": "Source", "description": "Description", "status": "Status",
        "rows_in": "Records in", "included": "Included", "excluded": "Excluded",
        "rejected": "Rejected", "reconciles": "In = included + excluded + rejected",
    },
)""",
            ),
            (
                "code",
                """#| label: dq-reasons
reasons = quality.reasons_table(q)
if reasons.empty:
    display(Markdown("No record was excluded or rejected."))
else:
    display(run.publish_table(
        reasons, "data_quality_reasons",
        caption="Why records were excluded or rejected",
        labels={"source": "Source", "outcome": "Outcome", "reason": "Reason", "records": "Records"},
    ))""",
            ),
            (
                "code",
                """#| label: dq-notes
notes = quality.notes_table(q)
if notes.empty:
    display(Markdown("The readers made no notes."))
else:
    display(run.publish_table(notes, "data_quality_notes", caption="Notes from reading the sources",
                              labels={"source": "Source", "note": "Note"}))""",
            ),
        ],
    ),
    "02-definition.ipynb": notebook(
        "The serious violence definition",
        "Which crimes are counted, and how many each condition of the definition removes.",
        [
            (
                "code",
                SETUP
                + """
from snalib import charts, definition, series
from snalib.periods import FinancialYear

fy = FinancialYear.parse(params.report_year)
public_mode = run.has("street_crimes")
if public_mode:
    street = run.table("street_crimes")
else:
    flagged_all = run.table("crimes_flagged")
    flagged = definition.in_financial_year(flagged_all, fy)""",
            ),
            (
                "code",
                """#| label: definition-used
if public_mode:
    display(Markdown(definition.PROXY_EXPLANATION))
else:
    display(Markdown("**Definition used in this report.** " + definition.describe_definition(params.definition)))""",
            ),
            (
                "code",
                """#| label: inclusion-flow-table
if public_mode:
    flow = definition.proxy_flow(street, fy)
else:
    flow = definition.inclusion_flow(flagged, params.definition)
flow.insert(0, "financial_year", fy.label)
published = run.publish_table(
    flow, "inclusion_flow",
    caption=f"Inclusion flow: from all recorded crimes to serious violence, {fy.label}",
    counts=["records", "excluded", "excluded_not_recorded"],
    labels={"step_number": "Step", "step": "Condition", "records": "Records remaining",
            "excluded": "Excluded at this step",
            "excluded_not_recorded": "Of which the value needed was not recorded",
            "reason": "Reason for exclusion"},
    show=["step_number", "step", "records", "excluded", "excluded_not_recorded", "reason"],
)
published""",
            ),
            (
                "code",
                """#| label: inclusion-flow-figure
title = definition.flow_title(flow, fy.label, public=public_mode)
fig = charts.inclusion_flow_chart(flow, title)
run.publish_figure(fig, "inclusion_flow", title=title, alt=definition.flow_alt(flow),
                   data=flow[["step_number", "step", "records", "excluded"]],
                   counts=["records", "excluded"])""",
            ),
            (
                "code",
                """#| label: inclusion-flow-text
display(Markdown(definition.flow_sentences(published.frame, fy.label)))""",
            ),
            (
                "code",
                """#| label: definition-groups
if public_mode:
    display(Markdown("Crime type groups need offence codes, which public data do not have."))
else:
    display(run.publish_table(
        definition.group_counts(flagged), "definition_groups",
        caption=f"Crimes in the definition's offence codes by crime type group, {fy.label}",
        counts=["in_offence_codes", "serious_violence"],
        labels={"crime_type_group": "Crime type group",
                "in_offence_codes": "In the offence codes (all ages, any place)",
                "serious_violence": "Serious violence (full definition)"},
    ))""",
            ),
            (
                "code",
                """#| label: monthly-series
window = params.analysis_window
if public_mode:
    monthly = series.public_series(street, window.start, window.end)
else:
    monthly = series.record_series(flagged_all, window.start, window.end,
                                   params.definition.priority_age_limit)
written = run.publish_table(monthly, "monthly_series", counts=["count"],
                            caption="Monthly counts of each series over the analysis window")
display(Markdown(series.describe_series(monthly)))""",
            ),
        ],
    ),
    "20-programme.ipynb": notebook(
        "Programme and spend",
        "Spend against plan and intervention monitoring, for the Annual Report.",
        [
            (
                "code",
                SETUP + "\nfrom snalib import charts, programme",
            ),
            (
                "code",
                """#| label: spend-table
if run.has("spend"):
    spend = programme.spend_against_plan(run.table("spend"), params.report_year)
    display(Markdown(programme.spend_sentence(spend, params.report_year)))
    display(run.publish_table(
        spend, "spend_against_plan",
        caption=f"Spend against plan by budget line, {params.report_year} (GBP)",
        labels={"category": "Budget line", "planned": "Planned (£)", "actual": "Actual (£)",
                "variance": "Actual minus planned (£)", "variance_pct": "Variance (%)",
                "share_of_planned": "Share of plan (%)"},
        formats={"planned": ",.0f", "actual": ",.0f", "variance": ",.0f",
                 "variance_pct": ".1f", "share_of_planned": ".1f"},
    ))
else:
    display(Markdown("Spend data were not provided for this run."))""",
            ),
            (
                "code",
                """#| label: interventions-table
if run.has("interventions"):
    summary = programme.intervention_summary(run.table("interventions"), params.report_year)
    display(run.publish_table(
        summary, "interventions",
        caption=f"Intervention monitoring, {params.report_year}",
        counts=["referrals", "engaged", "completed", "positive_outcomes"],
        rates={"engagement_pct": "referrals", "completion_pct": "engaged"},
        labels={"programme": "Programme", "intervention": "Intervention", "referrals": "Referrals",
                "engaged": "Engaged", "completed": "Completed",
                "positive_outcomes": "Positive outcomes", "engagement_pct": "Engaged (%)",
                "completion_pct": "Completed (% of engaged)"},
    ))
else:
    display(Markdown("Intervention monitoring data were not provided for this run."))""",
            ),
        ],
    ),
    "00-overview.ipynb": notebook(
        "Overview",
        "The key facts of this run, for the title pages.",
        [
            (
                "code",
                SETUP
                + """
from snalib import overview

flagged = run.table("crimes_flagged") if run.has("crimes_flagged") else None
street = run.table("street_crimes") if run.has("street_crimes") else None
facts = overview.key_facts(params, flagged, run.quality(), run.rule(), street)""",
            ),
            ("code", "#| label: key-facts\ndisplay(HTML(overview.key_facts_html(facts)))"),
            (
                "code",
                """#| label: key-facts-table
run.publish_table(overview.facts_frame(facts), "key_facts", caption="Key facts of this report",
                  labels={"fact": "Fact", "value": "Value", "note": "Note"})""",
            ),
        ],
    ),
    "99-methods.ipynb": notebook(
        "Methods and provenance",
        "How this run was made, from its manifest: inputs, parameters, code and versions.",
        [
            (
                "code",
                SETUP + "\nfrom snalib import provenance\n\nmanifest = run.manifest()",
            ),
            (
                "code",
                "#| label: code-version\ndisplay(Markdown(provenance.code_sentence(manifest)))",
            ),
            (
                "code",
                """#| label: inputs
run.publish_table(
    provenance.inputs_table(manifest), "provenance_inputs",
    caption="Input files with their sha256 checksums and reconciliation",
    labels={"source": "Source", "format": "Format", "path": "Path (relative to the params file)",
            "files": "Files", "bytes": "Bytes", "sha256": "sha256", "rows_in": "Records in",
            "included": "Included", "excluded": "Excluded", "rejected": "Rejected"},
)""",
            ),
            (
                "code",
                """#| label: parameters
run.publish_table(provenance.params_table(manifest), "provenance_parameters",
                  caption="Parameters of this run (validated)",
                  labels={"parameter": "Parameter", "value": "Value"})""",
            ),
            (
                "code",
                """#| label: versions
run.publish_table(provenance.versions_table(manifest), "provenance_versions",
                  caption="Software versions", labels={"component": "Component", "version": "Version"})""",
            ),
            (
                "code",
                """#| label: stages
run.publish_table(provenance.stages_table(manifest), "provenance_stages",
                  caption="Pipeline stages run before this appendix, with timings",
                  labels={"stage": "Stage", "status": "Status", "seconds": "Seconds"},
                  formats={"seconds": ".1f"})""",
            ),
        ],
    ),
}

if __name__ == "__main__":
    for name, nb in NOTEBOOKS.items():
        nbformat.validate(nb)
        path = ROOT / "notebooks" / name
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print("wrote", path.relative_to(ROOT))
