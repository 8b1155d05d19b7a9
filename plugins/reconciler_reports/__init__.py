"""The built-in report formats: text, JSON, Markdown and HTML, for plans and drift reports."""
