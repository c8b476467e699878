// Command pulumi-livekit-sdkgen writes the provider plugin's TypeScript and Go SDKs from its schema.
//
// `pulumi package gen-sdk` hands code generation to the language hosts (pulumi-language-nodejs,
// pulumi-language-go), which the Go module proxy this project can reach does not serve. The code
// generators themselves are in github.com/pulumi/pulumi/pkg/v3, which it does: this calls them as
// those hosts do, for the pinned release.
//
//	pulumi-livekit-sdkgen SCHEMA.json OUT-DIR   # writes OUT-DIR/nodejs and OUT-DIR/go
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-livekit-sdkgen"

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: %s SCHEMA.json OUT-DIR", tool))
	}
	schemaPath, out := os.Args[1], os.Args[2]
	generators := map[string]func(*schema.Package) (map[string][]byte, error){
		"nodejs": func(pkg *schema.Package) (map[string][]byte, error) {
			return nodejs.GeneratePackage(tool, pkg, nil, nil, false, selfContained{})
		},
		"go": func(pkg *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage(tool, pkg, nil)
		},
	}
	for language, generate := range generators {
		// Bound afresh for each language: the generators record their options in the package.
		files, err := generate(bind(schemaPath))
		if err != nil {
			fail(fmt.Errorf("%s: %w", language, err))
		}
		for name, content := range files {
			path := filepath.Join(out, language, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				fail(err)
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				fail(err)
			}
		}
	}
}

func bind(schemaPath string) *schema.Package {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		fail(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		fail(fmt.Errorf("%s: %w", schemaPath, err))
	}
	pkg, diags, err := schema.BindSpec(spec, selfContained{}, schema.ValidationOptions{})
	if err != nil {
		fail(err)
	}
	if diags.HasErrors() {
		fail(diags)
	}
	return pkg
}

// selfContained loads no other package: the schema refers to none.
type selfContained struct{}

func (selfContained) refuse(name string) error {
	return fmt.Errorf("the livekit schema refers to no other package, asked for %q", name)
}

func (l selfContained) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refuse(name)
}

func (l selfContained) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refuse(d.Name)
}

func (l selfContained) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refuse(name)
}

func (l selfContained) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.refuse(d.Name)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
	os.Exit(1)
}
