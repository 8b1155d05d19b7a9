"""The pipeline over one project: :class:`~reconciler.pipeline.project.Project` and what sits on it.

``project`` knows the order of the steps (``steps``: load, refresh, plan, check, apply) and runs
them for every command: where the live objects come from (``live``: the service, the sandbox or
a snapshot), the plan and its refusals, the drift report, publishing (``reporting``), applying a
saved plan (``savedapply``). ``multirun`` and ``summary`` run several directories at once;
``basis`` and ``tenants`` say what a plan was made against; ``discovery`` finds the project a
command runs in.
"""
