"""The version of reconciler, for the documents it writes and ``reconciler --version``."""

__version__ = "0.1.0"
