"""The bounds a config file must stay within before the loader gives up on it.

A config repository is reviewed by people, but the loader also runs on pull requests from
anyone: a file that is too large, nests too deep or expands aliases without end (a "billion
laughs") is refused with a located error instead of exhausting the CI runner's memory.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one YAML file may hold.

    ``max_file_bytes`` is checked before the file is parsed; parsing costs about 30 times a
    file's size in memory, so 8 MB (some 50,000 institutes) keeps a run under 250 MB.
    ``max_alias_nodes`` bounds the nodes that aliases add when expanded (a 10,000-institute
    file that shares one language list by alias adds about 30,000). ``max_depth`` bounds the
    nesting of mappings and lists; a config file needs five or six levels.
    ``max_total_bytes`` bounds all the files of a config directory together, checked before
    any is read: many files each under the per-file cap would otherwise add up to gigabytes
    (fourteen files of 7.9 MB took 2.6 GB). 24 MB is some 150,000 institutes.
    """

    max_file_bytes: int = 8 * 1024 * 1024
    max_total_bytes: int = 24 * 1024 * 1024
    max_alias_nodes: int = 1_000_000
    max_depth: int = 64
