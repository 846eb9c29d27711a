package catalog

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// gitopsRepo is what the RepoUrlPicker submits.
const gitopsRepo = "github.com?owner=acme-payments&repo=payments-gitops"

// template is the checked-in Template, read the way the scaffolder reads it.
type template struct {
	pages    []map[string]any
	values   any // the claim step's input.values, unrendered
	skeleton string
	toggles  map[string]string // spec group -> form toggle
	fields   map[string]bool   // spec properties the form has a field for
}

func loadTemplate(t *testing.T) template {
	t.Helper()
	dir := filepath.Join(repoRoot, Dir)
	raw, err := os.ReadFile(filepath.Join(dir, TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	doc := struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Parameters []map[string]any `json:"parameters"`
			Steps      []struct {
				ID     string         `json:"id"`
				Action string         `json:"action"`
				Input  map[string]any `json:"input"`
			} `json:"steps"`
		} `json:"spec"`
	}{}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.APIVersion != "scaffolder.backstage.io/v1beta3" || doc.Kind != "Template" {
		t.Fatalf("%s is a %s %s", TemplateFile, doc.APIVersion, doc.Kind)
	}
	tp := template{pages: doc.Spec.Parameters, toggles: map[string]string{}, fields: map[string]bool{}}
	var actions []string
	for _, s := range doc.Spec.Steps {
		actions = append(actions, s.Action)
		if s.Action == "fetch:template" {
			tp.values = s.Input["values"]
			if s.Input["url"] != "./"+SkeletonDir {
				t.Errorf("fetch:template fetches %v, want ./%s", s.Input["url"], SkeletonDir)
			}
		}
	}
	if diff := cmp.Diff([]string{"fetch:template", "publish:github:pull-request"}, actions); diff != "" {
		t.Errorf("step actions -want +got:\n%s", diff)
	}
	skel, err := os.ReadFile(filepath.Join(dir, SkeletonDir, ClaimFile))
	if err != nil {
		t.Fatal(err)
	}
	tp.skeleton = string(skel)
	for _, p := range tp.pages {
		props, _ := p["properties"].(map[string]any)
		for k := range props {
			tp.fields[k] = true
		}
		deps, _ := p["dependencies"].(map[string]any)
		for toggle, d := range deps {
			branches, _ := d.(map[string]any)["oneOf"].([]any)
			for _, b := range branches {
				bp, _ := b.(map[string]any)["properties"].(map[string]any)
				if c, _ := bp[toggle].(map[string]any)["const"].(bool); !c {
					continue
				}
				for k := range bp {
					if k != toggle {
						tp.toggles[k], tp.fields[k] = toggle, true
					}
				}
			}
		}
	}
	return tp
}

// formInput is what a user types into the form to request the claim:
// every spec field of the claim in its field, optional groups switched on.
func (tp template) formInput(t *testing.T, claim map[string]any) map[string]any {
	t.Helper()
	md := claim["metadata"].(map[string]any)
	in := map[string]any{ParamName: md["name"], ParamNamespace: md["namespace"], ParamRepoURL: gitopsRepo}
	for k, v := range claim["spec"].(map[string]any) {
		if k == "writeConnectionSecretToRef" {
			in[ParamConnectionSecret] = v.(map[string]any)["name"]
			continue
		}
		if !tp.fields[k] {
			t.Errorf("the form has no field for spec.%s", k)
		}
		in[k] = v
		if toggle, ok := tp.toggles[k]; ok {
			in[toggle] = true
		}
	}
	return in
}

// scaffold runs what the scaffolder runs: the form's data (defaults
// filled, validated), the claim step's values, the skeleton.
func (tp template) scaffold(t *testing.T, input map[string]any) ([]byte, []string) {
	t.Helper()
	data, err := FormData(tp.pages, input)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := ValidateForm(tp.pages, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	values, err := RenderInput(tp.values, map[string]any{"parameters": data})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(tp.skeleton, map[string]any{"values": values})
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out), nil
}

