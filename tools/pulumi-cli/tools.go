//go:build tools

// Package tools records the Go packages that scripts/build-pulumi-cli.sh builds,
// so that `go mod tidy` keeps every module they need in go.mod and go.sum.
// Nothing imports this package; the `tools` build tag keeps it out of builds.
package tools

import (
	// The CLI itself: go build ... github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	// Target of the -X ldflag that stamps the CLI's version.
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
)
