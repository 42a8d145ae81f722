"""The shipped JSON Schema: one copy (the repo's schema/ is the package's folder), a valid
2020-12 schema, and its rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pulumi_quantum import json_schemas

REPO = Path(__file__).resolve().parents[2]
NAME = "runtime-program-metadata"

VALID = {
    "name": "hello-world",
    "description": "Prepares a Bell state.",
    "max_execution_time": 300,
    "spec": {
        "backend_requirements": {"min_num_qubits": 2},
        "parameters": {"type": "object", "properties": {"shots": {"type": "integer"}}},
        "return_values": {"type": "object"},
        "interim_results": {"type": "array", "items": {"type": "number"}},
    },
}


def test_the_schemas_have_one_home_and_the_repo_folder_is_a_link_to_it():
    """``schema/`` at the top of the repository is the package's folder, not a second copy."""
    packaged = REPO / "pulumi_quantum" / "schema"
    top = REPO / "schema"
    assert top.is_symlink(), "schema/ must link to pulumi_quantum/schema/, not copy it"
    assert top.resolve() == packaged.resolve()
    assert not any(packaged.glob("*.py")), "the schema folder holds data only"
    names = sorted(p.name.removesuffix(".schema.json") for p in packaged.glob("*.schema.json"))
    assert names and json_schemas.schema_names() == names


def test_schema_is_a_documented_draft_2020_12_schema():
    doc = json_schemas.load_schema(NAME)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"]
    assert doc["title"] and doc["description"]
    for field, sub in doc["properties"].items():
        assert sub.get("title") and sub.get("description"), field
    assert doc["required"] == ["name", "max_execution_time", "description"]
    assert doc["additionalProperties"] is False


def test_schema_examples_are_valid_documents():
    doc = json_schemas.load_schema(NAME)
    assert doc["examples"]
    for example in doc["examples"]:
        assert json_schemas.validate(example, NAME) == []


def test_validators_are_compiled_once_and_reused():
    assert json_schemas.validator(NAME) is json_schemas.validator(NAME)
    assert json_schemas.load_schema(NAME) is json_schemas.load_schema(NAME)


def test_schema_text_is_the_file_and_unknown_names_are_refused():
    assert json.loads(json_schemas.schema_text(NAME)) == json_schemas.load_schema(NAME)
    with pytest.raises(KeyError, match="unknown schema"):
        json_schemas.schema_text("nope")


def test_valid_metadata_has_no_problems():
    assert json_schemas.validate(VALID, NAME) == []


def _problems(doc):
    return {p.pointer: p.message for p in json_schemas.validate(doc, NAME)}


def test_all_three_required_fields_are_reported_at_their_own_pointers():
    assert _problems({}) == {
        "/name": "required field is missing",
        "/max_execution_time": "required field is missing",
        "/description": "required field is missing",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0 is less than the minimum of 1"),
        (28801, "28801 is greater than the maximum of 28800"),
        (1.5, "1.5 is not of type 'integer'"),
        ("300", "'300' is not of type 'integer'"),
    ],
)
def test_max_execution_time_is_a_bounded_positive_integer(value, expected):
    assert _problems({**VALID, "max_execution_time": value}) == {"/max_execution_time": expected}


def test_upper_bound_itself_is_allowed():
    assert _problems({**VALID, "max_execution_time": 28800}) == {}


def test_unknown_fields_are_rejected_with_did_you_mean_hints():
    problems = _problems({**VALID, "descripton": "x", "spec": {"paramters": {}}, "zzz": 1})
    assert problems["/descripton"] == "unknown field 'descripton' — did you mean 'description'?"
    assert problems["/spec/paramters"] == "unknown field 'paramters' — did you mean 'parameters'?"
    assert problems["/zzz"].startswith("unknown field 'zzz' (allowed: ")  # nothing close


@pytest.mark.parametrize("field", ["parameters", "return_values", "interim_results"])
def test_spec_schemas_must_themselves_be_valid_json_schemas(field):
    bad = {**VALID, "spec": {field: {"type": "strin", "required": "shots"}}}
    problems = _problems(bad)
    assert set(problems) == {f"/spec/{field}/type", f"/spec/{field}/required"}
    assert "'strin' is not one of" in problems[f"/spec/{field}/type"]
    assert problems[f"/spec/{field}/required"] == "'shots' is not of type 'array'"


def test_spec_schema_must_be_an_object_schema():
    assert _problems({**VALID, "spec": {"parameters": "not a schema"}}) == {
        "/spec/parameters": "'not a schema' is not of type 'object'"
    }


def test_every_problem_is_reported_at_once():
    doc = {"nmae": "x", "max_execution_time": -1, "is_public": "yes"}
    pointers = [p.pointer for p in json_schemas.validate(doc, NAME)]
    assert sorted(pointers) == sorted(
        ["/description", "/is_public", "/max_execution_time", "/name", "/nmae"]
    )
