"""The one source of the package's version and its release date (read by hatchling, the data package, citations)."""

__version__ = "0.2.0"
#: The day this version was released (ISO 8601); citations of the package give it.
__release_date__ = "2026-12-01"
