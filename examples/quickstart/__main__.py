"""The quickstart stack (placeholder until the resource issues land: one no-op resource)."""

import pulumi

from pulumi_quantum.noop import Noop

marker = Noop("quickstart-marker", value="hello from pulumi-quantum")
pulumi.export("marker", marker.value)
