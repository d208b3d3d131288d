"""healthalloc: healthcare resource allocation analysis.

Subpackages: ``data`` (loading, validation, embedded data sets), ``efficiency`` (DEA,
Malmquist, bootstrap).
"""

__version__ = "0.1.0"
