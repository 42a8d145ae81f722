"""The preview's light view of botocore's model equals botocore's own ``ServiceModel``.

``service_model`` reads botocore's shipped JSON without importing ``botocore.model`` (see its
docstring). The reference here is botocore's code: every shape reachable from every operation's
input of each service the provider validates must look the same through both, trait by trait.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel

from pulumi_quantum.service_model import ModelShape, input_shape, service_definition

SERVICES = ["braket", "s3"]


def _same(view: ModelShape, reference: Any, path: str, seen: set[tuple[str, str]]) -> int:
    """Compare one shape and everything under it; return how many shapes were compared."""
    key = (reference.name, repr(sorted(reference._shape_model.items())))
    if key in seen:
        return 0
    seen.add(key)
    assert view.name == reference.name, path
    assert view.type_name == reference.type_name, path
    assert view.metadata == reference.metadata, path
    assert view.serialization == reference.serialization, path
    compared = 1
    if reference.type_name == "string":
        assert view.enum == reference.enum, path
    elif reference.type_name == "structure":
        assert view.required_members == reference.required_members, path
        assert list(view.members) == list(reference.members), path
        for name, member in reference.members.items():
            compared += _same(view.members[name], member, f"{path}.{name}", seen)
    elif reference.type_name == "list":
        compared += _same(view.member, reference.member, f"{path}[]", seen)
    elif reference.type_name == "map":
        compared += _same(view.key, reference.key, f"{path}{{key}}", seen)
        compared += _same(view.value, reference.value, f"{path}{{value}}", seen)
    return compared


@pytest.mark.parametrize("service", SERVICES)
def test_every_input_shape_matches_botocore(service: str) -> None:
    reference = ServiceModel(Loader().load_service_model(service, "service-2"), service)
    assert service_definition(service)["metadata"] == reference.metadata  # same model version
    compared = 0
    seen: set[tuple[str, str]] = set()
    for operation in reference.operation_names:
        expected = reference.operation_model(operation).input_shape
        if expected is None:
            continue
        compared += _same(input_shape(operation, service), expected, operation, seen)
    assert compared > 20  # the walk reached real nested shapes, not just the tops


def test_member_traits_are_merged_over_the_shape() -> None:
    # GetQuantumTask's ARN travels in the URI: a member trait, not the String shape's own.
    arn = input_shape("GetQuantumTask").members["quantumTaskArn"]
    assert arn.serialization["location"] == "uri"
    assert "location" not in service_definition()["shapes"][arn.name]
