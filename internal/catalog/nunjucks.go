package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// This file renders templates the way the Backstage scaffolder does
// (nunjucks with ${{ }} as variable delimiters), for the subset of nunjucks
// the generated template and skeleton use. Anything outside the subset is
// an error, never silently passed through, so a generated template the
// scaffolder would render differently cannot pass the tests.
//
// Supported: text; ${{ expr }}; {% if expr %} … {% else %} … {% endif %};
// {# comments #}; whitespace control with {%- and -%}. Expressions: dotted
// lookups, string and number literals, parentheses, `and`, `or`, `not`,
// `x if c` and `x if c else y`, `x is defined` / `is undefined` (also with
// `not`), and the filters dump and length. Values are JSON values
// (map[string]any, []any, string, float64, bool, nil) or Undefined.

// undefinedT is JavaScript's undefined: a missing key, distinct from null.
type undefinedT struct{}

// Undefined is the value of a missing key.
var Undefined any = undefinedT{}

// IsUndefined reports whether v is Undefined.
func IsUndefined(v any) bool { _, ok := v.(undefinedT); return ok }

// Render renders a template with the context.
func Render(tmpl string, ctx map[string]any) (string, error) {
	nodes, err := parseTemplate(tmpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := renderNodes(&b, nodes, ctx); err != nil {
		return "", err
	}
	return b.String(), nil
}

// RenderInput renders a step's input like the scaffolder's workflow runner:
// every string is rendered; a string that is exactly one ${{ expr }} keeps
// the type of its value (it is rendered as `(expr) | dump` and parsed back);
// a string that renders empty is undefined, and its key is dropped.
func RenderInput(in any, ctx map[string]any) (any, error) {
	switch v := in.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			r, err := RenderInput(e, ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if !IsUndefined(r) {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			r, err := RenderInput(e, ctx)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if IsUndefined(r) {
				return nil, fmt.Errorf("[%d]: renders undefined inside a list", i)
			}
			out = append(out, r)
		}
		return out, nil
	case string:
		nodes, err := parseTemplate(v)
		if err != nil {
			return nil, err
		}
		if len(nodes) == 1 {
			if o, ok := nodes[0].(outputNode); ok {
				val, err := o.expr.eval(ctx)
				if err != nil {
					return nil, err
				}
				s, ok := dump(val)
				if !ok || s == "" {
					return Undefined, nil
				}
				var parsed any
				if err := json.Unmarshal([]byte(s), &parsed); err != nil {
					return nil, err
				}
				return parsed, nil
			}
		}
		s, err := Render(v, ctx)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return Undefined, nil
		}
		return s, nil
	default:
		return in, nil
	}
}

// --- template structure ------------------------------------------------------

type node interface{}

type textNode string

type outputNode struct{ expr expr }

type ifNode struct {
	cond       expr
	then, els_ []node
}

type tag struct {
	kind       string // "text", "output", "block", "comment"
	body       string
	trimBefore bool
	trimAfter  bool
}

func lexTemplate(s string) ([]tag, error) {
	var tags []tag
	for len(s) > 0 {
		i := indexAny(s, "${{", "{%", "{#")
		if i < 0 {
			tags = append(tags, tag{kind: "text", body: s})
			break
		}
		if i > 0 {
			tags = append(tags, tag{kind: "text", body: s[:i]})
			s = s[i:]
		}
		var open, closing, kind string
		switch {
		case strings.HasPrefix(s, "${{"):
			open, closing, kind = "${{", "}}", "output"
		case strings.HasPrefix(s, "{%"):
			open, closing, kind = "{%", "%}", "block"
		default:
			open, closing, kind = "{#", "#}", "comment"
		}
		end := strings.Index(s[len(open):], closing)
		if end < 0 {
			return nil, fmt.Errorf("unclosed %s", open)
		}
		body := s[len(open) : len(open)+end]
		s = s[len(open)+end+len(closing):]
		t := tag{kind: kind}
		if kind != "comment" {
			if strings.HasPrefix(body, "-") {
				t.trimBefore, body = true, body[1:]
			}
			if strings.HasSuffix(body, "-") {
				t.trimAfter, body = true, body[:len(body)-1]
			}
		}
		if kind == "output" && (t.trimBefore || t.trimAfter) {
			return nil, fmt.Errorf("whitespace control in ${{ }} is not supported")
		}
		t.body = strings.TrimSpace(body)
		tags = append(tags, t)
	}
	// Whitespace control: trim the text next to a tag.
	for i, t := range tags {
		if t.trimBefore && i > 0 && tags[i-1].kind == "text" {
			tags[i-1].body = strings.TrimRightFunc(tags[i-1].body, unicode.IsSpace)
		}
		if t.trimAfter && i+1 < len(tags) && tags[i+1].kind == "text" {
			tags[i+1].body = strings.TrimLeftFunc(tags[i+1].body, unicode.IsSpace)
		}
	}
	return tags, nil
}

