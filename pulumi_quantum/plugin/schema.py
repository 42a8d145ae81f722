"""The Pulumi package schema of ``quantum``, derived only from the resource declarations.

Nothing here is written per resource: every resource, property, type, required flag and secret
comes from :func:`pulumi_quantum.catalogue.all_declarations`, and the provider configuration from
:data:`CONFIG`, the one list of ``quantum:*`` stack-config keys the package reads (through
``_provider.config_value``). A unit test checks both directions (every declared property is in
the schema; every ``config_value`` key is in :data:`CONFIG`).

``replaceOnChanges`` is deliberately absent: the plugin's ``diff`` decides update vs replace,
from the same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from ..catalogue import all_declarations
from ..declare import Kind, ObjectType, Prop, ResourceDecl

PACKAGE = "quantum"
PYTHON_SDK_PACKAGE = "pulumi_quantum_sdk"
"""The generated Python SDK's name: never ``pulumi_quantum`` (that is this package, whose dynamic
resources stay the Python API; see docs/plugin.md, "Which to use")."""


@dataclass(frozen=True)
class ConfigKey:
    """One ``quantum:<name>`` stack-config key the package reads."""

    name: str
    doc: str
    secret: bool = False
    type: str = "string"


CONFIG: tuple[ConfigKey, ...] = (
    ConfigKey(
        "target",
        "Where Braket and S3 requests go: `local` (the local quantum cloud; IBM too unless "
        "ibmTarget says otherwise) or `aws`. Env: PULUMI_QUANTUM_TARGET.",
    ),
    ConfigKey(
        "ibmTarget",
        "Where IBM requests go: `local` (the local quantum cloud) or `ibm`. "
        "Env: PULUMI_QUANTUM_IBM_TARGET.",
    ),
    ConfigKey("awsRegion", "AWS region. Env: AWS_REGION, AWS_DEFAULT_REGION; else us-east-1."),
    ConfigKey("braketEndpoint", "Braket endpoint URL. Env: AWS_ENDPOINT_URL_BRAKET."),
    ConfigKey("s3Endpoint", "S3 endpoint URL. Env: AWS_ENDPOINT_URL_S3."),
    ConfigKey(
        "awsRetryMode",
        "botocore retry mode: standard, adaptive or legacy. Env: AWS_RETRY_MODE.",
    ),
    ConfigKey(
        "awsMaxAttempts",
        "Attempts per AWS request, the first included. Env: AWS_MAX_ATTEMPTS; else 10.",
    ),
    ConfigKey("awsAccessKeyId", "AWS access key id; else boto3's credential chain.", True),
    ConfigKey("awsSecretAccessKey", "AWS secret access key (with awsAccessKeyId).", True),
    ConfigKey("awsSessionToken", "AWS session token of temporary keys.", True),
    ConfigKey(
        "ibmChannel",
        "IBM channel of sessions/batches: ibm_quantum_platform (alias ibm_cloud) or "
        "ibm_quantum (legacy). Env: QISKIT_IBM_CHANNEL.",
    ),
    ConfigKey(
        "ibmApiKey",
        "IBM Cloud API key (IBM Quantum Platform). Env: QISKIT_IBM_TOKEN next to a CRN.",
        secret=True,
    ),
    ConfigKey("ibmToken", "IBM Quantum API token (legacy runtime). Env: QISKIT_IBM_TOKEN.", True),
    ConfigKey("ibmUrl", "IBM Quantum URL. Env: QISKIT_IBM_URL."),
    ConfigKey("ibmApiUrl", "IBM Quantum Platform API URL (direct). Env: QISKIT_IBM_API_URL."),
    ConfigKey("ibmIamUrl", "IBM Cloud IAM URL (platform). Env: IAM_URL."),
    ConfigKey(
        "ibmInstance",
        "IBM instance: a CRN (platform) or hub/group/project (legacy). Env: QISKIT_IBM_INSTANCE.",
    ),
    ConfigKey(
        "priceOffersUrl",
        "Braket's price list (AWS offer-file CSV) for cost estimates. Env: "
        "BRAKET_PRICE_OFFERS_URL; else the local cloud's, or AWS's public file (docs/cost.md).",
    ),
    ConfigKey(
        "ibmPricePerSecond",
        "IBM Qiskit Runtime price in USD per second for cost estimates. Env: "
        "PULUMI_QUANTUM_IBM_PRICE_PER_SECOND; else the documented table (docs/cost.md).",
    ),
)

_PRIMITIVES = {"string", "integer", "number", "boolean"}
_KINDS = set(get_args(Kind))


def type_token(module: str, name: str) -> str:
    """``quantum:<module>:<Type>``: object types live in their resource's module."""
    return f"{PACKAGE}:{module}:{name}"


