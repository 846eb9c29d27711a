//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// connectionKeys are the keys the README documents for the claim's
// connection secret once the platform is up (the edge adds albDnsName and
// apiFunctionName; the alarms add snsTopicArn). Never a password.
var connectionKeys = []string{
	"albDnsName", "apiFunctionName", "dbClusterArn", "dbName", "dbPort", "dbReaderEndpoint",
	"dbSecretArn", "dbWriterEndpoint", "kmsKeyArn", "snsTopicArn", "vpcId",
}

// exampleClaimsReady: the dev and prod example claims, applied as an app
// team would, become Ready: every resource the function composes exists and
// is Ready and Synced (a ClusterUsage only Ready: Crossplane's Usage
// controller never sets Synced), no apply failed, and the claim's
// connection secret holds the documented keys and no password.
func exampleClaimsReady(t *testing.T) {
	prepareNamespace(t)
	// The observed world each Ready example renders in (examples/observed).
	worlds := map[string]string{"claim.yaml": "claim-ready", "claim-prod.yaml": "claim-prod-ready"}
	claims := map[string]string{}
	for _, f := range []string{"claim.yaml", "claim-prod.yaml"} {
		claims[f] = applyClaim(t, readClaim(t, f))
	}
	start := time.Now()
	var xrs []string
	for _, f := range slices.Sorted(maps.Keys(claims)) {
		name := claims[f]
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			xr := waitClaimReady(t, name, 8*time.Minute)
			t.Logf("%s Ready within %s", name, time.Since(start).Round(time.Second))
			ctx := context.Background()
			checkAllComposedReady(t, ctx, xr)
			checkNoApplyErrors(t, ctx, xr)
			checkConnectionSecret(t, ctx, name)
			checkFailbackCombinesEveryGuard(t, xr.GetName())
			checkListSelectorsComplete(t, xr.GetName())
			checkMigrationPath(t, ctx, xr)
			xrs = append(xrs, xr.GetName())
		})
	}
	checkSettled(t, xrs...)
	for f, name := range claims {
		captureWorld(t, name, worlds[f])
	}
}

func checkAllComposedReady(t *testing.T, ctx context.Context, xr *unstructured.Unstructured) {
	t.Helper()
	objs, err := composedOf(ctx, xr.GetName())
	if err != nil {
		t.Fatal(err)
	}
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	if len(refs) != len(objs) {
		t.Errorf("XR references %d composed resources, %d carry its label", len(refs), len(objs))
	}
	want := fmt.Sprintf("%d/%d", len(objs), len(objs))
	if got, _, _ := unstructured.NestedString(xr.Object, "status", "resourcesReady"); got != want {
		t.Errorf("status.resourcesReady %q, want %q", got, want)
	}
	usages := 0
	for _, o := range objs {
		if err := conditionIs(&o, "Ready", "True", ""); err != nil {
			t.Error(err)
		}
		if o.GetKind() == "ClusterUsage" {
			usages++
			if s, _, _ := condition(&o, "Synced"); s != "" {
				t.Errorf("ClusterUsage %s has a Synced condition %q: Crossplane does not set one", o.GetName(), s)
			}
			continue
		}
		if err := conditionIs(&o, "Synced", "True", ""); err != nil {
			t.Error(err)
		}
	}
	if usages == 0 {
		t.Error("no ClusterUsage composed: deletion ordering is untested")
	}
	t.Logf("%s: %d composed resources Ready (%d ClusterUsages)", xr.GetName(), len(objs), usages)
}

// checkNoApplyErrors: Crossplane reports a composed resource it could not
// apply (refused by the API server, or by a list-map merge) as a Warning
// event on the XR.
func checkNoApplyErrors(t *testing.T, ctx context.Context, xr *unstructured.Unstructured) {
	t.Helper()
	evs, err := warningEvents(ctx, "", xr.GetKind(), xr.GetName())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if strings.Contains(e.Message, "cannot apply") || strings.Contains(e.Message, "Duplicate value") {
			t.Errorf("apply error event %s (x%d): %s", e.Reason, e.Count, e.Message)
		}
	}
}

