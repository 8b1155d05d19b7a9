"""The versioned JSON documents the reconciler writes and reads back.

One reader and writer, :class:`~reconciler.documents.versioned.DocumentKind`, serves them all:
the plan (``plan``) and the saved plan that wraps it (``savedplan``, signed by ``signing`` and
trusted by ``trust``), the drift report (``drift``), the live snapshot (``snapshot``), the
validation problems (``problems``, and as SARIF or Code Quality findings, ``findings``) and the
doctor's report (``doctor``). ``schemas`` publishes their JSON Schemas. Imports ``settings``,
``loading`` and the vocabulary, nothing above: a document never plans or applies.
"""