def _element(kind_or_type: str | None, module: str) -> dict[str, Any]:
    """An ``items``/``additionalProperties`` spec: a kind, or an object type of the module."""
    if kind_or_type is None or kind_or_type == "any":
        return {"$ref": "pulumi.json#/Any"}
    if kind_or_type in _KINDS:
        return _kind_spec(kind_or_type, None, module)
    return {"$ref": f"#/types/{type_token(module, kind_or_type)}"}


def _kind_spec(
    kind: str, items: str | None, module: str, *, output: bool = False
) -> dict[str, Any]:
    if kind in _PRIMITIVES:
        return {"type": kind}
    if kind == "json":
        return {"type": "string"}  # a map or its JSON text in Python; canonical JSON text here
    if kind == "any":
        return {"$ref": "pulumi.json#/Any"}
    if kind == "duration":  # whole seconds or "2h 30m" in; check normalises it to seconds
        if output:
            return {"type": "integer"}
        return {"type": "string", "oneOf": [{"type": "integer"}, {"type": "string"}]}
    if kind == "ref":
        if not items:
            raise ValueError("a 'ref' property needs items= naming its object type")
        return {"$ref": f"#/types/{type_token(module, items)}"}
    if kind == "array":
        return {"type": "array", "items": _element(items, module)}
    if kind == "object":
        return {"type": "object", "additionalProperties": _element(items, module)}
    raise ValueError(f"unknown property kind {kind!r}")


def property_spec(prop: Prop, module: str, *, output: bool = False) -> dict[str, Any]:
    """One property's schema (as an input, or as the resource's output): type, description,
    secrecy."""
    spec = _kind_spec(prop.kind, prop.items, module, output=output)
    spec["description"] = prop.doc
    if prop.secret:
        spec["secret"] = True
    return spec


def _object_type(obj: ObjectType, module: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": obj.doc,
        "properties": {p.camel: property_spec(p, module) for p in obj.props},
        "required": sorted(p.camel for p in obj.props if p.required),
    }


def resource_spec(decl: ResourceDecl) -> dict[str, Any]:
    """A resource's schema: its inputs, and every input and output as properties."""
    inputs = decl.inputs
    visible = (*inputs, *decl.outputs)
    return {
        "description": f"{decl.doc}\n\n`pulumi import {decl.token} <name> <id>`: the id is "
        f"{decl.import_id}.",
        "inputProperties": {p.camel: property_spec(p, decl.module) for p in inputs},
        "requiredInputs": sorted(p.camel for p in inputs if p.required),
        "properties": {p.camel: property_spec(p, decl.module, output=True) for p in visible},
        "required": sorted(p.camel for p in visible if p.required),
    }


def _config_spec(key: ConfigKey) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": key.type, "description": key.doc}
    if key.secret:
        spec["secret"] = True
    return spec


def package_schema() -> dict[str, Any]:
    """The whole package schema (``pulumi package get-schema quantum`` prints it)."""
    from .. import __version__

    decls = all_declarations()
    types: dict[str, Any] = {}
    for decl in decls:
        for obj in decl.types:
            token = type_token(decl.module, obj.name)
            spec = _object_type(obj, decl.module)
            if types.setdefault(token, spec) != spec:
                raise ValueError(f"object type {token} is declared twice, differently")
    config = {key.name: _config_spec(key) for key in CONFIG}
    return {
        "name": PACKAGE,
        "displayName": "Quantum",
        "version": __version__,
        "description": "Quantum cloud resources (Amazon Braket, IBM Qiskit Runtime) for Pulumi.",
        "keywords": ["pulumi", "quantum", "braket", "qiskit", "category/cloud"],
        "license": "Apache-2.0",
        "publisher": "pulumi-quantum",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": config},
        "provider": {
            "description": "The quantum provider: `quantum:*` stack config, else the vendors' "
            "own environment variables.",
            "inputProperties": config,
        },
        "types": dict(sorted(types.items())),
        "resources": {decl.token: resource_spec(decl) for decl in decls},
        "language": {
            "python": {
                "packageName": PYTHON_SDK_PACKAGE,
                "requires": {"pulumi": ">=3.0.0,<4.0.0"},
                "pyproject": {"enabled": True},
            },
            "nodejs": {
                "packageName": "@pulumi-quantum/quantum",
                "dependencies": {"@pulumi/pulumi": "^3.0.0"},
            },
            "go": {
                "importBasePath": "github.com/pulumi-quantum/pulumi-quantum/sdk/go/quantum",
                "generateResourceContainerTypes": True,
            },
            "csharp": {
                "rootNamespace": "PulumiQuantum",
                "packageReferences": {"Pulumi": "3.*"},
            },
        },
    }
