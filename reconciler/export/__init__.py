"""``reconciler export``: the live objects written as YAML that plans with no changes (``live``),
into a new directory or merged into an existing configuration (``merge``), with the settings
file it needs (``config``). Sits on :class:`~reconciler.pipeline.project.Project`.
"""
