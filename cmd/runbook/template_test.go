package main

import (
	"fmt"
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
)

// TestTemplateFields: runbook.md.tmpl parses, and every field, method and
// variable it names exists on the type its dot or variable has there, in
// every branch and every define, not only those an example claim takes.
func TestTemplateFields(t *testing.T) {
	tmpl, err := parseRunbook()
	if err != nil {
		t.Fatalf("runbook.md.tmpl: %v", err)
	}
	errs, reached := checkTemplate(tmpl, "runbook", reflect.TypeFor[*runbook]())
	for _, err := range errs {
		t.Error(err)
	}
	for _, d := range tmpl.Templates() {
		if name := d.Name(); name != tmpl.Name() && !reached[name] {
			t.Errorf("template %q is defined but never used", name)
		}
	}
}

// TestTemplateFieldsCatches: the check reports what execution would only
// report in the branch that holds it.
func TestTemplateFieldsCatches(t *testing.T) {
	for text, want := range map[string]string{
		`{{define "runbook"}}{{if .NoCutover}}{{.Cutover.Failback.Second}}{{end}}{{end}}`:                 `Second`,
		`{{define "runbook"}}{{with .Estimate}}{{.Budgets}}{{end}}{{end}}`:                                `Budgets`,
		`{{define "runbook"}}{{range .Cutover.Steps}}{{$.Cmd.Patch}}{{end}}{{end}}`:                       `Patch`,
		`{{define "runbook"}}{{$x := .Names}}{{$x.Auror}}{{end}}`:                                         `Auror`,
		`{{define "runbook"}}{{join .Spec.Monitoring.AlarmEmails "," | len}}{{.Nope}}{{end}}`:             `Nope`,
		`{{define "runbook"}}{{template "sub" .Spec}}{{end}}{{define "sub"}}{{.Region}}{{.Claim}}{{end}}`: `Claim`,
		`{{define "runbook"}}{{template "missing" .}}{{end}}`:                                             `missing`,
		`{{define "runbook"}}{{$y}}{{end}}`:                                                               ``, // refused by the parser
	} {
		tmpl, err := template.New("t").Funcs(runbookFuncs).Parse(text)
		if err != nil {
			if want != "" {
				t.Errorf("%s: %v", text, err)
			}
			continue
		}
		errs, _ := checkTemplate(tmpl, "runbook", reflect.TypeFor[*runbook]())
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: errors %v, want one naming %q", text, errs, want)
		}
	}
}

// checkTemplate walks the template name and those it calls with dot of
// type dot, and returns every reference that does not resolve, and the
// templates it reached.
func checkTemplate(tmpl *template.Template, name string, dot reflect.Type) ([]error, map[string]bool) {
	c := &checker{tmpl: tmpl, done: map[string]bool{}, reached: map[string]bool{}}
	c.template(name, dot)
	return c.errs, c.reached
}

// anyType stands for a value whose type is known only when executing (the
// result of and, or, index…): nothing is checked beyond it.
var anyType = reflect.TypeFor[any]()

type checker struct {
	tmpl    *template.Template
	done    map[string]bool // template name and dot type already walked
	reached map[string]bool
	errs    []error
	where   string
}

// vars are the variables in scope and their types.
type vars map[string]reflect.Type

func (v vars) clone() vars {
	c := make(vars, len(v))
	for k, t := range v {
		c[k] = t
	}
	return c
}

func (c *checker) errorf(n parse.Node, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("template %q: %s: %s", c.where, n, fmt.Sprintf(format, args...)))
}

func (c *checker) template(name string, dot reflect.Type) {
	key := name + "\x00" + dot.String()
	if c.done[key] {
		return
	}
	c.done[key] = true
	c.reached[name] = true
	t := c.tmpl.Lookup(name)
	if t == nil || t.Tree == nil {
		c.errs = append(c.errs, fmt.Errorf("no template %q", name))
		return
	}
	where := c.where
	c.where = name
	c.list(t.Root, dot, vars{"$": dot})
	c.where = where
}

