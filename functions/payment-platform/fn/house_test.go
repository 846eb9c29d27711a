package fn

import (
	"fmt"
	"go/ast"
	"go/types"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The house plan (ARCHITECTURE.md): one request flows one way through the
// steps, and the tiers, in order, read only the plan — never each other.
// Every non-test file of the package is in exactly one layer.
var (
	// steps run in this order; a file may use files of its own step and
	// earlier ones.
	houseSteps = [][]string{
		{"spec.go"},                 // 1-2. read and check
		{"names.go"},                // the vocabulary every step and tier uses
		{"observed.go", "views.go"}, // 3. observe
		{"plan.go", "decide.go"},    // the plan and its decisions, made once
		// shared builders every tier may use (4-5: build, assemble)
		{"compose.go", "policy.go", "logs.go", "usage.go", "alarms.go", "lambdafn.go", "scheme.go"},
	}
	// tiers, in order; each may use the steps above and itself only (and
	// its companion files).
	houseTiers = [][]string{
		{"encryption.go"},
		{"network.go", "endpoints.go", "onprem.go"},
		{"security.go"},
		{"database.go"},
		{"migration.go", "migration_user.go"},
		{"compute.go"},
		{"edge.go"},
		{"routing.go"},
		{"monitoring.go", "dashboard.go"},
		{"lambdas.go"},
	}
	// after the tiers: pricing what they built, reporting, and the
	// function that runs the steps.
	houseAfter = [][]string{
		{"pricing.go", "cost.go"},
		{"status.go"},
		{"fn.go"},
	}
)

// TestHouseOneWay fails when a file uses a declaration of a file the house
// plan puts later, or a tier uses another tier.
func TestHouseOneWay(t *testing.T) {
	layer := map[string]int{} // file -> index in the flow
	isTier := map[string]bool{}
	n := 0
	for _, group := range slices.Concat(houseSteps, houseTiers, houseAfter) {
		for _, f := range group {
			layer[f] = n
		}
		n++
	}
	for _, g := range houseTiers {
		for _, f := range g {
			isTier[f] = true
		}
	}
	edges := fileEdges(t)
	var bad []string
	for _, from := range slices.Sorted(maps.Keys(edges)) {
		lf, ok := layer[from]
		if !ok {
			bad = append(bad, from+": not placed in the house plan (house_test.go)")
			continue
		}
		for _, to := range slices.Sorted(maps.Keys(edges[from])) {
			lt, ok := layer[to]
			switch {
			case !ok:
				bad = append(bad, to+": not placed in the house plan (house_test.go)")
			case lt > lf:
				bad = append(bad, fmt.Sprintf("%s uses %s (%s), a later step", from, to, edges[from][to]))
			case isTier[from] && isTier[to] && lt != lf:
				bad = append(bad, fmt.Sprintf("tier %s uses tier %s (%s)", from, to, edges[from][to]))
			case !isTier[from] && isTier[to] && from != "fn.go":
				// The report and the cost estimate read the tiers'
				// parts and resources, never the tiers themselves.
				bad = append(bad, fmt.Sprintf("%s uses tier %s (%s): only fn.go runs the tiers", from, to, edges[from][to]))
			}
		}
	}
	for _, b := range slices.Compact(slices.Sorted(slices.Values(bad))) {
		t.Error(b)
	}
}

// fileEdges maps each non-test file to the files whose package-level
// declarations (functions, methods, types, constants, variables) it uses,
// with one example identifier per edge.
func fileEdges(t *testing.T) map[string]map[string]string {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("load package: %v %v", err, pkgs)
	}
	pkg := pkgs[0]
	declFile := func(obj types.Object) string {
		if obj == nil || obj.Pkg() != pkg.Types || !obj.Pos().IsValid() {
			return ""
		}
		return filepath.Base(pkg.Fset.Position(obj.Pos()).Filename)
	}
	edges := map[string]map[string]string{}
	for _, f := range pkg.Syntax {
		from := filepath.Base(pkg.Fset.Position(f.Pos()).Filename)
		if strings.HasSuffix(from, "_test.go") {
			continue
		}
		edges[from] = map[string]string{}
		ast.Inspect(f, func(node ast.Node) bool {
			id, ok := node.(*ast.Ident)
			if !ok {
				return true
			}
			obj := pkg.TypesInfo.Uses[id]
			if obj == nil {
				return true
			}
			// Package-level objects and methods; struct fields belong to
			// the type's file through the type itself.
			switch o := obj.(type) {
			case *types.Var:
				if o.IsField() || o.Parent() != pkg.Types.Scope() {
					return true
				}
			case *types.Func:
			case *types.TypeName, *types.Const:
				if o.Parent() != pkg.Types.Scope() {
					return true
				}
			default:
				return true
			}
			if to := declFile(obj); to != "" && to != from {
				if _, seen := edges[from][to]; !seen {
					edges[from][to] = id.Name
				}
			}
			return true
		})
	}
	return edges
}
