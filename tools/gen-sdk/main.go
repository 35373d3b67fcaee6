// Command pulumi-gen-sdk generates a Pulumi package SDK from a schema with the code generators of
// github.com/pulumi/pulumi/pkg/v3 at the CLI's version (v3.274.1). It does what `pulumi package gen-sdk
// --language <lang>` does, which needs a language host implementing GeneratePackage: the Python and Node.js
// hosts buildable here (sdk/v3 v3.68.0, see ../pulumi-cli/README.md) do not ("method GeneratePackage not
// implemented"), so scripts/gen-sdk.sh runs this instead.
//
//	pulumi-gen-sdk -schema provider/schema.json -version 0.1.0 -language python -out sdk/python
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noLoader refuses every external package: the schema must be self-contained.
type noLoader struct{}

var errNoLoader = errors.New("the schema references another package; pulumi-gen-sdk only loads self-contained schemas")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoLoader
}
func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoLoader
}
func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoLoader
}
func (noLoader) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoLoader
}

func main() {
	schemaPath := flag.String("schema", "", "the package schema (JSON)")
	version := flag.String("version", "", "the package version (overrides the schema's)")
	language := flag.String("language", "python", "python or go")
	out := flag.String("out", "", "the directory to write the SDK to (emptied first)")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *version, *language, *out); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-gen-sdk: %v\n", err)
		os.Exit(1)
	}
}

// pythonPackageName is the Python package the schema names (language.python.packageName), else pulumi_<name>.
func pythonPackageName(pkg *schema.Package) string {
	if info, ok := pkg.Language["python"].(python.PackageInfo); ok && info.PackageName != "" {
		return info.PackageName
	}
	return python.PyPack(pkg.Namespace, pkg.Name)
}

func run(schemaPath, version, language, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parsing %s: %w", schemaPath, err)
	}
	if version != "" {
		spec.Version = version
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("binding %s: %w", schemaPath, diags)
	}

	var files map[string][]byte
	switch language {
	case "python":
		files, err = python.GeneratePackage("pulumi-language-python", pkg, nil, noLoader{})
		// pyproject.toml names README.md beside it, which providers' builds usually copy in; without it pip
		// cannot build the package. Use the package's README (its description).
		if readme, ok := files[filepath.ToSlash(filepath.Join(pythonPackageName(pkg), "README.md"))]; ok && err == nil {
			files["README.md"] = readme
		}
	case "go":
		files, err = gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	default:
		return fmt.Errorf("unsupported language %q (python, go)", language)
	}
	if err != nil {
		return err
	}

	if err := os.RemoveAll(out); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
