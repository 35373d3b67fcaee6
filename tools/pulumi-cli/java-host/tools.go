//go:build tools

// Package tools records the Java language host that scripts/build-pulumi-cli.sh builds,
// so that `go mod tidy` keeps its modules in go.mod and go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi-java/pkg/cmd/pulumi-language-java"
	_ "github.com/pulumi/pulumi-java/pkg/version"
)
