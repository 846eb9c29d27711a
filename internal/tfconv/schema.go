package tfconv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// ProviderModule is the Go module whose config/schema.json is the
// Terraform provider schema (`terraform providers schema -json`) the
// provider-aws types are generated from.
const ProviderModule = "github.com/upbound/provider-aws/v2"

// Schema is what the conversion knows of the provider: the Terraform
// schema of its resources and, per resource type, the Terraform attribute
// holding the external name ("" when none does).
type Schema struct {
	Resources     map[string]*Block
	ExternalNames map[string]ExternalName
}

// ExternalNameAttribute is the attribute of a resource type that holds its
// external name.
func (s *Schema) ExternalNameAttribute(typ string) (string, error) {
	en, ok := s.ExternalNames[typ]
	if !ok {
		return "", fmt.Errorf("provider-aws has no external-name configuration for %s", typ)
	}
	if en.Unknown != "" {
		return "", fmt.Errorf("the external-name configuration of %s is not understood: %s", typ, en.Unknown)
	}
	if en.Attribute == "" {
		return "", fmt.Errorf("the Terraform ID of %s is not its external name (custom configuration in provider-aws config/externalname.go) and no attribute holds it", typ)
	}
	return en.Attribute, nil
}

// Block is a Terraform schema block: its attributes and nested block types.
type Block struct {
	Attributes map[string]*Attribute `json:"attributes"`
	BlockTypes map[string]*BlockType `json:"block_types"`
}

// Attribute is a Terraform attribute: a cty type, or a nested attribute
// type (plugin framework).
type Attribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *NestedType     `json:"nested_type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
}

// NestedType is a plugin-framework nested attribute type.
type NestedType struct {
	Attributes  map[string]*Attribute `json:"attributes"`
	NestingMode string                `json:"nesting_mode"`
}

// BlockType is a nested block type.
type BlockType struct {
	NestingMode string `json:"nesting_mode"`
	Block       *Block `json:"block"`
	MaxItems    int    `json:"max_items"`
}

type schemaFile struct {
	ProviderSchemas map[string]struct {
		ResourceSchemas map[string]struct {
			Block *Block `json:"block"`
		} `json:"resource_schemas"`
	} `json:"provider_schemas"`
}

// ParseSchema reads `terraform providers schema -json` output with one
// provider.
func ParseSchema(b []byte) (*Schema, error) {
	var f schemaFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("cannot parse the Terraform provider schema: %w", err)
	}
	if len(f.ProviderSchemas) != 1 {
		return nil, fmt.Errorf("the Terraform provider schema has %d providers, want 1", len(f.ProviderSchemas))
	}
	s := &Schema{Resources: map[string]*Block{}}
	for _, p := range f.ProviderSchemas {
		for name, r := range p.ResourceSchemas {
			s.Resources[name] = r.Block
		}
	}
	return s, nil
}

// ProviderDir is the directory of the provider-aws module version this
// module requires (in the module cache, via `go list -m`).
func ProviderDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", ProviderModule)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w: %s", ProviderModule, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: module not downloaded (run go mod download %s)", ProviderModule, ProviderModule)
	}
	return dir, nil
}

var (
	defaultSchemaOnce sync.Once
	defaultSchema     *Schema
	defaultSchemaErr  error
)

// LoadProvider loads config/schema.json and config/externalname.go of the
// provider-aws module in dir, or of the version this module requires when
// dir is empty (then once per process).
func LoadProvider(dir string) (*Schema, error) {
	if dir != "" {
		return loadProvider(dir)
	}
	defaultSchemaOnce.Do(func() {
		d, err := ProviderDir()
		if err != nil {
			defaultSchemaErr = err
			return
		}
		defaultSchema, defaultSchemaErr = loadProvider(d)
	})
	return defaultSchema, defaultSchemaErr
}

func loadProvider(dir string) (*Schema, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config", "schema.json"))
	if err != nil {
		return nil, err
	}
	s, err := ParseSchema(b)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(filepath.Join(dir, "config", "externalname.go"))
	if err != nil {
		return nil, err
	}
	if s.ExternalNames, err = ParseExternalNames(src); err != nil {
		return nil, err
	}
	return s, nil
}

// ctyType is a parsed cty type from the schema JSON: "string", "number",
// "bool", "dynamic", ["list"|"set"|"map", T], ["object", {attr: T}],
// ["tuple", [T...]].
type ctyType struct {
	Kind  string // string, number, bool, dynamic, list, set, map, object, tuple
	Elem  *ctyType
	Attrs map[string]*ctyType
	Tuple []*ctyType
}

func parseType(raw json.RawMessage) (*ctyType, error) {
	var prim string
	if err := json.Unmarshal(raw, &prim); err == nil {
		switch prim {
		case "string", "number", "bool", "dynamic":
			return &ctyType{Kind: prim}, nil
		}
		return nil, fmt.Errorf("unknown primitive type %q", prim)
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return nil, fmt.Errorf("cannot parse type %s", raw)
	}
	var kind string
	if err := json.Unmarshal(pair[0], &kind); err != nil {
		return nil, fmt.Errorf("cannot parse type %s", raw)
	}
	t := &ctyType{Kind: kind}
	switch kind {
	case "list", "set", "map":
		e, err := parseType(pair[1])
		if err != nil {
			return nil, err
		}
		t.Elem = e
	case "object":
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(pair[1], &attrs); err != nil {
			return nil, fmt.Errorf("cannot parse object type %s", raw)
		}
		t.Attrs = map[string]*ctyType{}
		for k, v := range attrs {
			at, err := parseType(v)
			if err != nil {
				return nil, err
			}
			t.Attrs[k] = at
		}
	case "tuple":
		var elems []json.RawMessage
		if err := json.Unmarshal(pair[1], &elems); err != nil {
			return nil, fmt.Errorf("cannot parse tuple type %s", raw)
		}
		for _, e := range elems {
			et, err := parseType(e)
			if err != nil {
				return nil, err
			}
			t.Tuple = append(t.Tuple, et)
		}
	default:
		return nil, fmt.Errorf("unknown type kind %q", kind)
	}
	return t, nil
}

// attrType is the attribute's type, nested attribute types as the
// equivalent cty type.
func (a *Attribute) attrType() (*ctyType, error) {
	if a.NestedType == nil {
		return parseType(a.Type)
	}
	obj := &ctyType{Kind: "object", Attrs: map[string]*ctyType{}}
	for k, v := range a.NestedType.Attributes {
		t, err := v.attrType()
		if err != nil {
			return nil, err
		}
		obj.Attrs[k] = t
	}
	switch a.NestedType.NestingMode {
	case "single":
		return obj, nil
	case "list", "set", "map":
		return &ctyType{Kind: a.NestedType.NestingMode, Elem: obj}, nil
	}
	return nil, fmt.Errorf("unknown nesting mode %q", a.NestedType.NestingMode)
}
