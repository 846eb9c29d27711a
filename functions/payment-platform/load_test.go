package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"debug/buildinfo"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/acme-payments/xpaymentplatform/internal/render"
	"github.com/acme-payments/xpaymentplatform/internal/syncbuf"
)

// The real function server (mTLS) under concurrent load and against bad
// peers. make test runs a short form in this process (CLI.Run); make load
// builds the function binary twice, as shipped and with -race, starts each
// as its own process (LOAD_SERVER_BIN) and drives it with 8 clients x 10,000
// calls, so that the memory figures and the race detector are the server's
// alone:
//
//	go build -o _output/function ./functions/payment-platform
//	LOAD_SERVER_BIN=$PWD/_output/function LOAD_CLIENTS=8 LOAD_CALLS=10000 \
//	  go test -run 'TestGRPCLoad|TestBadPeers' ./functions/payment-platform
//
// (and the same with go build -race -o _output/function-race).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type pki struct {
	dir          string
	clientConfig *tls.Config
	noCertConfig *tls.Config
}

// newPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, the way Crossplane's TLS secrets hold them.
func newPKI(t testing.TB) pki {
	t.Helper()
	dir := t.TempDir()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(cn string, usage x509.ExtKeyUsage, serial int64) ([]byte, *ecdsa.PrivateKey) {
		k := key()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srvDER, srvKey := issue("function", x509.ExtKeyUsageServerAuth, 2)
	srvKeyDER, _ := x509.MarshalECPrivateKey(srvKey)
	write("ca.crt", "CERTIFICATE", caDER)
	write("tls.crt", "CERTIFICATE", srvDER)
	write("tls.key", "EC PRIVATE KEY", srvKeyDER)
	cliDER, cliKey := issue("crossplane", x509.ExtKeyUsageClientAuth, 3)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	cert := tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	return pki{
		dir:          dir,
		clientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, Certificates: []tls.Certificate{cert}},
		noCertConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool},
	}
}

// server is the function server under test.
type server struct {
	addr    string
	pid     int           // whose resident memory is measured
	race    bool          // built with the race detector
	startup time.Duration // from start to accepting connections
	// check reports what the server printed that means failure (a data
	// race, a panic) or that it died; nil when it is healthy.
	check func() error
}

// startServer runs the real function server with mTLS and a 1 MB receive
// limit: the binary named by LOAD_SERVER_BIN as its own process (make load
// builds it as shipped and with -race), or else this package's CLI in this process.
func startServer(t testing.TB, p pki) *server {
	t.Helper()
	addr, err := render.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := &server{addr: addr, pid: os.Getpid(), check: func() error { return nil }}
	if bin := os.Getenv("LOAD_SERVER_BIN"); bin != "" {
		s.pid, s.check = startProcess(t, bin, addr, p.dir)
		s.race = raceBuild(t, bin)
	} else {
		cli := &CLI{Network: "tcp", Address: addr, TLSCertsDir: p.dir, MaxRecvMessageSize: 1, TTL: time.Minute}
		go func() {
			if err := cli.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "server:", err)
			}
		}()
	}
	if err := render.WaitForListener(addr, 60*time.Second); err != nil {
		t.Fatalf("%v (%v)", err, s.check())
	}
	s.startup = time.Since(start)
	return s
}

