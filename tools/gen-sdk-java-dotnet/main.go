// Command pulumi-gen-sdk-java-dotnet generates the Java and .NET SDKs of a Pulumi package from its schema. The
// Java generator lives in github.com/pulumi/pulumi-java/pkg (v1.22.0, the Java language host's own code, as
// `pulumi package gen-sdk --language java` runs it); the .NET generator left github.com/pulumi/pulumi/pkg/v3
// after v3.228.0 and its own language host is not served here. Both pin pkg/v3 v3.228.0, which does not
// build beside the CLI's v3.274.1 (../gen-sdk), hence this separate module.
//
//	pulumi-gen-sdk-java-dotnet -schema provider/schema.json -version 0.1.0 -language java -out sdk/java
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/blang/semver"
	javagen "github.com/pulumi/pulumi-java/pkg/codegen/java"
	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	_ "embed"
)

// pomTemplate is the Maven build of the Java SDK: the generator writes a Gradle build, and Maven is what the
// project's machines have.
//
//go:embed pom.xml.tmpl
var pomTemplate string

// noLoader refuses every external package: the schema must be self-contained.
type noLoader struct{}

var errNoLoader = errors.New("the schema references another package; only self-contained schemas are loaded")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoLoader
}
func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoLoader
}

// dataURLTransport answers GET requests for `data:` URLs from the URL itself and refuses every other request.
// The .NET generator downloads the schema's logoUrl into the package; a data URL keeps that off the network.
type dataURLTransport struct{}

func (dataURLTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "data" {
		return nil, fmt.Errorf("not fetching %s: only data: URLs are read (set the schema's logoUrl to one)", req.URL)
	}
	meta, payload, ok := strings.Cut(req.URL.Opaque, ",")
	if !ok || !strings.HasSuffix(meta, ";base64") {
		return nil, fmt.Errorf("logoUrl: only base64 data URLs are supported")
	}
	body, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, fmt.Errorf("logoUrl: %w", err)
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    req,
	}, nil
}

func main() {
	schemaPath := flag.String("schema", "", "the package schema (JSON)")
	version := flag.String("version", "", "the package version (overrides the schema's)")
	language := flag.String("language", "java", "java or dotnet")
	out := flag.String("out", "", "the directory to write the SDK to (emptied first)")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	http.DefaultTransport = dataURLTransport{}
	if err := run(*schemaPath, *version, *language, *out); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-gen-sdk-java-dotnet: %v\n", err)
		os.Exit(1)
	}
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

	var files map[string][]byte
	switch language {
	case "java":
		files, err = generateJava(&spec)
	case "dotnet":
		files, err = generateDotnet(&spec)
	default:
		return fmt.Errorf("unsupported language %q (java, dotnet)", language)
	}
	if err != nil {
		return err
	}
	return writeFiles(out, files)
}

// generateJava does what the Java language host's GeneratePackage does, plus a pom.xml with the dependencies of
// the generated build.gradle (language.java.dependencies, else the generator's defaults).
func generateJava(spec *schema.PackageSpec) (map[string][]byte, error) {
	deduped, diags, err := javagen.DeduplicateTypes(spec)
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	pkg, diags, err := schema.BindSpec(*deduped, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	var info javagen.PackageInfo
	if raw, ok := spec.Language["java"]; ok {
		if err := json.Unmarshal(raw, &info); err != nil {
			return nil, fmt.Errorf("language.java: %w", err)
		}
	}
	type dependency struct{ GroupID, ArtifactID, Version string }
	var dependencies []dependency
	withDefaults := info.WithJavaSdkDependencyDefault(semver.MustParse("1.0.0")).WithDefaultDependencies()
	for name, version := range withDefaults.Dependencies {
		group, artifact, _ := strings.Cut(name, ":")
		dependencies = append(dependencies, dependency{group, artifact, version})
	}
	sort.Slice(dependencies, func(i, j int) bool {
		return dependencies[i].GroupID+":"+dependencies[i].ArtifactID < dependencies[j].GroupID+":"+dependencies[j].ArtifactID
	})
	var pom bytes.Buffer
	err = template.Must(template.New("pom.xml").Parse(pomTemplate)).Execute(&pom, map[string]any{
		"GroupID":      strings.TrimSuffix(info.BasePackageOrDefault(), "."),
		"ArtifactID":   pkg.Name,
		"Version":      pkg.Version.String(),
		"Name":         pkg.DisplayName,
		"Dependencies": dependencies,
	})
	if err != nil {
		return nil, err
	}
	// The Gradle build writes these resources at build time (its genPulumiResources task); the SDK's Utilities
	// read the version from them, and the Java SDK finds the plugin through plugin.json.
	resources := "src/main/resources/" + strings.ReplaceAll(strings.TrimSuffix(info.BasePackageOrDefault(), "."), ".", "/") +
		"/" + pkg.Name + "/"
	pluginJSON, err := json.MarshalIndent(map[string]any{"resource": true, "name": pkg.Name, "version": pkg.Version.String()}, "", "  ")
	if err != nil {
		return nil, err
	}
	extra := map[string][]byte{
		"pom.xml":                 pom.Bytes(),
		resources + "version.txt": []byte(pkg.Version.String() + "\n"),
		resources + "plugin.json": append(pluginJSON, '\n'),
	}
	return javagen.GeneratePackage("pulumi-language-java", pkg, extra, nil, false, false)
}

func generateDotnet(spec *schema.PackageSpec) (map[string][]byte, error) {
	pkg, diags, err := schema.BindSpec(*spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return dotnet.GeneratePackage("pulumi-language-dotnet", pkg, nil, nil)
}

func writeFiles(out string, files map[string][]byte) error {
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
