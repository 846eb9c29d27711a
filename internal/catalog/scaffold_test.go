package catalog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/render"
)

// gitopsRepo is what the RepoUrlPicker submits.
const gitopsRepo = "github.com?owner=acme-payments&repo=payments-gitops"

// claimPath is where fetch:template writes the claim in the workspace.
var claimPath = path.Join(ClaimDir, ClaimFile)

// formInput is what a user enters in the form to request the claim: every
// spec field of the claim in its field, optional groups ticked.
func formInput(x *XRD, claim map[string]any) map[string]any {
	md := claim["metadata"].(map[string]any)
	in := map[string]any{ParamName: md["name"], ParamNamespace: md["namespace"], ParamRepoURL: gitopsRepo}
	for k, v := range claim["spec"].(map[string]any) {
		if k == "writeConnectionSecretToRef" {
			in[ParamConnectionSecret] = v.(map[string]any)["name"]
			continue
		}
		in[k] = deepCopy(v)
		if toggle, ok := x.Toggle(k); ok {
			in[toggle] = true
		}
	}
	return in
}

func loadXRD(t *testing.T) ([]byte, *XRD) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, XRDPath))
	if err != nil {
		t.Fatal(err)
	}
	x, err := ParseXRD(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, x
}

// TestTemplateFillsExamples fills the form with the dev and prod examples
// and runs the template, all with Backstage's engines (engines_test.go),
// and checks that the claim it renders is the example claim with the XRD's
// defaults applied (what the API server would store for the example), that
// crossplane beta validate accepts it against the XRD, and that the pull
// request goes where the user asked. A claim breaking a CEL rule the form
// cannot check is rejected by validate.
func TestTemplateFillsExamples(t *testing.T) {
	xrdRaw, x := loadXRD(t)
	var optional []string // groups the user ticks
	for _, g := range x.Groups {
		if _, ok := x.Toggle(g); ok {
			optional = append(optional, g)
		}
	}
	cases := map[string]struct {
		claim string
		edit  func(in map[string]any)
		drop  []string // spec fields the claim loses
	}{
		"Dev":  {claim: "claim.yaml"},
		"Prod": {claim: "claim-prod.yaml"},
		"ProdWithoutOptionalGroups": {claim: "claim-prod.yaml", drop: optional, edit: func(in map[string]any) {
			// Unticked groups leave the claim even if the form still
			// holds what the user entered before unticking.
			for _, g := range optional {
				toggle, _ := x.Toggle(g)
				in[toggle] = false
				in[g] = map[string]any{"stale": "data the user entered before unticking"}
			}
		}},
		"ProdSingleNAT": {claim: "claim-prod.yaml", edit: func(in map[string]any) {
			in["network"].(map[string]any)["natMode"] = "Single" // prod needs PerAZ: a CEL rule
		}},
	}
	inputs, wants := map[string]map[string]any{}, map[string]map[string]any{}
	for name, tc := range cases {
		claim := readClaim(t, tc.claim)
		in := formInput(x, claim)
		if tc.edit != nil {
			tc.edit(in)
		}
		want := deepCopy(claim).(map[string]any)
		for _, g := range tc.drop {
			delete(want["spec"].(map[string]any), g)
		}
		if name == "ProdSingleNAT" {
			want["spec"].(map[string]any)["network"].(map[string]any)["natMode"] = "Single"
		}
		applyDefaults(x.Spec, want["spec"])
		inputs[name], wants[name] = in, want
	}
	runs := scaffold(t, filepath.Join(repoRoot, Dir, TemplateFile), inputs)

	out, invalid := t.TempDir(), t.TempDir()
	for _, name := range sortedKeys(cases) {
		t.Run(name, func(t *testing.T) {
			r := runs[name]
			if r.Rejected {
				t.Fatalf("the form rejects %s:\n%v", cases[name].claim, r.formErrors())
			}
			if len(r.BackendErrors) > 0 {
				t.Fatalf("the scaffolder backend rejects the form's values:\n%s", strings.Join(r.BackendErrors, "\n"))
			}
			if len(r.RenderFailures) > 0 {
				t.Errorf("step inputs that do not render:\n%s", strings.Join(r.RenderFailures, "\n"))
			}
			checkFilledEmpty(t, x, r, inputs[name])
			rendered, ok := r.Files[claimPath]
			if !ok {
				t.Fatalf("fetch:template wrote %v, not %s", sortedKeys(r.Files), claimPath)
			}
			got := map[string]any{}
			if err := yaml.UnmarshalStrict([]byte(rendered), &got); err != nil {
				t.Fatalf("the rendered claim is not YAML: %v\n%s", err, rendered)
			}
			if diff := cmp.Diff(wants[name], got); diff != "" {
				t.Errorf("rendered claim -example with XRD defaults +rendered:\n%s\n%s", diff, rendered)
			}
			checkPullRequest(t, r, wants[name])
			dir := out
			if name == "ProdSingleNAT" {
				dir = invalid
			}
			if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(rendered), 0o644); err != nil {
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
		p := filepath.Join(invalid, "ProdSingleNAT.yaml")
		if _, err := os.Stat(p); err != nil {
			t.Fatal("ProdSingleNAT was not rendered (so the form rejected it itself; pick a rule the form cannot check)")
		}
		res, err := render.Validate(context.Background(), cli, ext, p, cache)
		if err == nil || !strings.Contains(string(res)+err.Error(), "prod needs one NAT gateway per availability zone") {
			t.Errorf("validate of a prod claim with a single NAT: %v\n%s", err, res)
		}
	})
}

// checkFilledEmpty: the form fills an empty list into every list field
// without a default that the user leaves alone (rjsf's
// getDefaultFormState); the claim step gets them (in the groups the claim
// has), and the claim leaves them out (the diff with the example checks
// that).
func checkFilledEmpty(t *testing.T, x *XRD, r run, input map[string]any) {
	t.Helper()
	claimStep, ok := r.Steps["claim"]
	if !ok {
		t.Fatal("the template has no claim step")
	}
	values, _ := claimStep.Input["values"].(map[string]any)
	spec, _ := values["spec"].(map[string]any)
	var filled, want []string
	var walk func(schema map[string]any, v, in any, path string)
	walk = func(schema map[string]any, v, in any, path string) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		inObj, _ := in.(map[string]any)
		props, _ := schema["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			ps, _ := props[k].(map[string]any)
			e, set := obj[k]
			_, entered := inObj[k]
			if isGroup(ps) {
				walk(ps, e, inObj[k], path+k+".")
				continue
			}
			if _, hasDefault := ps["default"]; ps["type"] == "array" && !hasDefault && !entered {
				want = append(want, path+k)
			}
			if l, isList := e.([]any); set && !entered && isList && len(l) == 0 {
				filled = append(filled, path+k)
			}
			if m, isMap := e.(map[string]any); set && !entered && isMap && len(m) == 0 {
				filled = append(filled, path+k)
			}
		}
	}
	walk(x.Spec, spec, input, "")
	if diff := cmp.Diff(want, filled); diff != "" {
		t.Errorf("empty lists the form filled in -every list field without a default +filled:\n%s", diff)
	}
	t.Logf("the form filled [] into %v", filled)
}