func (c *checker) list(l *parse.ListNode, dot reflect.Type, vs vars) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			c.pipe(n.Pipe, dot, vs)
		case *parse.IfNode:
			inner := vs.clone()
			c.pipe(n.Pipe, dot, inner)
			c.list(n.List, dot, inner)
			c.list(n.ElseList, dot, inner.clone())
		case *parse.WithNode:
			inner := vs.clone()
			typ := c.pipe(n.Pipe, dot, inner)
			c.list(n.List, typ, inner)
			c.list(n.ElseList, dot, inner.clone())
		case *parse.RangeNode:
			inner := vs.clone()
			key, elem := c.rangeTypes(n, c.value(n.Pipe, dot, inner))
			switch len(n.Pipe.Decl) {
			case 1:
				inner[n.Pipe.Decl[0].Ident[0]] = elem
			case 2:
				inner[n.Pipe.Decl[0].Ident[0]] = key
				inner[n.Pipe.Decl[1].Ident[0]] = elem
			}
			c.list(n.List, elem, inner)
			c.list(n.ElseList, dot, vs.clone())
		case *parse.TemplateNode:
			typ := reflect.Type(nil)
			if n.Pipe != nil {
				typ = c.pipe(n.Pipe, dot, vs.clone())
			}
			if typ == nil {
				typ = anyType
			}
			c.template(n.Name, typ)
		case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		default:
			c.errorf(n, "unexpected node %T", n)
		}
	}
}

func (c *checker) rangeTypes(n parse.Node, t reflect.Type) (key, elem reflect.Type) {
	if t == anyType {
		return anyType, anyType
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return reflect.TypeFor[int](), t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return t, t
	}
	c.errorf(n, "cannot range over %s", t)
	return anyType, anyType
}

// pipe checks a pipeline, declares its variables in vs and returns the
// type of its value.
func (c *checker) pipe(p *parse.PipeNode, dot reflect.Type, vs vars) reflect.Type {
	typ := c.value(p, dot, vs)
	for _, v := range p.Decl {
		vs[v.Ident[0]] = typ
	}
	return typ
}

// value checks a pipeline's commands and returns the type of its value.
func (c *checker) value(p *parse.PipeNode, dot reflect.Type, vs vars) reflect.Type {
	typ := anyType
	for _, cmd := range p.Cmds {
		typ = c.command(cmd, dot, vs)
	}
	return typ
}

func (c *checker) command(cmd *parse.CommandNode, dot reflect.Type, vs vars) reflect.Type {
	for _, arg := range cmd.Args[1:] {
		c.arg(arg, dot, vs)
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		if f, ok := runbookFuncs[id.Ident]; ok {
			return reflect.TypeOf(f).Out(0)
		}
		switch id.Ident {
		case "len":
			return reflect.TypeFor[int]()
		case "print", "printf", "println", "html", "js", "urlquery":
			return reflect.TypeFor[string]()
		case "eq", "ne", "lt", "le", "gt", "ge", "not":
			return reflect.TypeFor[bool]()
		}
		return anyType // and, or, index, slice, call
	}
	return c.arg(cmd.Args[0], dot, vs)
}

func (c *checker) arg(n parse.Node, dot reflect.Type, vs vars) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(n, dot, n.Ident)
	case *parse.VariableNode:
		t, ok := vs[n.Ident[0]]
		if !ok {
			c.errorf(n, "undefined variable %s", n.Ident[0])
			return anyType
		}
		return c.fields(n, t, n.Ident[1:])
	case *parse.ChainNode:
		return c.fields(n, c.arg(n.Node, dot, vs), n.Field)
	case *parse.PipeNode:
		return c.pipe(n, dot, vs.clone())
	case *parse.StringNode:
		return reflect.TypeFor[string]()
	case *parse.BoolNode:
		return reflect.TypeFor[bool]()
	case *parse.NumberNode:
		switch {
		case n.IsInt:
			return reflect.TypeFor[int]()
		case n.IsFloat:
			return reflect.TypeFor[float64]()
		}
	case *parse.IdentifierNode, *parse.NilNode:
	default:
		c.errorf(n, "unexpected argument %T", n)
	}
	return anyType
}

