package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The template's tests run it with the engines Backstage runs:
// testdata/node/scaffold.js drives the form (rjsf), the backend's
// validation and the scaffolder's templating (nunjitsu) at the versions
// testdata/node/package-lock.json pins. npm ci installs them into
// testdata/node/node_modules (ignored by git) once per checkout, and again
// when package.json or the lock changes; after that the tests run offline.

const driverDir = "testdata/node"

var engines struct {
	once sync.Once
	err  error
}

// needEngines installs the pinned engines if they are not, once per test
// binary. Without node or npm the tests fail: they have no stand-in.
func needEngines(t *testing.T) {
	t.Helper()
	engines.once.Do(func() { engines.err = installEngines() })
	if engines.err != nil {
		t.Fatal(engines.err)
	}
}

func installEngines() error {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the Backstage template tests run Backstage's own engines on Node.js, and %s is not on PATH: install Node.js (20 or later) with npm", tool)
		}
	}
	lockPath := filepath.Join(driverDir, "package-lock.json")
	lock, err := os.Open(lockPath)
	if err != nil {
		return err
	}
	defer lock.Close()
	// One install at a time in this checkout (test binaries of other runs).
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	sum := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		raw, err := os.ReadFile(filepath.Join(driverDir, f))
		if err != nil {
			return err
		}
		sum.Write(raw)
	}
	want := hex.EncodeToString(sum.Sum(nil))
	stamp := filepath.Join(driverDir, "node_modules", ".installed-from")
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		return nil
	}
	cmd := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--engine-strict=false", "--loglevel=error")
	cmd.Dir = driverDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in internal/catalog/%s (installs the pinned Backstage engines; needs the npm registry once): %v\n%s", driverDir, err, out)
	}
	return os.WriteFile(stamp, []byte(want), 0o644)
}

// formError is an error rjsf's validator reports for a page.
type formError struct {
	Name     string `json:"name"`     // the JSON Schema keyword: required, pattern, ...
	Property string `json:"property"` // the field: .network.availabilityZones
	Message  string `json:"message"`
	Stack    string `json:"stack"`
}

func (e formError) String() string { return e.Property + " " + e.Name + ": " + e.Message }

// formPage is one parameter page as the user went through it.
type formPage struct {
	Title    string         `json:"title"`
	Defaults map[string]any `json:"defaults"` // the form state when the page opened
	FormData map[string]any `json:"formData"` // what the page submitted
	Errors   []formError    `json:"errors"`
}

// run is what the scaffolder made of one user's input.
type run struct {
	Name     string     `json:"name"`
	Pages    []formPage `json:"pages"`
	Rejected bool       `json:"rejected"` // a page did not validate: the user cannot go on
	// Values are the task's parameters: the form's state.
	Values map[string]any `json:"values"`
	// BackendErrors: the backend rejects the values (HTTP 400).
	BackendErrors []string `json:"backendErrors"`
	// Steps are the steps' rendered inputs, by step id.
	Steps map[string]struct {
		Action string         `json:"action"`
		Input  map[string]any `json:"input"`
	} `json:"steps"`
	// RenderFailures are input strings that did not render (the scaffolder
	// passes them on as written).
	RenderFailures []string `json:"renderFailures"`
	// Files are what fetch:template wrote, by workspace path.
	Files map[string]string `json:"files"`
}

// formErrors lists the errors of the page that stopped the form.
func (r run) formErrors() []formError {
	var out []formError
	for _, p := range r.Pages {
		out = append(out, p.Errors...)
	}
	return out
}

// scaffold runs the template at templatePath once per input (by case
// name) with Backstage's engines.
func scaffold(t *testing.T, templatePath string, inputs map[string]map[string]any) map[string]run {
	t.Helper()
	needEngines(t)
	abs, err := filepath.Abs(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	type input struct {
		Name  string         `json:"name"`
		Input map[string]any `json:"input"`
	}
	req := struct {
		Template string  `json:"template"`
		Cases    []input `json:"cases"`
	}{Template: abs}
	for _, name := range sortedKeys(inputs) {
		req.Cases = append(req.Cases, input{name, inputs[name]})
	}
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", "scaffold.js")
	cmd.Dir = driverDir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(raw), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node scaffold.js: %v\n%s", err, stderr.String())
	}
	resp := struct {
		Engines map[string]string `json:"engines"`
		Node    string            `json:"node"`
		Cases   []run             `json:"cases"`
	}{}
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatalf("node scaffold.js: %v\n%s", err, stdout.String())
	}
	var engs []string
	for _, k := range sortedKeys(resp.Engines) {
		engs = append(engs, k+"@"+resp.Engines[k])
	}
	t.Logf("engines: %s on Node.js %s", strings.Join(engs, " "), resp.Node)
	out := map[string]run{}
	for _, c := range resp.Cases {
		out[c.Name] = c
	}
	return out
}