// raceBuild reports whether bin was built with -race.
func raceBuild(t testing.TB, bin string) bool {
	t.Helper()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// startProcess starts bin as the function server. A race stops it at once
// (GORACE halt_on_error), which the clients see as errors and check reports.
func startProcess(t testing.TB, bin, addr, certs string) (int, func() error) {
	t.Helper()
	cmd := exec.Command(bin, "--address", addr, "--max-recv-message-size", "1", "--metrics-address", "")
	cmd.Env = append(os.Environ(), "TLS_SERVER_CERTS_DIR="+certs, "GORACE=halt_on_error=1 exitcode=66")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var exitErr error // written before done is closed
	go func() { exitErr = cmd.Wait(); close(done) }()
	check := func() error {
		o := out.String()
		for _, bad := range []string{"WARNING: DATA RACE", "panic:", "fatal error:"} {
			if strings.Contains(o, bad) {
				return fmt.Errorf("server printed %q:\n%s", bad, tail(o, 8000))
			}
		}
		select {
		case <-done:
			return fmt.Errorf("server exited: %v\n%s", exitErr, tail(o, 8000))
		default:
			return nil
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd.Process.Pid, check
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func dial(t testing.TB, addr string, cfg *tls.Config) (*grpc.ClientConn, fnv1.FunctionRunnerServiceClient) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(16<<20)))
	if err != nil {
		t.Fatal(err)
	}
	return conn, fnv1.NewFunctionRunnerServiceClient(conn)
}

// requests are the example XRs, first reconcile and in their observed
// worlds.
func requests(t testing.TB) []*fnv1.RunFunctionRequest {
	t.Helper()
	load := func(path string) []map[string]any {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := render.Docs(raw)
		if err != nil {
			t.Fatal(err)
		}
		return docs
	}
	var out []*fnv1.RunFunctionRequest
	for _, c := range []struct{ xr, observed string }{
		{"claim.yaml", ""}, {"claim-prod.yaml", ""},
		{"claim-prod.yaml", "claim-prod-ready.yaml"}, {"cutover-step-50.yaml", "cutover-step-50.yaml"},
	} {
		xr, err := structpb.NewStruct(load("../../examples/xr/" + c.xr)[0])
		if err != nil {
			t.Fatal(err)
		}
		req := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: c.xr}, Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: map[string]*fnv1.Resource{}}}
		if c.observed != "" {
			for _, d := range load("../../examples/observed/" + c.observed) {
				ann, _ := d["metadata"].(map[string]any)["annotations"].(map[string]any)
				name, _ := ann["crossplane.io/composition-resource-name"].(string)
				s, err := structpb.NewStruct(d)
				if err != nil {
					t.Fatal(err)
				}
				req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
			}
			if len(req.Observed.Resources) < 50 {
				t.Fatalf("%s: only %d observed resources", c.observed, len(req.Observed.Resources))
			}
		}
		out = append(out, req)
	}
	return out
}

// rssKB is the resident memory of process pid (field VmRSS, or VmHWM for
// the peak).
func rssKB(t testing.TB, pid int, field string) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc/%d/status", pid)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, field+":") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// A -race build on linux/amd64 keeps the whole Go heap in
// [0xc000000000, 0xe000000000) (runtime/malloc.go); the race runtime's
// shadow memory and its own allocations live elsewhere. (A build without
// -race places its heap at a random base, and needs no split.)
const goHeapStart, goHeapEnd = 0xc000000000, 0xe000000000

// goHeapKB is the resident memory of a -race process's Go heap arenas (from
// /proc/pid/smaps): what the program itself holds, as opposed to what the
// race detector allocates beside it.
func goHeapKB(t testing.TB, pid int) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps")
	if err != nil {
		t.Skipf("no /proc/%d/smaps", pid)
	}
	return goHeapOf(string(raw))
}

func goHeapOf(smaps string) int {
	kb, inHeap := 0, false
	for _, l := range strings.Split(smaps, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		if lo, hi, ok := strings.Cut(f[0], "-"); ok {
			a, errA := strconv.ParseUint(lo, 16, 64)
			_, errB := strconv.ParseUint(hi, 16, 64)
			if errA == nil && errB == nil {
				inHeap = a >= goHeapStart && a < goHeapEnd
				continue
			}
		}
		if f[0] == "Rss:" && inHeap {
			n, _ := strconv.Atoi(f[1])
			kb += n
		}
	}
	return kb
}

// grewOver reports whether after is more than 20% above before.
func grewOver(before, after int64) bool { return float64(after) > 1.2*float64(before) }

