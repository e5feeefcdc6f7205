"""sna: the serious violence Strategic Needs Assessment generator.

All analytical logic lives in this package; the notebooks in ``notebooks/`` call into it
and the reports in ``reports/`` present what the notebooks wrote.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sna")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
