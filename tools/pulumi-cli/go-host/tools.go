//go:build tools

// Package tools records the Go language host that scripts/build-pulumi-cli.sh builds,
// so that `go mod tidy` keeps its modules in go.mod and go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go"
)
