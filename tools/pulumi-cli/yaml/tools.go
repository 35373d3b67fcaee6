//go:build tools

// Package tools records the YAML language host package that scripts/build-pulumi-cli.sh
// builds, so that `go mod tidy` keeps its modules in go.mod and go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
	_ "github.com/pulumi/pulumi-yaml/pkg/version"
)
