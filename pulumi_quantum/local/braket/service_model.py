"""The Braket service model shipped inside botocore, loaded once.

Everything the local Braket knows about the wire protocol (routes, shapes, constraints, error
status codes) comes from this model, so it stays in lock-step with the boto3 that talks to it.
"""

from __future__ import annotations

from functools import cache

from botocore.loaders import Loader
from botocore.model import ServiceModel


@cache
def service_model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("braket", "service-2"), service_name="braket")
