//go:build tools

// Package tools pins the Pulumi YAML language host build; see scripts/bootstrap.
//
// Why a module of its own (and not a line in tools/pulumi): pulumi-yaml brings its own dependency
// requirements, and keeping them out of the engine's module graph means bumping one never changes
// what the other is built from. Both modules require pkg/v3 and sdk/v3 at the same pinned release,
// so the host speaks exactly the engine's protocol.
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
)
