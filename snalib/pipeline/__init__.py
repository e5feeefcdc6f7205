"""The build: parameters → validated data → the definition → executed notebooks → HTML.

- :mod:`snalib.pipeline.build`: the stages of ``sna build``, staging and the atomic swap;
- :mod:`snalib.pipeline.notebooks`: the notebooks and their papermill execution;
- :mod:`snalib.pipeline.manifest`: ``manifest.json``, how every number is traced;
- :mod:`snalib.pipeline.reports`: periodic reports (``sna report monitoring``).
"""
