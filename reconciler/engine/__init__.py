"""The engine: planning, drift, applying and what each checks on the way.

``planning`` turns desired and live objects into a plan (``drift`` is the same diff seen as a
report); ``applying`` runs a plan's changes through the providers with ``dependencies``'
levels, ``verification`` of every write, a ``journal`` and ``freshness`` checks; ``targeting``
narrows a plan, ``accepting`` and ``ignorewriting`` take drift back into YAML and settings.
It calls plugins only through :class:`~reconciler.plugin.hooks.Hooks` and never sequences a
command: :class:`~reconciler.pipeline.project.Project` does.
"""
