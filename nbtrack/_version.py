"""The one version source of nbtrack (the labextension's package.json must match)."""

__version__ = "0.1.0"