// meanKB is the mean of samples.
func meanKB(samples []int64) int64 {
	var sum int64
	for _, s := range samples {
		sum += s
	}
	return sum / int64(max(1, len(samples)))
}

// TestGRPCLoad: concurrent clients over mTLS, mixed claims, first reconcile
// and steady state: zero errors, zero races, and no memory growth after
// warm-up.
func TestGRPCLoad(t *testing.T) {
	clients, calls := envInt("LOAD_CLIENTS", 2), envInt("LOAD_CALLS", 60)
	p := newPKI(t)
	srv := startServer(t, p)
	t.Logf("server (pid %d, race detector %t) serving %s after start", srv.pid, srv.race, srv.startup)
	reqs := requests(t)

	var errs, done atomic.Int64
	var warmOnce sync.Once
	var rssWarm atomic.Int64
	// A race build's Go heap, sampled every 1% of the calls after warm-up:
	// it moves with the GC cycle, so the first and last tenth are compared
	// by their means.
	var heapMu sync.Mutex
	var heap []int64
	sampleEvery := int64(max(1, clients*calls/100))
	warmAt := int64(min(1000, clients*calls/4))
	progressEvery := int64(max(1000, clients*calls/20))
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			conn, client := dial(t, srv.addr, p.clientConfig)
			defer conn.Close() //nolint:errcheck // test
			for i := 0; i < calls; i++ {
				req := reqs[(c+i)%len(reqs)]
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				rsp, err := client.RunFunction(ctx, req)
				cancel()
				if err != nil || len(rsp.GetDesired().GetResources()) == 0 {
					if errs.Add(1) < 5 {
						t.Errorf("client %d call %d: %v (%d results) %v", c, i, err, len(rsp.GetResults()), srv.check())
					}
				}
				n := done.Add(1)
				if n == warmAt {
					warmOnce.Do(func() { rssWarm.Store(int64(rssKB(t, srv.pid, "VmRSS"))) })
				}
				if srv.race && n >= warmAt && n%sampleEvery == 0 {
					kb := int64(goHeapKB(t, srv.pid))
					heapMu.Lock()
					heap = append(heap, kb)
					heapMu.Unlock()
				}
				if n%progressEvery == 0 {
					t.Logf("%d calls in %s, server RSS %d KB", n, time.Since(start).Round(time.Second), rssKB(t, srv.pid, "VmRSS"))
				}
			}
		}(c)
	}
	wg.Wait()
	total := done.Load()
	after, peak := rssKB(t, srv.pid, "VmRSS"), rssKB(t, srv.pid, "VmHWM")
	t.Logf("%d calls by %d clients in %s (%.0f calls/s); server RSS after %d calls %d KB, after all %d KB, peak %d KB; startup to serving %s",
		total, clients, time.Since(start).Round(time.Millisecond), float64(total)/time.Since(start).Seconds(), warmAt, rssWarm.Load(), after, peak, srv.startup)
	if err := srv.check(); err != nil {
		t.Fatal(err)
	}
	if errs.Load() != 0 {
		t.Fatalf("%d calls failed", errs.Load())
	}
	if clients*calls < 4000 {
		return // too short for memory figures to mean anything
	}
	if !srv.race {
		if grewOver(rssWarm.Load(), int64(after)) {
			t.Errorf("resident memory grew from %d KB to %d KB (> 20%%)", rssWarm.Load(), after)
		}
		return
	}
	// The -race build's resident memory grows with the calls whatever the
	// server does, in the race runtime's own allocations (outside the Go
	// heap and the race shadow; golang/go#37233, #26813): there the check
	// is on the Go heap, what the server itself holds.
	tenth := max(1, len(heap)/10)
	early, late := meanKB(heap[:tenth]), meanKB(heap[len(heap)-tenth:])
	t.Logf("race-detector build: resident memory %d KB after %d calls, %d KB after all (not checked); its Go heap %d KB over the first tenth of the samples, %d KB over the last (%d samples, %d..%d KB)",
		rssWarm.Load(), warmAt, after, early, late, len(heap), slices.Min(heap), slices.Max(heap))
	if grewOver(early, late) {
		t.Errorf("the Go heap's resident memory grew from %d KB to %d KB (> 20%%)", early, late)
	}
}

