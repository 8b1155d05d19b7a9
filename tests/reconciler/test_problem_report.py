"""The machine forms of validation problems: the JSON document and GitHub workflow commands."""

from __future__ import annotations

import json

import jsonschema

from reconciler.documents.problems import (
    VALIDATION_SCHEMA,
    github_commands,
    problems_document,
    problems_of,
    workflow_command,
)
from reconciler.errors import ConfigError, SettingsError
from reconciler.model import Location
from reconciler.records import Problem

PROBLEMS = (
    Problem("bad value", Location("config/a.yaml", 3, 7), "proctorexam"),
    Problem("no YAML here"),
)


def test_the_document_lists_every_problem_with_its_place_and_plugin() -> None:
    document = problems_document(PROBLEMS)
    jsonschema.validate(document, VALIDATION_SCHEMA)
    assert document["valid"] is False
    assert document["problems"] == [
        {
            "file": "config/a.yaml",
            "line": 3,
            "column": 7,
            "message": "bad value",
            "plugin": "proctorexam",
        },
        {"file": None, "line": None, "column": None, "message": "no YAML here", "plugin": None},
    ]


def test_a_valid_run_is_a_valid_document_too() -> None:
    document = problems_document((), files=["a.yaml"], objects={"institute": 2})
    jsonschema.validate(json.loads(json.dumps(document)), VALIDATION_SCHEMA)
    assert document["valid"] is True
    assert document["objects"] == {"institute": 2}


def test_github_commands_one_per_problem() -> None:
    assert github_commands(PROBLEMS).splitlines() == [
        "::error file=config/a.yaml,line=3,col=7::bad value [proctorexam]",
        "::error::no YAML here",
    ]


def test_workflow_commands_escape_data_and_properties_as_the_toolkit_does() -> None:
    where = Location("dir,with:odd%name\n.yaml", 1, 2)
    command = workflow_command("error", "50% done\r\n::error::injected", where, title="a:b,c")
    assert command == (
        "::error file=dir%2Cwith%3Aodd%25name%0A.yaml,line=1,col=2,title=a%3Ab%2Cc"
        "::50%25 done%0D%0A::error::injected"
    )
    assert "\n" not in command


def test_an_error_stands_for_its_problems() -> None:
    assert problems_of(ConfigError(PROBLEMS)) == PROBLEMS
    assert problems_of(SettingsError("reconciler.toml: bad")) == (Problem("reconciler.toml: bad"),)
