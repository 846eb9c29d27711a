package fn

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"
)

// benchCase is one workload of the benchmark report.
type benchCase struct {
	name string
	req  func(testing.TB) *fnv1.RunFunctionRequest
}

// networkOnlySpec is the peers' workload shape: a claim that composes only
// the network tier (VPC, subnets, NAT, routes, endpoints, flow logs).
const networkOnlySpec = "environmentSuffix: net\nenvironment: staging\n"

func benchCases() []benchCase {
	example := func(xr, observed string) func(testing.TB) *fnv1.RunFunctionRequest {
		return func(t testing.TB) *fnv1.RunFunctionRequest { return exampleRequest(t, xr, observed) }
	}
	network := func(ready bool) func(testing.TB) *fnv1.RunFunctionRequest {
		return func(t testing.TB) *fnv1.RunFunctionRequest {
			var obs map[string]*fnv1.Resource
			if ready {
				obs = readyWorld(t, networkOnlySpec)
			}
			return newRequest(t, networkOnlySpec, obs)
		}
	}
	return []benchCase{
		{"dev/first", example("claim.yaml", "")},
		{"dev/steady", example("claim.yaml", "claim-ready.yaml")},
		{"prod/first", example("claim-prod.yaml", "")},
		{"prod/steady", example("claim-prod.yaml", "claim-prod-ready.yaml")},
		{"network-only/first", network(false)},
		{"network-only/steady", network(true)},
	}
}

// benchRound is one interleaved measurement: the protobuf floor (unmarshal
// the request, marshal the response), RunFunction alone, and end to end
// (unmarshal + RunFunction + marshal), each over the same iterations, one
// after the other, so a noisy neighbour hits all three alike.
type benchRound struct{ floor, run, e2e, bytesPerOp, allocsPerOp float64 }

func measure(t testing.TB, req *fnv1.RunFunctionRequest, iters int) benchRound {
	reqBytes, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	rsp, err := (&Function{}).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	timeIt := func(f func()) float64 {
		start := time.Now()
		for range iters {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / float64(iters)
	}
	unmarshal := func() *fnv1.RunFunctionRequest {
		var r fnv1.RunFunctionRequest
		if err := proto.Unmarshal(reqBytes, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	var r benchRound
	r.floor = timeIt(func() {
		unmarshal()
		if _, err := proto.Marshal(rsp); err != nil {
			t.Fatal(err)
		}
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r.run = timeIt(func() {
		if _, err := (&Function{}).RunFunction(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	})
	runtime.ReadMemStats(&after)
	r.bytesPerOp = float64(after.TotalAlloc-before.TotalAlloc) / float64(iters)
	r.allocsPerOp = float64(after.Mallocs-before.Mallocs) / float64(iters)
	r.e2e = timeIt(func() {
		out, err := (&Function{}).RunFunction(context.Background(), unmarshal())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := proto.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
	return r
}

// median and spread of a sample.
func medianSpread(xs []float64) (median, lo, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return median, s[0], s[n-1]
}

// TestBenchReport is `make bench`: for each workload, BENCH_ROUNDS rounds
// (default 7) of BENCH_ITERS iterations (default 20) of the interleaved
// floor, RunFunction and end to end; it prints the medians and spreads of
// RunFunction ÷ floor and end to end ÷ floor, µs per composed resource and
// the memory per call, then the aims of issue #15 met or missed. Skipped
// unless BENCH_REPORT is set (make test does not run it: it takes minutes
// and needs a quiet machine).
func TestBenchReport(t *testing.T) {
	if os.Getenv("BENCH_REPORT") == "" {
		t.Skip("set BENCH_REPORT=1 (make bench)")
	}
	rounds, iters := envInt(t, "BENCH_ROUNDS", 7), envInt(t, "BENCH_ITERS", 20)
	var b strings.Builder
	fmt.Fprintf(&b, "%d rounds x %d iterations, GOMAXPROCS %d, medians [min-max]\n", rounds, iters, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "%-22s %9s %22s %22s %12s %12s %10s\n", "workload", "resources", "RunFunction ÷ floor", "end to end ÷ floor", "µs/resource", "KB/op", "allocs/op")
	ratios := map[string][2]float64{}
	for _, c := range benchCases() {
		req := c.req(t)
		rsp, err := (&Function{}).RunFunction(context.Background(), req)
		if err != nil || fatal(rsp) != "" {
			t.Fatalf("%s: %v %s", c.name, err, fatal(rsp))
		}
		n := len(rsp.GetDesired().GetResources())
		var run, e2e, us, kb, allocs []float64
		for range rounds {
			r := measure(t, req, iters)
			run, e2e = append(run, r.run/r.floor), append(e2e, r.e2e/r.floor)
			us, kb, allocs = append(us, r.run/1e3/float64(n)), append(kb, r.bytesPerOp/1024), append(allocs, r.allocsPerOp)
		}
		rm, rl, rh := medianSpread(run)
		em, el, eh := medianSpread(e2e)
		um, _, _ := medianSpread(us)
		km, _, _ := medianSpread(kb)
		am, _, _ := medianSpread(allocs)
		ratios[c.name] = [2]float64{rm, em}
		fmt.Fprintf(&b, "%-22s %9d %8.2fx [%.2f-%.2f] %8.2fx [%.2f-%.2f] %12.1f %12.0f %10.0f\n", c.name, n, rm, rl, rh, em, el, eh, um, km, am)
	}
	// The aims of #15, on the prod example.
	aim := func(what string, got, want float64) {
		verdict := "met"
		if got > want {
			verdict = "MISSED"
		}
		fmt.Fprintf(&b, "aim %-44s %.2fx (want <= %.2fx): %s\n", what, got, want, verdict)
	}
	aim("prod steady RunFunction ÷ floor", ratios["prod/steady"][0], 0.5)
	aim("prod steady end to end ÷ floor", ratios["prod/steady"][1], 1.5)
	aim("prod first reconcile RunFunction ÷ floor", ratios["prod/first"][0], 1.2)
	t.Log("\n" + b.String())
	if out := os.Getenv("BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func envInt(t testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
