"""``ResultsBucket``, declared once (see :mod:`pulumi_quantum.declare`)."""

from __future__ import annotations

from ..declare import IMPORT_ID, Prop, ResourceDecl

RESULTS_BUCKET = ResourceDecl(
    module="storage",
    name="ResultsBucket",
    doc=(
        "An S3 bucket for Braket task results. An existing bucket of yours (or one given as "
        "``ResourceOptions(import_=name)`` / ``pulumi import``) is adopted and always kept; a "
        "bucket this stack created is deleted on destroy when empty, or with its results when "
        "``force_destroy`` is true."
    ),
    import_id="the bucket name",
    home="bucket",
    props=(
        Prop(
            "bucket",
            "string",
            "The bucket name (S3 naming rules, checked at preview); a change replaces it.",
            "str",
            required=True,
        ),
        Prop(
            "force_destroy",
            "boolean",
            "Let destroy delete the results in the bucket.",
            "bool",
            change="in-place",
            default=False,
        ),
        Prop(
            "adopted",
            "boolean",
            "The bucket existed before this stack: destroy keeps it.",
            "bool",
            role="output",
        ),
        Prop("region", "string", "The bucket's region.", "str", role="output"),
        IMPORT_ID,
    ),
)