// TestBadPeers: a client without a certificate, an oversize message and a
// malformed protobuf are refused with the right codes, and the server keeps
// serving good clients.
func TestBadPeers(t *testing.T) {
	p := newPKI(t)
	srv := startServer(t, p)
	addr := srv.addr
	reqs := requests(t)
	good := func() {
		t.Helper()
		conn, client := dial(t, addr, p.clientConfig)
		defer conn.Close() //nolint:errcheck // test
		if _, err := client.RunFunction(context.Background(), reqs[0]); err != nil {
			t.Fatalf("a good client was refused: %v", err)
		}
	}
	good()

	// No client certificate: the TLS handshake fails.
	conn, client := dial(t, addr, p.noCertConfig)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_, err := client.RunFunction(ctx, reqs[0])
	cancel()
	conn.Close() //nolint:errcheck,gosec // test
	if status.Code(err) != codes.Unavailable {
		t.Errorf("no client cert: %v, want Unavailable (handshake refused)", err)
	}
	good()

	// Over --max-recv-message-size (1 MB): ResourceExhausted.
	big := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: reqs[0].GetObserved().GetComposite(), Resources: map[string]*fnv1.Resource{}}}
	pad, _ := structpb.NewStruct(map[string]any{"padding": strings.Repeat("x", 2<<20)})
	big.Observed.Resources["pad"] = &fnv1.Resource{Resource: pad}
	conn, client = dial(t, addr, p.clientConfig)
	_, err = client.RunFunction(context.Background(), big)
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("oversize message: %v, want ResourceExhausted", err)
	}
	// Malformed protobuf on the RunFunction method: the server cannot
	// unmarshal it.
	var out fnv1.RunFunctionResponse
	err = conn.Invoke(context.Background(), "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction", rawBytes{0xff, 0xff, 0xff, 0x0f, 0x01}, &out, grpc.ForceCodecV2(rawCodec{}))
	if c := status.Code(err); c != codes.Internal && c != codes.InvalidArgument {
		t.Errorf("malformed protobuf: %v, want Internal or InvalidArgument", err)
	}
	conn.Close() //nolint:errcheck,gosec // test
	good()
	if err := srv.check(); err != nil {
		t.Fatal(err)
	}
}

// rawBytes and rawCodec send bytes as they are, to send a malformed message.
type rawBytes []byte

type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b, ok := v.(rawBytes); ok {
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	return nil, fmt.Errorf("rawCodec sends rawBytes only")
}

func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }

func (rawCodec) Name() string { return "proto" }

func TestGoHeapOf(t *testing.T) {
	smaps := `00400000-037cb000 r-xp 00000000 00:2a 123    /tmp/function
Rss:               29740 kB
c000000000-c004000000 rw-p 00000000 00:00 0
Size:              65536 kB
Rss:               48508 kB
Pss:               48508 kB
VmFlags: rd wr mr mw me ac
c004000000-c008000000 rw-p 00000000 00:00 0
Rss:                1024 kB
218000000000-218008000000 rw-p 00000000 00:00 0
Rss:               88536 kB
7f7a36600000-7f7a37700000 rw-p 00000000 00:00 0
Rss:                9616 kB
`
	if got := goHeapOf(smaps); got != 48508+1024 {
		t.Errorf("goHeapOf = %d KB, want %d", got, 48508+1024)
	}
	if got := meanKB([]int64{40, 50, 45}); got != 45 {
		t.Errorf("meanKB = %d", got)
	}
	if !grewOver(100, 121) || grewOver(100, 120) {
		t.Error("grewOver is not > 20%")
	}
}