func indexAny(s string, subs ...string) int {
	best := -1
	for _, sub := range subs {
		if i := strings.Index(s, sub); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

func parseTemplate(s string) ([]node, error) {
	tags, err := lexTemplate(s)
	if err != nil {
		return nil, err
	}
	nodes, rest, end, err := parseNodes(tags)
	if err != nil {
		return nil, err
	}
	if end != "" || len(rest) != 0 {
		return nil, fmt.Errorf("unexpected {%% %s %%}", end)
	}
	return nodes, nil
}

// parseNodes parses until an else/endif tag (returned in end) or the end.
func parseNodes(tags []tag) ([]node, []tag, string, error) {
	var nodes []node
	for len(tags) > 0 {
		t := tags[0]
		tags = tags[1:]
		switch t.kind {
		case "text":
			if t.body != "" {
				nodes = append(nodes, textNode(t.body))
			}
		case "comment":
		case "output":
			e, err := parseExpr(t.body)
			if err != nil {
				return nil, nil, "", fmt.Errorf("${{ %s }}: %w", t.body, err)
			}
			nodes = append(nodes, outputNode{expr: e})
		case "block":
			word, rest, _ := strings.Cut(t.body, " ")
			switch word {
			case "if":
				cond, err := parseExpr(rest)
				if err != nil {
					return nil, nil, "", fmt.Errorf("{%% %s %%}: %w", t.body, err)
				}
				n := ifNode{cond: cond}
				var end string
				n.then, tags, end, err = parseNodes(tags)
				if err != nil {
					return nil, nil, "", err
				}
				if end == "else" {
					n.els_, tags, end, err = parseNodes(tags)
					if err != nil {
						return nil, nil, "", err
					}
				}
				if end != "endif" {
					return nil, nil, "", fmt.Errorf("{%% %s %%} without endif", t.body)
				}
				nodes = append(nodes, n)
			case "else", "endif":
				if rest != "" {
					return nil, nil, "", fmt.Errorf("{%% %s %%}: unexpected %q", word, rest)
				}
				return nodes, tags, word, nil
			default:
				return nil, nil, "", fmt.Errorf("{%% %s %%}: unsupported tag", t.body)
			}
		}
	}
	return nodes, nil, "", nil
}

func renderNodes(b *strings.Builder, nodes []node, ctx map[string]any) error {
	for _, n := range nodes {
		switch n := n.(type) {
		case textNode:
			b.WriteString(string(n))
		case outputNode:
			v, err := n.expr.eval(ctx)
			if err != nil {
				return err
			}
			s, err := toOutput(v)
			if err != nil {
				return err
			}
			b.WriteString(s)
		case ifNode:
			v, err := n.cond.eval(ctx)
			if err != nil {
				return err
			}
			branch := n.els_
			if truthy(v) {
				branch = n.then
			}
			if err := renderNodes(b, branch, ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// toOutput is how nunjucks prints a value: undefined and null as nothing.
func toOutput(v any) (string, error) {
	switch v := v.(type) {
	case nil, undefinedT:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return jsNumber(v), nil
	default:
		return "", fmt.Errorf("printing a %T without dump is not supported", v)
	}
}

// jsNumber formats like JavaScript's Number#toString for ordinary values.
func jsNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// truthy is JavaScript truthiness.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil, undefinedT:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0 && !math.IsNaN(v)
	default:
		return true
	}
}

// dump is JSON.stringify; ok is false when JSON.stringify returns undefined.
func dump(v any) (string, bool) {
	if IsUndefined(v) {
		return "", false
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// --- expressions ---------------------------------------------------------------

type expr interface {
	eval(ctx map[string]any) (any, error)
}

type lookup []string

type literal struct{ v any }

type notExpr struct{ x expr }

type binExpr struct {
	op   string
	l, r expr
}

type inlineIf struct{ body, cond, els_ expr }

type isTest struct {
	x      expr
	negate bool
	test   string
}

type filterExpr struct {
	x    expr
	name string
}

func (l lookup) eval(ctx map[string]any) (any, error) {
	var cur any = ctx
	for _, k := range l {
		m, ok := cur.(map[string]any)
		if !ok {
			// nunjucks looks a member of undefined, null or a scalar up as undefined.
			return Undefined, nil
		}
		if cur, ok = m[k]; !ok {
			return Undefined, nil
		}
	}
	return cur, nil
}

func (l literal) eval(map[string]any) (any, error) { return l.v, nil }

func (n notExpr) eval(ctx map[string]any) (any, error) {
	v, err := n.x.eval(ctx)
	return !truthy(v), err
}

func (b binExpr) eval(ctx map[string]any) (any, error) {
	l, err := b.l.eval(ctx)
	if err != nil {
		return nil, err
	}
	// JavaScript's && and || return an operand.
	if (b.op == "and") != truthy(l) {
		return l, nil
	}
	return b.r.eval(ctx)
}

func (i inlineIf) eval(ctx map[string]any) (any, error) {
	c, err := i.cond.eval(ctx)
	if err != nil {
		return nil, err
	}
	if truthy(c) {
		return i.body.eval(ctx)
	}
	if i.els_ == nil {
		return "", nil // nunjucks compiles a missing else to ""
	}
	return i.els_.eval(ctx)
}

func (t isTest) eval(ctx map[string]any) (any, error) {
	v, err := t.x.eval(ctx)
	if err != nil {
		return nil, err
	}
	res := !IsUndefined(v)
	if t.test == "undefined" {
		res = !res
	}
	return res != t.negate, nil
}

func (f filterExpr) eval(ctx map[string]any) (any, error) {
	v, err := f.x.eval(ctx)
	if err != nil {
		return nil, err
	}
	switch f.name {
	case "dump":
		s, ok := dump(v)
		if !ok {
			return Undefined, nil
		}
		return s, nil
	case "length":
		switch v := v.(type) {
		case string:
			return float64(len([]rune(v))), nil
		case []any:
			return float64(len(v)), nil
		case map[string]any:
			return float64(len(v)), nil
		default:
			return float64(0), nil
		}
	}
	return nil, fmt.Errorf("unsupported filter %q", f.name)
}

type parser struct {
	toks []string
	pos  int
}

func parseExpr(s string) (expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.inline()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return e, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("|().,", rune(c)):
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string")
			}
			if strings.ContainsRune(s[i+1:i+1+j], '\\') {
				return nil, fmt.Errorf("escapes in strings are not supported")
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		case c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unsupported character %q", c)
		}
	}
	return toks, nil
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	p.pos++
	return t
}

// inline: or ('if' or ('else' or)?)?
func (p *parser) inline() (expr, error) {
	body, err := p.or()
	if err != nil || p.peek() != "if" {
		return body, err
	}
	p.next()
	cond, err := p.or()
	if err != nil {
		return nil, err
	}
	e := inlineIf{body: body, cond: cond}
	if p.peek() == "else" {
		p.next()
		if e.els_, err = p.or(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (p *parser) or() (expr, error) {
	l, err := p.and()
	for err == nil && p.peek() == "or" {
		p.next()
		var r expr
		if r, err = p.and(); err == nil {
			l = binExpr{op: "or", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) and() (expr, error) {
	l, err := p.not()
	for err == nil && p.peek() == "and" {
		p.next()
		var r expr
		if r, err = p.not(); err == nil {
			l = binExpr{op: "and", l: l, r: r}
		}
	}
	return l, err
}

func (p *parser) not() (expr, error) {
	if p.peek() == "not" {
		p.next()
		x, err := p.not()
		return notExpr{x: x}, err
	}
	return p.is()
}

func (p *parser) is() (expr, error) {
	x, err := p.filtered()
	if err != nil || p.peek() != "is" {
		return x, err
	}
	p.next()
	t := isTest{x: x}
	if p.peek() == "not" {
		p.next()
		t.negate = true
	}
	t.test = p.next()
	if t.test != "defined" && t.test != "undefined" {
		return nil, fmt.Errorf("unsupported test %q", t.test)
	}
	return t, nil
}

func (p *parser) filtered() (expr, error) {
	x, err := p.primary()
	for err == nil && p.peek() == "|" {
		p.next()
		name := p.next()
		if name != "dump" && name != "length" {
			return nil, fmt.Errorf("unsupported filter %q", name)
		}
		if p.peek() == "(" {
			return nil, fmt.Errorf("filter arguments are not supported")
		}
		x = filterExpr{x: x, name: name}
	}
	return x, err
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end of expression")
	case t == "(":
		e, err := p.inline()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return e, nil
	case t[0] == '"' || t[0] == '\'':
		return literal{v: t[1 : len(t)-1]}, nil
	case unicode.IsDigit(rune(t[0])):
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, err
		}
		return literal{v: f}, nil
	case isKeyword(t):
		return nil, fmt.Errorf("unexpected %q", t)
	case t == "true" || t == "false":
		return literal{v: t == "true"}, nil
	case t == "null" || t == "none":
		return literal{v: nil}, nil
	}
	path := lookup{t}
	for p.peek() == "." {
		p.next()
		k := p.next()
		if k == "" || !(k[0] == '_' || unicode.IsLetter(rune(k[0]))) {
			return nil, fmt.Errorf("bad member %q", k)
		}
		path = append(path, k)
	}
	return path, nil
}

func isKeyword(t string) bool {
	switch t {
	case "and", "or", "not", "if", "else", "is", "|", ")", ",", ".":
		return true
	}
	return false
}
