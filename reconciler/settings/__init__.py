"""A project's ``reconciler.toml``: the file, its schema, and the rules it declares.

The rules are read here and applied by the floors above: what to ignore (``ignoring``), what
this directory owns (``ownership``), how much a plan may change (``safety``, ``guards``), the
options of ``[apply]`` and ``[plan]`` (``options``) and the environments a directory extends
(``environments``). Imports ``loading`` and the vocabulary below it, nothing above.
"""
