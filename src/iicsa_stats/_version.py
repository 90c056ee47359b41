"""The one source of the package's version (read by hatchling and by the data package)."""

__version__ = "0.1.0"
