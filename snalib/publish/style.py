"""Chart style of the reports: palette, matplotlib settings and titles.

Colours are the Government Analysis Function categorical palette, in its order; charts
use few colours and never colour alone (labels and patterns carry the meaning too).
Each chapter draws its own charts in this style (e.g. the inclusion flow in
:mod:`snalib.chapters.definition`); every chart is published through
:meth:`snalib.publish.run.RunContext.publish_figure`, which saves SVG, PNG and the data as
CSV and shows it with its title and alt text.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

#: Government Analysis Function categorical colours, in the recommended order.
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
DARK_TEXT = "#0B0C0C"
GRID = "#D9D9D9"


def use_style() -> None:
    """Apply the project's matplotlib style (also makes SVG output deterministic)."""
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "font.size": 11,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelcolor": DARK_TEXT,
            "axes.edgecolor": "#505A5F",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": GRID,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "xtick.color": DARK_TEXT,
            "ytick.color": DARK_TEXT,
            "text.color": DARK_TEXT,
            "legend.frameon": False,
            "svg.hashsalt": "sna",
            # Text stays text in the SVG: searchable, read by screen readers when the SVG is
            # opened on its own, and read by the disclosure scanner.
            "svg.fonttype": "none",
            "path.simplify": True,
        }
    )


def wrap_title(text: str, width: int = 70) -> str:
    """A title wrapped to lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width))


def finish(fig, title: str, *, width_chars: int | None = None) -> None:
    """Put the finding as a left-aligned title across the whole figure, then lay out.

    The title wraps to the figure's width so that it is never cut off.
    """
    if width_chars is None:
        width_chars = int(fig.get_figwidth() * 8.5)
    fig.suptitle(wrap_title(title, width_chars), x=0.01, ha="left", fontsize=13, fontweight="bold")
    fig.tight_layout()
