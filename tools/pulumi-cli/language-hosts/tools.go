//go:build tools

// Package tools records the language-host packages that scripts/build-pulumi-cli.sh
// builds, so that `go mod tidy` keeps their modules in go.mod and go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
	_ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
)