func checkConnectionSecret(t *testing.T, ctx context.Context, claim string) {
	t.Helper()
	c, err := get(ctx, claimGVR, claimNamespace, claim)
	if err != nil {
		t.Fatal(err)
	}
	name, _, _ := unstructured.NestedString(c.Object, "spec", "writeConnectionSecretToRef", "name")
	if name == "" {
		t.Fatalf("claim %s writes no connection secret", claim)
	}
	var keys []string
	eventually(t, time.Minute, "connection secret "+name, func(ctx context.Context) error {
		sec, err := world.stack.Kube.CoreV1().Secrets(claimNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		keys = slices.Sorted(maps.Keys(sec.Data))
		if !slices.Equal(keys, connectionKeys) {
			return fmt.Errorf("keys %v, want %v", keys, connectionKeys)
		}
		for k, v := range sec.Data {
			if strings.Contains(strings.ToLower(k), "password") || strings.Contains(string(v), sourcePassword) {
				return fmt.Errorf("key %s carries a password", k)
			}
		}
		return nil
	})
}

// checkSettled: a Ready platform stays put. Nothing composed keeps
// changing: a field the provider rewrites and Crossplane re-applies (as an
// external name in a form the provider does not keep) would show here as
// objects updated again and again.
func checkSettled(t *testing.T, xrs ...string) {
	t.Helper()
	before := map[string]snapshot{}
	for _, xr := range xrs {
		before[xr] = takeSnapshot(t, xr)
	}
	time.Sleep(15 * time.Second)
	for _, xr := range xrs {
		var churn []string
		for n, o := range takeSnapshot(t, xr) {
			if b, ok := before[xr][n]; ok && b.GetResourceVersion() != o.GetResourceVersion() {
				churn = append(churn, n)
			}
		}
		slices.Sort(churn)
		if len(churn) > 0 {
			t.Errorf("%s: %d composed resources changed within 15 s of the platform being Ready: %v", xr, len(churn), churn)
		}
	}
}

// checkFailbackCombinesEveryGuard: the new side's calculated health check,
// as the provider holds it, combines the endpoint check and every guard
// alarm's check, and needs all of them healthy.
func checkFailbackCombinesEveryGuard(t *testing.T, xr string) {
	t.Helper()
	s := takeSnapshot(t, xr)
	calc, ok := s["health-new"]
	if !ok {
		t.Fatal("no calculated health check health-new")
	}
	var want []string
	for n, o := range s {
		if n == "health-new-endpoint" || strings.HasPrefix(n, "health-cutover-guard-") {
			id, _, _ := unstructured.NestedString(o.Object, "status", "atProvider", "id")
			want = append(want, id)
		}
	}
	got, _, _ := unstructured.NestedStringSlice(calc.Object, "status", "atProvider", "childHealthchecks")
	threshold, _, _ := unstructured.NestedFieldNoCopy(calc.Object, "status", "atProvider", "childHealthThreshold")
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 4 || !slices.Equal(got, want) || num(threshold) != float64(len(want)) {
		t.Errorf("health-new combines %v with threshold %v; want all of %v", got, threshold, want)
	}
}

// checkListSelectorsComplete: every list the provider filled from a
// selector holds every object the selector matches now. The provider
// resolves a list selector once and keeps the references it found, so a
// list filled before all its targets existed would stay short for good.
func checkListSelectorsComplete(t *testing.T, xr string) {
	t.Helper()
	s := takeSnapshot(t, xr)
	byName := map[string]*unstructured.Unstructured{}
	for _, o := range s {
		byName[o.GetName()] = o
	}
	lists := 0
	for n, o := range s {
		fp, _, _ := unstructured.NestedMap(o.Object, "spec", "forProvider")
		walkSelectors(fp, "spec.forProvider", func(path string, sel map[string]any, refs []any) {
			if len(refs) == 0 {
				t.Errorf("%s %s: selector resolved to nothing", n, path)
				return
			}
			first, _ := refs[0].(map[string]any)
			target := byName[fmt.Sprint(first["name"])]
			if target == nil {
				t.Errorf("%s %s: references %v, which this XR did not compose", n, path, first["name"])
				return
			}
			labels, _ := sel["matchLabels"].(map[string]any)
			want := 0
			for _, c := range s {
				if c.GetKind() == target.GetKind() && c.GetAPIVersion() == target.GetAPIVersion() && matches(c.GetLabels(), labels) {
					want++
				}
			}
			lists++
			if len(refs) != want {
				t.Errorf("%s %s: %d references, the selector matches %d objects", n, path, len(refs), want)
			}
		})
	}
	if lists == 0 {
		t.Error("no list selector found: the check checked nothing")
	}
}

// walkSelectors calls f for every <x>Selector with a sibling <x>Refs list.
func walkSelectors(m map[string]any, path string, f func(path string, sel map[string]any, refs []any)) {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if base, ok := strings.CutSuffix(k, "Selector"); ok {
				if refs, ok := m[base+"Refs"].([]any); ok {
					f(path+"."+k, x, refs)
				}
				continue
			}
			walkSelectors(x, path+"."+k, f)
		case []any:
			for i, e := range x {
				if em, ok := e.(map[string]any); ok {
					walkSelectors(em, fmt.Sprintf("%s.%s[%d]", path, k, i), f)
				}
			}
		}
	}
}

