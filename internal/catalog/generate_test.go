package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// repoRoot is the repository root, two directories above this package.
const repoRoot = "../.."

func TestHumanize(t *testing.T) {
	cases := map[string]string{
		"network":               "Network",
		"vpcCidr":               "VPC CIDR",
		"availabilityZoneNames": "Availability zone names",
		"alb5xxPerMinute":       "ALB 5xx per minute",
		"target5xxPerMinute":    "Target 5xx per minute",
		"imageUri":              "Image URI",
		"memoryMb":              "Memory MB",
		"multiAz":               "Multi AZ",
		"hostedZoneId":          "Hosted zone ID",
		"api":                   "API",
		"ttlSeconds":            "TTL seconds",
		"credentialsSecretRef":  "Credentials secret reference",
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			if got := humanize(in); got != want {
				t.Errorf("humanize(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestFormField(t *testing.T) {
	cases := map[string]struct {
		schema string
		want   string
		err    string
	}{
		"StringWithValidation": {
			schema: `{type: string, description: "Region is\nthe region.", default: us-east-2, pattern: '^[a-z]+$', maxLength: 32, x-kubernetes-validations: [{rule: "self == oldSelf"}]}`,
			want:   `{title: Field name, type: string, default: us-east-2, pattern: '^[a-z]+$', maxLength: 32, "ui:help": Region is the region.}`,
		},
		"EnumOfIntegers": {
			schema: `{type: integer, enum: [1, 3], default: 3}`,
			want:   `{title: Field name, type: integer, enum: [1, 3], default: 3, "ui:widget": select}`,
		},
		"ObjectRequiredFirst": {
			schema: `{type: object, default: {}, description: Group., required: [z], properties: {a: {type: boolean}, z: {type: number, minimum: 0.5, multipleOf: 0.5}}}`,
			want:   `{title: Field name, type: object, description: Group., required: [z], properties: {z: {title: Z, type: number, minimum: 0.5, multipleOf: 0.5}, a: {title: A, type: boolean}}}`,
		},
		"Map": {
			schema: `{type: object, maxProperties: 40, additionalProperties: {type: string}}`,
			want:   `{title: Field name, type: object, maxProperties: 40, additionalProperties: {type: string}}`,
		},
		"ArrayOfObjects": {
			schema: `{type: array, maxItems: 2, items: {type: object, properties: {action: {type: string, enum: [include, exclude], default: include}}}}`,
			want:   `{title: Field name, type: array, maxItems: 2, items: {type: object, properties: {action: {title: Action, type: string, enum: [include, exclude], default: include, "ui:widget": select}}}}`,
		},
		"NoType":       {schema: `{x-kubernetes-int-or-string: true}`, err: "no type"},
		"OpaqueObject": {schema: `{type: object, x-kubernetes-preserve-unknown-fields: true}`, err: "neither properties nor additionalProperties"},
		"ArrayNoItems": {schema: `{type: array}`, err: "without items"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.schema), &s); err != nil {
				t.Fatal(err)
			}
			f, err := formField("fieldName", s, "spec.fieldName")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("formField error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, err := encodeDocs(f)
			if err != nil {
				t.Fatal(err)
			}
			got, want := map[string]any{}, map[string]any{}
			if err := yaml.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("formField -want +got:\n%s", diff)
			}
			if name == "ObjectRequiredFirst" && !strings.Contains(string(raw), "properties:\n  z:") {
				t.Errorf("required field not first:\n%s", raw)
			}
		})
	}
}

// testXRD has groups beyond today's: a required one, an optional one, one
// with a default, one the page order does not know.
const testXRD = `
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
spec:
  group: example.org
  claimNames: {kind: Thing, plural: things}
  versions:
  - name: v1
    referenceable: true
    schema:
      openAPIV3Schema:
        description: A thing.
        properties:
          spec:
            required: [suffix, api]
            properties:
              suffix: {type: string}
              tags: {type: object, additionalProperties: {type: string}}
              zeta: {type: object, properties: {a: {type: string}}}
              network: {type: object, default: {}, properties: {cidr: {type: string}, zones: {type: array, items: {type: string}}, pinned: {type: array, default: [a], items: {type: string}}}}
              api: {type: object, required: [image], properties: {image: {type: string}}}
              migration: {type: object, required: [source], properties: {source: {type: string}}}
`

// TestParseXRD: which spec properties are groups, which groups are
// optional (and get a toggle), page order.
func TestParseXRD(t *testing.T) {
	x, err := ParseXRD([]byte(testXRD))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"network", "migration", "api", "zeta"}, x.Groups); diff != "" {
		t.Errorf("groups -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"suffix", "tags"}, x.Fields); diff != "" {
		t.Errorf("fields -want +got:\n%s", diff)
	}
	toggles := map[string]string{}
	for _, g := range x.Groups {
		if tg, ok := x.Toggle(g); ok {
			toggles[g] = tg
		}
	}
	// network has a default, api is required: both always present.
	if diff := cmp.Diff(map[string]string{"migration": "configureMigration", "zeta": "configureZeta"}, toggles); diff != "" {
		t.Errorf("toggles -want +got:\n%s", diff)
	}
	if _, err := ParseXRD([]byte("spec: {group: x}")); err == nil {
		t.Error("an XRD without claim names parsed")
	}
}

