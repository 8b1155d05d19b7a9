"""The ``reconciler`` command line: parses, delegates to
:class:`~reconciler.pipeline.project.Project`.

Exit codes, the same for every command: 0 done, nothing pending; 1 error (nothing was written);
2 changes or drift pending (``plan --detailed-exitcode``, ``drift``); 3 refused by a safety guard or
policy, or a saved plan gone stale; 4 apply partly failed or an outcome is unknown. Usage errors
exit 1 as well (click's own 2 would read as "changes pending" to a pipeline). SIGINT 130,
SIGTERM 143.

One module per group of commands (:mod:`.plan`: validate and plan; :mod:`.apply`;
:mod:`.reports`: drift, snapshot and export; :mod:`.info`: doctor, plugins and schema), the
options and helpers they share in :mod:`.common`, the group and its run options in :mod:`.app`.
"""

from reconciler.cli.app import cli, main

__all__ = ["cli", "main"]
