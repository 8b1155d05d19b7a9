"""The values of the pipeline."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from reconciler.model import Location, make_location


def test_make_location_makes_the_same_location_as_its_constructor() -> None:
    made, built = make_location("a.yaml", 3, 5), Location("a.yaml", 3, 5)
    assert type(made) is Location
    assert made == built
    assert hash(made) == hash(built)
    assert (repr(made), str(made)) == (repr(built), str(built))
    assert make_location("a.yaml", 3, 4) < made < make_location("a.yaml", 4, 1)
    assert dataclasses.replace(made, line=4) == Location("a.yaml", 4, 5)
    assert pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 4  # type: ignore[misc]
