"""Metadata merge (upload_program's precedence), file reading, positions and unknowns."""

from __future__ import annotations

import json

import pytest

from pulumi_quantum._provider import did_you_mean, json_pointer
from pulumi_quantum.ibm.metadata import (
    MetadataFileError,
    locate,
    merge_metadata,
    read_metadata_file,
    strip_unknowns,
)
from pulumi_quantum.values import UNKNOWN


def test_individual_fields_take_precedence_like_upload_program():
    merged = merge_metadata({"name": "n1", "description": "d"}, {"name": "n2"})
    assert merged["name"] == "n2"
    assert merged["description"] == "d"


def test_none_overrides_do_not_erase_metadata_and_is_public_defaults_false():
    merged = merge_metadata({"name": "n1", "is_public": None}, {"name": None, "spec": None})
    assert merged == {"name": "n1", "is_public": False}


def test_unknown_metadata_fields_are_kept_for_validation_to_reject():
    assert merge_metadata({"nmae": "x"}, {})["nmae"] == "x"


def test_metadata_file_is_read_relative_to_base_dir(tmp_path):
    (tmp_path / "meta.json").write_text(json.dumps({"name": "x"}))
    doc = read_metadata_file("meta.json", tmp_path)
    assert doc.document == {"name": "x"}
    assert doc.path == "meta.json"


def test_missing_metadata_file_names_the_path(tmp_path):
    with pytest.raises(MetadataFileError) as info:
        read_metadata_file("nope.json", tmp_path)
    assert "nope.json" in str(info.value)
    assert str(tmp_path / "nope.json") in str(info.value)


def test_invalid_json_reports_the_parse_position(tmp_path):
    (tmp_path / "bad.json").write_text('{\n  "name": "x",\n  "description" "d"\n}\n')
    with pytest.raises(MetadataFileError) as info:
        read_metadata_file(tmp_path / "bad.json")
    assert (info.value.line, info.value.column) == (3, 17)
    assert "Expecting ':' delimiter" in info.value.message


def test_locate_finds_keys_nested_values_and_falls_back_to_parent():
    text = (
        '{\n  "name": "x",\n  "spec": {\n    "parameters": {"type": "strin"}\n  },\n'
        '  "l": [1, 2]\n}'
    )
    assert locate(text, ("name",)) == (2, 3)
    assert locate(text, ("spec", "parameters", "type")) == (4, 20)
    assert locate(text, ("l", 1)) == (6, 12)
    assert locate(text, ("description",)) == (1, 1)  # missing: the enclosing object
    assert locate(text, ("spec", "missing")) == (3, 3)
    assert locate("not: [valid", ("x",)) == (1, 1)


def test_strip_unknowns_reports_their_paths():
    doc, paths = strip_unknowns({"name": UNKNOWN, "spec": {"parameters": [1, UNKNOWN]}})
    assert doc == {"name": None, "spec": {"parameters": [1, None]}}
    assert paths == [("name",), ("spec", "parameters", 1)]


def test_json_pointer_escapes_per_rfc_6901():
    assert json_pointer([]) == ""
    assert json_pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"


def test_did_you_mean_only_for_close_words():
    assert did_you_mean("nmae", ["name", "spec"]) == " — did you mean 'name'?"
    assert did_you_mean("zzzz", ["name", "spec"]) == ""
