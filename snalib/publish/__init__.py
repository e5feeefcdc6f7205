"""Publishing: disclosure control, the run directory as a notebook sees it, tables, figures
and the chart style. Nothing reaches ``tables/`` or ``figures/`` except through here.
"""
