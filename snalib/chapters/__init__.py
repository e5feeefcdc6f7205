"""The chapters of the reports: the analysis behind each notebook.

A notebook in ``notebooks/`` loads its run, makes one call per output into its chapter
module here, shows the result and publishes it through :mod:`snalib.publish`.
"""