// TestTemplateFillsExamples fills the form with the dev and prod examples,
// renders the claim as the scaffolder would, and checks it is the example
// claim with the XRD's defaults applied (what the API server would store
// for the example) and that crossplane beta validate accepts it against
// the XRD. A claim breaking a CEL rule the form cannot check is rejected by
// validate.
func TestTemplateFillsExamples(t *testing.T) {
	tp := loadTemplate(t)
	xrdRaw, err := os.ReadFile(filepath.Join(repoRoot, XRDPath))
	if err != nil {
		t.Fatal(err)
	}
	x, err := ParseXRD(xrdRaw)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cases := map[string]struct {
		claim string
		edit  func(in map[string]any)
	}{
		"Dev":  {claim: "claim.yaml"},
		"Prod": {claim: "claim-prod.yaml"},
		"ProdWithoutOptionalGroups": {claim: "claim-prod.yaml", edit: func(in map[string]any) {
			// Unticked groups leave the claim even if the form still holds
			// their data.
			for g, toggle := range tp.toggles {
				in[toggle] = false
				delete(in, g)
				in[g] = map[string]any{"stale": "data the user entered before unticking"}
			}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claim := readClaim(t, tc.claim)
			in := tp.formInput(t, claim)
			want := claim
			if tc.edit != nil {
				tc.edit(in)
				want = deepCopy(claim).(map[string]any)
				for g := range tp.toggles {
					delete(want["spec"].(map[string]any), g)
				}
			}
			rendered, errs := tp.scaffold(t, in)
			if len(errs) > 0 {
				t.Fatalf("the form rejects %s:\n%s", tc.claim, strings.Join(errs, "\n"))
			}
			got := map[string]any{}
			if err := yaml.UnmarshalStrict(rendered, &got); err != nil {
				t.Fatalf("the rendered claim is not YAML: %v\n%s", err, rendered)
			}
			wantDefaulted := deepCopy(want).(map[string]any)
			applyDefaults(x.Spec, wantDefaulted["spec"])
			if diff := cmp.Diff(wantDefaulted, got); diff != "" {
				t.Errorf("rendered claim -example with XRD defaults +rendered:\n%s\n%s", diff, rendered)
			}
			if err := os.WriteFile(filepath.Join(out, name+".yaml"), rendered, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}

	cli := crossplaneCLI(t)
	ext, cache := validateDirs(t, xrdRaw)
	t.Run("Validate", func(t *testing.T) {
		res, err := render.Validate(context.Background(), cli, ext, out, cache)
		if err != nil {
			t.Fatalf("validate: %v\n%s", err, res)
		}
		if !bytes.Contains(res, []byte("Total 3 resources: 0 missing schemas, 3 success cases, 0 failure cases")) {
			t.Errorf("validate did not accept the 3 rendered claims:\n%s", res)
		}
	})
	t.Run("ValidateRejectsCEL", func(t *testing.T) {
		claim := readClaim(t, "claim-prod.yaml")
		in := tp.formInput(t, claim)
		in["network"].(map[string]any)["natMode"] = "Single" // prod needs PerAZ: a CEL rule
		rendered, errs := tp.scaffold(t, in)
		if len(errs) > 0 {
			t.Fatalf("the form rejects it itself (%v); pick a rule the form cannot check", errs)
		}
		p := filepath.Join(t.TempDir(), "single-nat.yaml")
		if err := os.WriteFile(p, rendered, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := render.Validate(context.Background(), cli, ext, p, cache)
		if err == nil || !strings.Contains(string(res)+err.Error(), "prod needs one NAT gateway per availability zone") {
			t.Errorf("validate of a prod claim with a single NAT: %v\n%s", err, res)
		}
	})
}

// TestFormRejects: the form's own validation (required fields, enums,
// patterns, ranges) stops bad input before a claim is rendered.
func TestFormRejects(t *testing.T) {
	tp := loadTemplate(t)
	cases := map[string]struct {
		edit func(in map[string]any)
		want string
	}{
		"MissingName":          {edit: func(in map[string]any) { delete(in, ParamName) }, want: "name: is required"},
		"MissingSuffix":        {edit: func(in map[string]any) { delete(in, "environmentSuffix") }, want: "environmentSuffix: is required"},
		"MissingRepository":    {edit: func(in map[string]any) { delete(in, ParamRepoURL) }, want: "repoUrl: is required"},
		"SuffixPattern":        {edit: func(in map[string]any) { in["environmentSuffix"] = "Prod_1" }, want: "environmentSuffix: must match"},
		"UnknownEnvironment":   {edit: func(in map[string]any) { in["environment"] = "qa" }, want: "environment: must be one of [dev staging prod]"},
		"TooManyZones":         {edit: func(in map[string]any) { in["network"].(map[string]any)["availabilityZones"] = float64(4) }, want: "network.availabilityZones: must be <= 3"},
		"RetentionNotAnOption": {edit: func(in map[string]any) { in["network"].(map[string]any)["flowLogRetentionDays"] = float64(100) }, want: "network.flowLogRetentionDays: must be one of"},
		"ZoneName": {edit: func(in map[string]any) {
			in["network"].(map[string]any)["availabilityZoneNames"] = []any{"us-east-2a", "b", "c"}
		}, want: "network.availabilityZoneNames[1]: must match"},
		"OptionalGroupNeedsItsRequired": {edit: func(in map[string]any) {
			delete(in["migration"].(map[string]any)["source"].(map[string]any), "host")
		}, want: "migration.source.host: is required"},
		"OptionalGroupOnButEmpty": {edit: func(in map[string]any) { delete(in, "api") }, want: "api.imageUri: is required"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := tp.formInput(t, readClaim(t, "claim-prod.yaml"))
			tc.edit(in)
			_, errs := tp.scaffold(t, in)
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Errorf("form errors %q, want one containing %q", errs, tc.want)
			}
		})
	}
}

func readClaim(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// applyDefaults applies an OpenAPI schema's defaults to v like the API
// server's structural defaulting: a missing property with a default gets
// it, then defaulting continues inside every object and list item.
func applyDefaults(schema map[string]any, v any) {
	switch v := v.(type) {
	case map[string]any:
		if props, ok := schema["properties"].(map[string]any); ok {
			for k, ps := range props {
				ps, _ := ps.(map[string]any)
				if _, set := v[k]; !set {
					if d, ok := ps["default"]; ok {
						v[k] = deepCopy(d)
					}
				}
				if e, ok := v[k]; ok {
					applyDefaults(ps, e)
				}
			}
		}
		if a, ok := schema["additionalProperties"].(map[string]any); ok {
			for _, e := range v {
				applyDefaults(a, e)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for _, e := range v {
				applyDefaults(items, e)
			}
		}
	}
}

// crossplaneCLI returns the crossplane binary (see render.CLIPath).
func crossplaneCLI(t *testing.T) string { t.Helper(); return render.CLIPath(t, repoRoot) }

// validateDirs are the extensions (our XRD) and a validate cache seeded
// with Crossplane's core CRDs, so validate runs offline.
func validateDirs(t *testing.T, xrd []byte) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ext, cache := filepath.Join(dir, "extensions"), filepath.Join(dir, "cache")
	if err := os.MkdirAll(ext, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ext, "definition.yaml"), xrd, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := os.Getenv("GO") // the Makefile sets it
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, "list", "-m", "-f", "{{.Dir}}", "github.com/crossplane/crossplane/v2")
	cmd.Dir = filepath.Join(repoRoot, "tools")
	mod, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list the crossplane module: %v", err)
	}
	if err := render.SeedCache(cache, filepath.Join(strings.TrimSpace(string(mod)), "cluster", "crds"), "v2.2.0"); err != nil {
		t.Fatal(err)
	}
	return ext, cache
}
