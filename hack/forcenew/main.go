// Command forcenew regenerates internal/forcenew/table.json: the ForceNew
// (replace-on-change) fields of every provider-aws kind the function
// composes, read from the real Terraform schemas provider-aws v2.5.0 is
// built from.
//
// It finds the kinds in examples/golden, asks each typed provider-aws kind
// for its Terraform type and maps Terraform attribute paths to
// spec.forProvider JSON paths by reflection over the kind's Go type (the
// `tf` and `json` tags). It then downloads the Terraform provider module,
// links it into a temporary directory with a small generated main that
// imports only the service packages it needs, and runs it: the main walks
// each resource's schema objects (SDKv2 ForceNew, Plugin Framework
// RequiresReplace plan modifiers). Replacements that no schema flag
// shows (CustomizeDiff, ModifyPlan, the provider's region interceptor,
// provider-aws configuration) are added from extras.go, each with the
// source file that forces it; the command fails when a resource's source
// calls ForceNew/RequiresReplace in code that extras.go does not account for.
//
// Usage: go run ./hack/forcenew [-out internal/forcenew/table.json]
//
// Building the ec2 service package takes minutes on 2 cores; the Go build
// cache makes later runs fast.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	_ "embed"
)

const (
	// tfModule and tfVersion are provider-aws v2.5.0's replace target for
	// github.com/hashicorp/terraform-provider-aws.
	tfModule  = "github.com/upbound/terraform-provider-aws"
	tfVersion = "v0.0.0-20260305123303-f7691456b787"
	tfPath    = "github.com/hashicorp/terraform-provider-aws"
	command   = "go run ./hack/forcenew"
)

//go:embed dump.go.tmpl
var dumpTemplate string

func main() {
	out := flag.String("out", "internal/forcenew/table.json", "table to write")
	golden := flag.String("golden", "examples/golden", "directory of golden renders naming the composed kinds")
	dumpFile := flag.String("dump", "", "read the schema dump from this file instead of building it (for iterating on this command)")
	saveDump := flag.String("save-dump", "", "also write the schema dump to this file")
	keep := flag.Bool("keep", false, "keep the temporary module copy")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("forcenew: ")

	kinds, err := goldenKinds(*golden)
	if err != nil {
		log.Fatal(err)
	}
	var types []string
	for i := range kinds {
		if err := kinds[i].reflect(); err != nil {
			log.Fatal(err)
		}
		types = append(types, kinds[i].TerraformType)
	}
	slices.Sort(types)
	types = slices.Compact(types)

	dir, err := moduleDir()
	if err != nil {
		log.Fatal(err)
	}
	var raw []byte
	if *dumpFile != "" {
		raw, err = os.ReadFile(*dumpFile)
	} else {
		raw, err = dump(dir, types, *keep)
	}
	if err != nil {
		log.Fatal(err)
	}
	if *saveDump != "" {
		if err := os.WriteFile(*saveDump, raw, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	var schemas []schemaDump
	if err := json.Unmarshal(raw, &schemas); err != nil {
		log.Fatalf("reading the schema dump: %v", err)
	}
	t, err := build(dir, kinds, schemas)
	if err != nil {
		log.Fatal(err)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, k := range t.Resources {
		n += len(k.Fields)
	}
	log.Printf("wrote %s: %d kinds, %d fields", *out, len(t.Resources), n)
}

// moduleDir downloads the Terraform provider module (the checksum
// database does not list this fork; provider-aws's go.sum pins it) and
// returns its directory in the module cache.
func moduleDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", tfModule+"@"+tfVersion)
	cmd.Dir = os.TempDir() // outside any module: leave go.mod alone
	cmd.Env = append(os.Environ(), "GONOSUMDB="+tfModule, "GOFLAGS=")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", tfModule, tfVersion, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(b, &m); err != nil || m.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s", tfModule, tfVersion, err, m.Error)
	}
	return m.Dir, nil
}

var typeNameRE = regexp.MustCompile(`TypeName:\s+"(aws_[a-z0-9_]+)",`)

// servicePackages returns the internal/service directories that register
// the Terraform types.
func servicePackages(dir string, types []string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "internal/service/*/service_package_gen.go"))
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	var pkgs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range typeNameRE.FindAllSubmatch(b, -1) {
			if t := string(m[1]); slices.Contains(types, t) {
				found[t] = true
				pkgs = append(pkgs, filepath.Base(filepath.Dir(f)))
			}
		}
	}
	for _, t := range types {
		if !found[t] {
			return nil, fmt.Errorf("no service package of %s registers %s", tfModule, t)
		}
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs), nil
}

// dump builds and runs the schema dumper in a temporary module: go.mod and
// go.sum copied (the go command may update them), everything else linked.
func dump(dir string, types []string, keep bool) ([]byte, error) {
	pkgs, err := servicePackages(dir, types)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "forcenew-")
	if err != nil {
		return nil, err
	}
	if keep {
		log.Printf("module copy in %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		src, dst := filepath.Join(dir, e.Name()), filepath.Join(tmp, e.Name())
		if e.Name() == "go.mod" || e.Name() == "go.sum" {
			b, err := os.ReadFile(src)
			if err == nil {
				err = os.WriteFile(dst, b, 0o644)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := os.Symlink(src, dst); err != nil {
			return nil, err
		}
	}
	var src bytes.Buffer
	err = template.Must(template.New("dump").Parse(dumpTemplate)).Execute(&src, map[string]any{
		"Module": tfModule, "Version": tfVersion, "Packages": pkgs,
	})
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(tmp, "zz_forcenewdump"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "zz_forcenewdump", "main.go"), src.Bytes(), 0o644); err != nil {
		return nil, err
	}
	log.Printf("building the schemas of %d Terraform types from %d service packages (%s); minutes on a cold build cache",
		len(types), len(pkgs), strings.Join(pkgs, ", "))
	cmd := exec.Command("go", append([]string{"run", "-trimpath", "./zz_forcenewdump"}, types...)...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GONOSUMDB="+tfModule, "GOWORK=off")
	cmd.Stderr = os.Stderr
	return cmd.Output()
}