// fields resolves a chain of field and method names as text/template
// does: a method of the value or its pointer, else a field of the struct
// it points to, or a map's element.
func (c *checker) fields(n parse.Node, t reflect.Type, names []string) reflect.Type {
	for _, name := range names {
		if t == anyType {
			return anyType
		}
		if m, ok := method(t, name); ok {
			if m.Type.NumOut() == 0 {
				c.errorf(n, "method %s of %s returns nothing", name, t)
				return anyType
			}
			t = m.Type.Out(0)
			continue
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := t.FieldByName(name)
			if !ok || !f.IsExported() {
				c.errorf(n, "%s has no field or method %s", t, name)
				return anyType
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			c.errorf(n, "can't evaluate field %s in %s", name, t)
			return anyType
		}
	}
	return t
}

func method(t reflect.Type, name string) (reflect.Method, bool) {
	if m, ok := t.MethodByName(name); ok {
		return m, true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		return reflect.PointerTo(t).MethodByName(name)
	}
	return reflect.Method{}, false
}

// TestRenderBranches renders the prod claim with each choice the template
// makes turned the other way: every branch executes and says what it
// should.
func TestRenderBranches(t *testing.T) {
	f := false
	cases := map[string]struct {
		edit func(c *Claim)
		says string
	}{
		"replication stopped": {func(c *Claim) { c.Spec.Migration.StartReplication = &f }, "and `startReplication: false`: the task is created stopped"},
		"schema not loaded":   {func(c *Claim) { c.Spec.Migration.SchemaReady = &f }, "This claim has `schemaReady: false`: the task is created but not started"},
		"source CA": {func(c *Claim) {
			c.Spec.Migration.Source.SSLMode, c.Spec.Migration.Source.CACertificateSecretRef = "verify-full", &v1alpha1.CertificateSecretRef{Name: "src-ca", Key: "ca.crt"}
		}, "against the CA in the Kubernetes secret `payments/src-ca`"},
		"no DMS validation":      {func(c *Claim) { c.Spec.Migration.Validation = &f }, "DMS row validation is off in this claim"},
		"single-AZ":              {func(c *Claim) { c.Spec.Migration.MultiAZ = &f }, "(dms.r5.large, single-AZ)"},
		"account roles managed":  {func(c *Claim) { tr := true; c.Spec.Migration.ManageAccountRoles = &tr }, "this claim creates them if the account lacks them"},
		"secret elsewhere":       {func(c *Claim) { c.Spec.Migration.Source.CredentialsSecretRef.Namespace = "vault" }, "`kubectl -n vault create secret generic payments-source-db"},
		"public source":          {func(c *Claim) { c.Spec.Migration.Source.CIDR = "203.0.113.0/24" }, "or the NAT gateway IPs (`kubectl -n payments get paymentplatform payments-prod -o jsonpath='{.status.natGatewayIps}'`"},
		"zone created":           {func(c *Claim) { c.Spec.Cutover.CreateHostedZone, c.Spec.Cutover.HostedZoneID = true, "" }, "(created by the claim)"},
		"certificate requested":  {func(c *Claim) { c.Spec.Cutover.CreateHostedZone, c.Spec.Ingress.CreateCertificate = true, true }, "delegate it (step 1), or the certificate never validates."},
		"claim at a step":        {func(c *Claim) { c.Spec.Cutover.Step, c.Spec.Cutover.Rollback = 50, true }, "The claim file sets `step: 50` and `rollback: true`."},
		"two e-mails":            {func(c *Claim) { c.Spec.Monitoring.AlarmEmails = []string{"a@example.com", "b@example.com"} }, "(a@example.com, b@example.com)"},
		"within budget":          {func(c *Claim) { c.Spec.Monitoring.BudgetMonthlyUSD = 100000 }, "Within the budget of $100000"},
		"no prices":              {func(c *Claim) { c.Spec.Region = "xx-nowhere-1" }, "No estimate for this claim: "},
		"cutover without DMS":    {func(c *Claim) { c.Spec.Migration.Enabled = &f }, "Leave `stopReplication` false: this claim has no DMS task to stop."},
		"namespace of the claim": {func(c *Claim) { c.Namespace, c.NamespaceDefaulted = "default", true }, "The claim file names no namespace: the commands use `default`"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := load(t, "examples/claim-prod.yaml")
			tc.edit(c)
			md := render(t, c, "claim.yaml")
			if !strings.Contains(md, tc.says) {
				t.Errorf("the runbook lacks %q", tc.says)
			}
			if i := slices.IndexFunc(strings.Split(md, "\n"), func(l string) bool { return strings.Contains(l, "<no value>") }); i >= 0 {
				t.Errorf("line %d has <no value>", i+1)
			}
		})
	}
}
