"""Rendering failures."""


class RenderError(RuntimeError):
    """A report refers to something that is not there (an internal failure)."""
