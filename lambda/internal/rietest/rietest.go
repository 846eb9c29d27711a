// Package rietest runs a Lambda's bootstrap under the AWS Lambda Runtime
// Interface Emulator and invokes it over HTTP, as the Lambda service would.
//
// The emulator binary is found through AWS_LAMBDA_RIE (make test-lambda
// builds it into bin/aws-lambda-rie). When it is unset, tests fail under
// CI=true and are skipped otherwise.
package rietest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/syncbuf"
)

// EnvRIE names the variable holding the emulator's path.
const EnvRIE = "AWS_LAMBDA_RIE"

// Require returns the emulator's path, or fails (CI) or skips the test.
func Require(t testing.TB) string {
	t.Helper()
	p := os.Getenv(EnvRIE)
	if p == "" {
		msg := EnvRIE + " is not set: run `make test-lambda`, which builds bin/aws-lambda-rie from the tools module"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s=%s: %v", EnvRIE, p, err)
	}
	return p
}

// BuildBootstrap compiles pkg (an import path) for this machine into a
// temporary directory as "bootstrap", the way the Lambda zips are built.
func BuildBootstrap(t testing.TB, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "bootstrap")
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "build", "-trimpath", "-tags", "lambda.norpc", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Emulator is a running aws-lambda-rie.
type Emulator struct {
	URL     string
	output  *syncbuf.Buffer
	invoked atomic.Int64
}

// settleTimeout bounds how long Output waits for the emulator's reports.
const settleTimeout = 30 * time.Second

// Output is everything the emulator and the function printed (stdout and
// stderr: the function's logs and EMF records) for every invocation so far.
// The function writes its logs and metrics before it answers, and the
// emulator prints an invocation's REPORT line after the answer, into the same
// pipe; but this process copies that pipe asynchronously, so an answer can
// arrive before the lines that preceded it. Output therefore waits (up to
// settleTimeout) until one REPORT line per invocation has been copied.
func (e *Emulator) Output() string {
	want := int(e.invoked.Load())
	deadline := time.Now().Add(settleTimeout)
	for {
		out := e.output.String()
		if strings.Count(out, "REPORT RequestId:") >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Start runs bootstrap under the emulator, on 127.0.0.1 ports, with env
// added to this process's environment. It is stopped at the end of the test.
func Start(t testing.TB, bootstrap string, env map[string]string) *Emulator {
	t.Helper()
	rie := Require(t)
	addr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr,
		"--log-level", "error",
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", rie, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("emulator output:\n%s", tail(out.String(), 4000))
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator did not listen on %s:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Emulator{URL: "http://" + addr + "/2015-03-31/functions/function/invocations", output: out}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// Invoke POSTs payload (marshalled unless it is a string or []byte) and
// returns the HTTP status and the function's answer.
func (e *Emulator) Invoke(t testing.TB, payload any, timeout time.Duration) (int, []byte) {
	t.Helper()
	var body []byte
	switch p := payload.(type) {
	case string:
		body = []byte(p)
	case []byte:
		body = p
	default:
		var err error
		if body, err = json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	e.invoked.Add(1)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke: read answer: %v", err)
	}
	return resp.StatusCode, b
}

// FunctionError is the payload of a handler that returned an error.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// AsError decodes answer as a function error, if it is one.
func AsError(answer []byte) (FunctionError, bool) {
	var fe FunctionError
	if err := json.Unmarshal(answer, &fe); err != nil || fe.Message == "" {
		return fe, false
	}
	return fe, true
}

// EMFRecords returns the EMF documents found in output, one per line.
func EMFRecords(output string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(output, "\n") {
		i := strings.Index(line, `{"`)
		if i < 0 || !strings.Contains(line, `"_aws"`) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line[i:]), &m); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// String makes failures readable.
func (f FunctionError) String() string { return fmt.Sprintf("%s: %s", f.Type, f.Message) }
