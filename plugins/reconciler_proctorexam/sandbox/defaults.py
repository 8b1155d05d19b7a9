"""The built-in credentials of a sandbox given no users: public, printed on start, never real.

A module of their own, so that the ``sandbox`` command can name them in its help without
loading the server.
"""

__all__ = ["DEFAULT_SECRET", "DEFAULT_TOKEN"]

#: The credentials of the superuser a sandbox has when it is given no users.
DEFAULT_TOKEN = "sandbox-token"
DEFAULT_SECRET = "sandbox-secret"