func matches(labels map[string]string, want map[string]any) bool {
	for k, v := range want {
		if labels[k] != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// checkMigrationPath: DMS reaches the source over what the claim built and
// logs in to Aurora as its own user. The source endpoint verifies the server
// against the CA the provider imported (verify-full in prod); the target
// reads DMS's own secret, never the RDS-managed master secret; that secret
// has a rotation; the task waits for the schema only when the claim says
// so; the XR status says how the VPC reaches the on-prem network.
func checkMigrationPath(t *testing.T, ctx context.Context, xr *unstructured.Unstructured) {
	t.Helper()
	name := xr.GetName()
	field := func(res string, path ...string) string {
		v, _, err := composedField(ctx, name, res, path...)
		if err != nil {
			t.Error(err)
		}
		s, _ := v.(string)
		return s
	}
	mode := field("dms-source-endpoint", "spec", "forProvider", "sslMode")
	if mode != "require" {
		ca := field("dms-source-ca", "status", "atProvider", "certificateArn")
		if ca == "" || field("dms-source-endpoint", "spec", "forProvider", "certificateArn") != ca {
			t.Errorf("%s: source endpoint (sslMode %s) does not verify against the imported CA %q", name, mode, ca)
		}
	}
	secret := field("dms-user-secret", "status", "atProvider", "arn")
	if secret == "" || field("dms-target-endpoint", "spec", "forProvider", "secretsManagerArn") != secret {
		t.Errorf("%s: the DMS target endpoint does not read DMS's own secret %q", name, secret)
	}
	if strings.Contains(field("dms-target-endpoint", "spec", "forProvider", "secretsManagerArn"), "rds!cluster") {
		t.Errorf("%s: the DMS target endpoint reads the RDS-managed master secret", name)
	}
	if field("dms-user-rotation", "spec", "forProvider", "rotationLambdaArn") == "" {
		t.Errorf("%s: DMS's secret has no rotation function", name)
	}
	via, _, _ := unstructured.NestedString(xr.Object, "status", "onPremises", "via")
	attach, _, _ := unstructured.NestedString(xr.Object, "status", "onPremises", "transitGatewayAttachmentId")
	vpn, _, _ := unstructured.NestedString(xr.Object, "status", "onPremises", "vpnConnectionId")
	if via == "" || (attach == "" && vpn == "") {
		t.Errorf("%s: status.onPremises = %q (attachment %q, VPN %q): no connectivity reported", name, via, attach, vpn)
	}
	// With the validator, the requested step's validation ran once, as its
	// own Invocation, and its echoed result was taken.
	if v, ok, _ := unstructured.NestedMap(xr.Object, "status", "validation"); ok {
		step, _, _ := unstructured.NestedInt64(xr.Object, "spec", "cutover", "step")
		run := fmt.Sprintf("validation-run-%d-1", step)
		if _, _, err := composedField(ctx, name, run, "status", "atProvider", "result"); err != nil {
			t.Errorf("%s: no validation run %s: %v", name, run, err)
		}
		forStep := 0.0 // omitted when 0
		if f, ok := v["forStep"]; ok {
			forStep = num(f)
		}
		if v["success"] != true || forStep != float64(step) {
			t.Errorf("%s: status.validation = %v, want a passed validation for step %d", name, v, step)
		}
	}
	t.Logf("%s: source sslMode %s, DMS secret %s, on-prem via %s", name, mode, secret, via)
}
