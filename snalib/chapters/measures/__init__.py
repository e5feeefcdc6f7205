"""The Home Office success measures for Violence Reduction Units."""