// TestCatalogInSync regenerates the catalog from the XRD and compares it
// with examples/catalog; run make catalog to accept a change.
func TestCatalogInSync(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, XRDPath))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repoRoot, Dir)
	var onDisk []string
	err = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			r, _ := filepath.Rel(dir, p)
			onDisk = append(onDisk, filepath.ToSlash(r))
		}
		return err
	})
	if err != nil {
		t.Fatalf("%v (run make catalog)", err)
	}
	var generated []string
	for name, want := range files {
		generated = append(generated, name)
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v (run make catalog)", name, err)
			continue
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s/%s is out of date with the XRD (run make catalog); -generated +checked in:\n%s", Dir, name, diff)
		}
	}
	slices.Sort(generated)
	slices.Sort(onDisk)
	if diff := cmp.Diff(generated, onDisk); diff != "" {
		t.Errorf("files in %s -generated +checked in (run make catalog):\n%s", Dir, diff)
	}
}

// TestCatalogInfo: the API entity's OpenAPI definition describes the claim
// with exactly the XRD's spec (plus the writeConnectionSecretToRef every
// claim has) and status, at the claim's namespaced endpoints.
func TestCatalogInfo(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, XRDPath))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(raw)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	for _, d := range strings.Split(string(files[CatalogInfoFile]), "\n---\n") {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, m)
	}
	if len(docs) != 2 || docs[0]["kind"] != "API" || docs[1]["kind"] != "Location" {
		t.Fatalf("catalog-info.yaml holds %d documents, want an API and a Location", len(docs))
	}
	spec := docs[0]["spec"].(map[string]any)
	if spec["type"] != "openapi" || spec["owner"] != Owner {
		t.Errorf("API spec type %v owner %v", spec["type"], spec["owner"])
	}
	def := map[string]any{}
	if err := yaml.Unmarshal([]byte(spec["definition"].(string)), &def); err != nil {
		t.Fatalf("definition: %v", err)
	}
	x, err := ParseXRD(raw)
	if err != nil {
		t.Fatal(err)
	}
	paths := def["paths"].(map[string]any)
	base := "/apis/" + x.Group + "/" + x.Version + "/namespaces/{namespace}/" + x.ClaimPlural
	for _, p := range []string{base, base + "/{name}"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("definition has no path %s", p)
		}
	}
	claim := def["components"].(map[string]any)["schemas"].(map[string]any)[x.ClaimKind].(map[string]any)
	props := claim["properties"].(map[string]any)
	wantSpec := deepCopy(x.Spec).(map[string]any)
	wantSpec["properties"].(map[string]any)["writeConnectionSecretToRef"] = map[string]any{
		"type": "object", "required": []any{"name"},
		"description": "Added to every claim by Crossplane: the Secret, in the claim's namespace, the connection details are written to.",
		"properties":  map[string]any{"name": map[string]any{"type": "string"}},
	}
	if diff := cmp.Diff(wantSpec, props["spec"]); diff != "" {
		t.Errorf("definition's spec schema -XRD +definition:\n%s", diff)
	}
	if diff := cmp.Diff(x.Status, props["status"]); diff != "" {
		t.Errorf("definition's status schema -XRD +definition:\n%s", diff)
	}
	if got := docs[1]["spec"].(map[string]any)["targets"]; !cmp.Equal(got, []any{"./" + TemplateFile}) {
		t.Errorf("Location targets %v", got)
	}
}

// TestGenerateFollowsXRD: a group the XRD gains gets its page, its values
// and its skeleton block without touching the generator.
func TestGenerateFollowsXRD(t *testing.T) {
	files, err := Generate([]byte(testXRD))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := struct {
		Spec struct {
			Parameters []struct {
				Title string `json:"title"`
			} `json:"parameters"`
		} `json:"spec"`
	}{}
	if err := yaml.Unmarshal(files[TemplateFile], &tmpl); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, p := range tmpl.Spec.Parameters {
		titles = append(titles, p.Title)
	}
	if diff := cmp.Diff([]string{"Platform", "Network", "Migration", "API", "Zeta", "Pull request"}, titles); diff != "" {
		t.Errorf("pages -want +got:\n%s", diff)
	}
	for _, want := range []string{
		"zeta: ${{ parameters.zeta if parameters.configureZeta }}",
		"api: ${{ parameters.api }}",
	} {
		if !strings.Contains(string(files[TemplateFile]), want) {
			t.Errorf("template lacks %q", want)
		}
	}
	// Run it: the optional group unticked leaves the claim, the ticked one
	// is in it; an empty list or map without a default is left out, an
	// emptied list with a default is kept.
	dir := t.TempDir()
	for name, raw := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := scaffold(t, filepath.Join(dir, TemplateFile), map[string]map[string]any{"Thing": {
		ParamName: "n", ParamNamespace: "ns", ParamRepoURL: gitopsRepo, "suffix": "s", "tags": map[string]any{},
		"network": map[string]any{"pinned": []any{}},
		"api":     map[string]any{"image": "i"}, "configureZeta": true, "zeta": map[string]any{"a": "z"},
	}})["Thing"]
	if r.Rejected || len(r.BackendErrors) > 0 || len(r.RenderFailures) > 0 {
		t.Fatalf("form errors %v, backend errors %v, render failures %v", r.formErrors(), r.BackendErrors, r.RenderFailures)
	}
	if got := r.Values["network"].(map[string]any)["zones"]; !cmp.Equal(got, []any{}) {
		t.Errorf("the form filled network.zones with %v, want []", got)
	}
	want := "# A Thing requested through the Backstage template payment-platform.\napiVersion: example.org/v1\nkind: Thing\n" +
		"metadata:\n  name: \"n\"\n  namespace: \"ns\"\nspec:\n  suffix: \"s\"\n  network:\n    pinned: []\n  api:\n    image: \"i\"\n  zeta:\n    a: \"z\"\n"
	if got := r.Files[claimPath]; got != want {
		t.Errorf("skeleton rendered -want +got:\n%s", cmp.Diff(want, got))
	}
}
