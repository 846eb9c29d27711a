package tfconv

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// ExternalName is what a resource type's upjet external-name configuration
// (provider-aws config/externalname.go) means for the conversion.
type ExternalName struct {
	// Attribute is the Terraform attribute that holds the external name
	// (what reference.ExternalName() extracts); "" when the Terraform ID is
	// derived otherwise (a custom GetIDFn) and no attribute is known to hold
	// it.
	Attribute string
	// Argument is the Terraform argument upjet sets from the external name
	// (SetIdentifierArgumentFn: name for NameAsIdentifier, the parameter of
	// ParameterAsIdentifier, the name field of TemplatedStringAsIdentifier);
	// "" for none.
	Argument string
	// CustomArgument: the configuration sets the identifier argument with
	// its own function (see customIdentifierArguments).
	CustomArgument bool
	// NameInitializer: the managed reconciler sets the external name to
	// metadata.name when it is empty (upjet's DisableNameInitializer unset).
	NameInitializer bool
	// Unknown is why the configuration could not be classified (then the
	// conversion of that type fails).
	Unknown string
}

// ParseExternalNames reads provider-aws's config/externalname.go: the
// external-name configuration of each Terraform resource type, classified
// from upjet's constructors (config.IdentifierFromProvider,
// config.NameAsIdentifier, config.ParameterAsIdentifier(p),
// config.TemplatedStringAsIdentifier(field, tmpl)) and, for the file's own
// functions (kmsAlias(), route(), FormattedIdentifierFromProvider(...)),
// from the constructor they start from (e := config.X) and the functions
// they replace (e.GetIDFn, e.SetIdentifierArgumentFn,
// e.DisableNameInitializer).
func ParseExternalNames(src []byte) (map[string]ExternalName, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "externalname.go", src, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot parse provider-aws config/externalname.go: %w", err)
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			funcs[fd.Name.Name] = fd
		}
	}
	p := &enParser{funcs: funcs}
	out := map[string]ExternalName{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			for _, v := range s.(*ast.ValueSpec).Values {
				cl, ok := v.(*ast.CompositeLit)
				if !ok {
					continue
				}
				for _, e := range cl.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					k, ok := kv.Key.(*ast.BasicLit)
					if !ok || k.Kind != token.STRING {
						continue
					}
					typ, err := strconv.Unquote(k.Value)
					if err != nil {
						return nil, err
					}
					en, err := p.classify(kv.Value, 0)
					if err != nil {
						en = ExternalName{Unknown: err.Error()}
					}
					out[typ] = en
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no external-name configurations in provider-aws config/externalname.go")
	}
	return out, nil
}

type enParser struct {
	funcs map[string]*ast.FuncDecl
}

func (p *enParser) classify(e ast.Expr, depth int) (ExternalName, error) {
	if depth > 5 {
		return ExternalName{}, fmt.Errorf("configuration functions nested too deep")
	}
	switch x := e.(type) {
	case *ast.SelectorExpr:
		switch exprName(x) {
		case "config.IdentifierFromProvider":
			return ExternalName{Attribute: "id"}, nil
		case "config.NameAsIdentifier":
			return ExternalName{Attribute: "id", Argument: "name", NameInitializer: true}, nil
		}
	case *ast.CallExpr:
		fn := exprName(x.Fun)
		switch fn {
		case "config.ParameterAsIdentifier":
			if a, ok := stringArg(x, 0); ok {
				return ExternalName{Attribute: "id", Argument: a, NameInitializer: true}, nil
			}
		case "config.TemplatedStringAsIdentifier":
			if a, ok := stringArg(x, 0); ok {
				// The ID is the template; the external name is the name
				// field (none when it is "").
				return ExternalName{Attribute: a, Argument: a, NameInitializer: true}, nil
			}
		default:
			if fd, ok := p.funcs[fn]; ok {
				return p.classifyFunc(fd, depth)
			}
		}
	}
	return ExternalName{}, fmt.Errorf("unknown configuration %s", exprString(e))
}

// classifyFunc classifies a configuration function of the file: the
// constructor it starts from, and what it replaces.
func (p *enParser) classifyFunc(fd *ast.FuncDecl, depth int) (ExternalName, error) {
	var (
		en    ExternalName
		base  bool
		ident string
	)
	var err error
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if err != nil {
			return false
		}
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		switch l := as.Lhs[0].(type) {
		case *ast.Ident:
			if !base && as.Tok == token.DEFINE {
				en, err = p.classify(as.Rhs[0], depth+1)
				base, ident = true, l.Name
			}
		case *ast.SelectorExpr:
			if id, ok := l.X.(*ast.Ident); ok && base && id.Name == ident {
				switch l.Sel.Name {
				case "GetIDFn":
					en.Attribute = ""
				case "SetIdentifierArgumentFn":
					en.Argument, en.CustomArgument = "", true
				case "DisableNameInitializer":
					en.NameInitializer = exprName(as.Rhs[0]) != "true"
				}
			}
		}
		return true
	})
	if err != nil {
		return ExternalName{}, fmt.Errorf("%s(): %w", fd.Name.Name, err)
	}
	if !base {
		return ExternalName{}, fmt.Errorf("%s() does not start from an upjet constructor", fd.Name.Name)
	}
	return en, nil
}

func stringArg(c *ast.CallExpr, i int) (string, bool) {
	if len(c.Args) <= i {
		return "", false
	}
	l, ok := c.Args[i].(*ast.BasicLit)
	if !ok || l.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}

func exprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprName(x.X) + "." + x.Sel.Name
	}
	return ""
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.CallExpr:
		return exprName(x.Fun) + "(...)"
	default:
		if n := exprName(e); n != "" {
			return n
		}
	}
	return fmt.Sprintf("%T", e)
}

// customIdentifierArguments mirror the configuration functions of
// provider-aws config/externalname.go that set the identifier argument
// themselves, for the types the platform composes.
var customIdentifierArguments = map[string]func(base map[string]any, externalName string){
	// kmsAlias(): name is "alias/<external name>" unless given, or the
	// external name already has the prefix.
	"aws_kms_alias": func(base map[string]any, externalName string) {
		if _, ok := base["name"]; ok {
			return
		}
		if len(externalName) >= 6 && externalName[:6] == "alias/" {
			base["name"] = externalName
			return
		}
		base["name"] = "alias/" + externalName
	},
}
