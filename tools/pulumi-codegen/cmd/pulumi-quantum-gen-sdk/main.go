// Command pulumi-quantum-gen-sdk generates a Pulumi package's SDK for nodejs, go, python or dotnet
// from its schema, with the code generators of github.com/pulumi/pulumi/pkg/v3 and nothing else.
//
// Why this exists: `pulumi package gen-sdk --language L` does no code generation itself; it binds
// the schema and asks the language host `pulumi-language-L` (GeneratePackage RPC) to write the
// SDK. The hosts for nodejs, go, python and dotnet live in Go modules the module proxy reachable
// from this project's machines does not serve, so on these machines that command fails with
// "could not find installed plugin" for every language but yaml. The code generators themselves
// are Go packages of pkg/v3, which is served; this command does what those hosts'
// GeneratePackage does — bind the schema, call the language's GeneratePackage, write the files —
// so the project's tests can prove its schema generates an SDK per language. Where a real host is
// on PATH, use `pulumi package gen-sdk`.
//
// Why pkg/v3 v3.225.1 and not the engine's release: it is the newest pkg/v3 the proxy serves that
// still carries all four generators. Later releases moved .NET's (codegen/dotnet) to the
// pulumi-dotnet repository, whose module is not served here; and one build can hold only one
// pkg/v3, so nodejs, go and python come from the same release. Nothing here compiles C#: there
// is no dotnet toolchain on these machines.
//
// Usage: pulumi-quantum-gen-sdk --language nodejs|go|python|dotnet --out DIR SCHEMA.json
//
//	pulumi-quantum-gen-sdk --check SCHEMA.json
//
// The SDK lands in DIR/<language>, as with `pulumi package gen-sdk`. The schema is bound strictly:
// unlike `pulumi package gen-sdk`, which allows dangling type references (and then generates code
// that names missing types), a `$ref` to a type the schema does not define is an error. --check
// only binds. Diagnostics go to stderr as "error: …" / "warning: …"; the exit status is 1 on any
// error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// selfContained is the schema loader: the package under test must not reference other packages'
// schemas (which would need their provider plugins), so every load is refused with a clear error.
type selfContained struct{}

func (selfContained) refuse(name string) error {
	return fmt.Errorf("schema references package %q: only self-contained schemas are supported "+
		"(no provider plugins are loaded)", name)
}

func (l selfContained) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refuse(pkg)
}

func (l selfContained) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refuse(d.Name)
}

func (l selfContained) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refuse(pkg)
}

func (l selfContained) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.refuse(d.Name)
}

// offline answers the generators' HTTP requests without the network, which these machines do not
// have. The only request is .NET's: it downloads the NuGet package icon (logo.png, from the
// schema's logoUrl or else a Pulumi logo on GitHub) and writes whatever body it gets, whatever the
// status. So logo.png comes out empty, and a warning says it must be replaced before packing.
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	fmt.Fprintf(os.Stderr, "warning: offline: %s was not downloaded; the file the generator "+
		"writes from it (for .NET, logo.png) is empty\n", r.URL)
	return &http.Response{
		Status:     "503 offline",
		StatusCode: http.StatusServiceUnavailable,
		Header:     http.Header{},
		Body:       http.NoBody,
		Request:    r,
	}, nil
}

// tool is the generator name written into the generated files' headers, as the hosts do.
const tool = "pulumi-quantum-gen-sdk"

func generate(language string, pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error) {
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	case "python":
		return python.GeneratePackage(tool, pkg, nil, loader)
	case "dotnet":
		return dotnet.GeneratePackage(tool, pkg, nil, nil)
	default:
		return nil, fmt.Errorf("unsupported language %q (nodejs, go, python or dotnet)", language)
	}
}

func printDiagnostics(diags hcl.Diagnostics) {
	for _, d := range diags {
		level := "warning"
		if d.Severity == hcl.DiagError {
			level = "error"
		}
		fmt.Fprintf(os.Stderr, "%s: %s\n", level, d.Error())
	}
}

func run() error {
	http.DefaultTransport = offline{}
	language := flag.String("language", "", "SDK language: nodejs, go, python or dotnet")
	out := flag.String("out", "sdk", "directory to write the SDK to (as DIR/<language>)")
	check := flag.Bool("check", false, "only bind the schema strictly and report its diagnostics")
	flag.Parse()
	if flag.NArg() != 1 || (*language == "") == !*check {
		return errors.New("usage: pulumi-quantum-gen-sdk --language nodejs|go|python|dotnet --out DIR SCHEMA.json\n" +
			"       pulumi-quantum-gen-sdk --check SCHEMA.json")
	}
	raw, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("schema %s: %w", flag.Arg(0), err)
	}
	loader := selfContained{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	printDiagnostics(diags)
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return errors.New("the schema does not bind")
	}
	if *check {
		fmt.Fprintf(os.Stderr, "schema %s binds: package %s, %d resources\n",
			flag.Arg(0), pkg.Name, len(pkg.Resources))
		return nil
	}
	files, err := generate(*language, pkg, loader)
	if err != nil {
		return err
	}
	root := filepath.Join(*out, *language)
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "SDK has been written to %s (%d files)\n", root, len(names))
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
