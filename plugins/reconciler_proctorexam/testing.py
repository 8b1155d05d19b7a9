"""Pytest fixtures that run the ProctorExam sandbox, registered through ``pytest11``."""

from __future__ import annotations