// checkPullRequest: the pull request goes to the user's repository, with
// the claim in <directory>/<namespace>/<name>.
func checkPullRequest(t *testing.T, r run, claim map[string]any) {
	t.Helper()
	pr, ok := r.Steps["pr"]
	if !ok {
		t.Fatal("the template has no pr step")
	}
	md := claim["metadata"].(map[string]any)
	ref := fmt.Sprintf("%s/%s", md["namespace"], md["name"])
	want := map[string]any{
		"repoUrl":    gitopsRepo,
		"sourcePath": ClaimDir,
		"targetPath": DefaultTargetPath + "/" + ref,
		"branchName": strings.ToLower(claim["kind"].(string)) + "/" + ref,
	}
	got := map[string]any{}
	for k := range want {
		got[k] = pr.Input[k]
	}
	if pr.Action != "publish:github:pull-request" {
		t.Errorf("the pr step runs %s", pr.Action)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull request input -want +got:\n%s", diff)
	}
}

// TestFormRejects: the form's own validation (rjsf with its ajv
// validator: required fields, patterns, ranges) stops bad input on its
// page, before a claim is rendered. Required properties of the page itself
// are named without a leading dot, nested ones with (rjsf's paths).
func TestFormRejects(t *testing.T) {
	_, x := loadXRD(t)
	cases := map[string]struct {
		edit func(in map[string]any)
		want formError // its name and property
	}{
		"MissingName":       {edit: func(in map[string]any) { delete(in, ParamName) }, want: formError{Name: "required", Property: "name"}},
		"MissingSuffix":     {edit: func(in map[string]any) { delete(in, "environmentSuffix") }, want: formError{Name: "required", Property: "environmentSuffix"}},
		"MissingRepository": {edit: func(in map[string]any) { delete(in, ParamRepoURL) }, want: formError{Name: "required", Property: "repoUrl"}},
		"SuffixPattern":     {edit: func(in map[string]any) { in["environmentSuffix"] = "Prod_1" }, want: formError{Name: "pattern", Property: ".environmentSuffix"}},
		"TooManyZones":      {edit: func(in map[string]any) { in["network"].(map[string]any)["availabilityZones"] = float64(4) }, want: formError{Name: "maximum", Property: ".network.availabilityZones"}},
		"ZoneName": {edit: func(in map[string]any) {
			in["network"].(map[string]any)["availabilityZoneNames"] = []any{"us-east-2a", "b", "c"}
		}, want: formError{Name: "pattern", Property: ".network.availabilityZoneNames.1"}},
		"OptionalGroupNeedsItsRequired": {edit: func(in map[string]any) {
			delete(in["migration"].(map[string]any)["source"].(map[string]any), "host")
		}, want: formError{Name: "required", Property: ".migration.source.host"}},
		"OptionalGroupOnButEmpty": {edit: func(in map[string]any) { delete(in, "api") }, want: formError{Name: "required", Property: ".api.imageUri"}},
	}
	inputs := map[string]map[string]any{}
	for name, tc := range cases {
		in := formInput(x, readClaim(t, "claim-prod.yaml"))
		tc.edit(in)
		inputs[name] = in
	}
	runs := scaffold(t, filepath.Join(repoRoot, Dir, TemplateFile), inputs)
	for _, name := range sortedKeys(cases) {
		t.Run(name, func(t *testing.T) {
			r, want := runs[name], cases[name].want
			if !r.Rejected {
				t.Fatalf("the form accepts it; want a %s error on %s", want.Name, want.Property)
			}
			errs := r.formErrors()
			if !slices.ContainsFunc(errs, func(e formError) bool { return e.Name == want.Name && e.Property == want.Property }) {
				t.Errorf("form errors %v, want a %s error on %s", errs, want.Name, want.Property)
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

// TestFormKeepsEnums: an enum field is a select of its values, and a value
// outside them (say from a formData query parameter) never reaches the
// claim: the form replaces it with the field's default when it fills the
// defaults (rjsf's getDefaultFormState), so the claim gets the default.
func TestFormKeepsEnums(t *testing.T) {
	_, x := loadXRD(t)
	in := formInput(x, readClaim(t, "claim-prod.yaml"))
	in["environment"] = "qa"
	in["network"].(map[string]any)["flowLogRetentionDays"] = float64(100)
	r := scaffold(t, filepath.Join(repoRoot, Dir, TemplateFile), map[string]map[string]any{"OffEnum": in})["OffEnum"]
	if r.Rejected || len(r.BackendErrors) > 0 {
		t.Fatalf("form errors %v, backend errors %v", r.formErrors(), r.BackendErrors)
	}
	claim := map[string]any{}
	if err := yaml.UnmarshalStrict([]byte(r.Files[claimPath]), &claim); err != nil {
		t.Fatal(err)
	}
	spec := claim["spec"].(map[string]any)
	got := []any{spec["environment"], spec["network"].(map[string]any)["flowLogRetentionDays"]}
	if want := []any{"dev", float64(365)}; !cmp.Equal(want, got) {
		t.Errorf("environment and flowLogRetentionDays in the claim: %v, want the defaults %v", got, want)
	}
}
