"""The ``proctorexam`` plugin: registers the institute kind, its provider and the sandbox."""

from __future__ import annotations
