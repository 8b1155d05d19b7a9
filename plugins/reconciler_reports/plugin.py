"""The ``reports`` plugin: registers the text and JSON plan renderers."""

from __future__ import annotations
