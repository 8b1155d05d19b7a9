"""The built-in plan renderers: text and JSON."""
