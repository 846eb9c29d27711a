package providersim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const xrOwner = `
metadata:
  labels: {crossplane.io/composite: xr, resource: %s}
  ownerReferences:
  - {apiVersion: example.org/v1, kind: XR, name: %s, uid: %s, controller: true}
`

func owned(resourceLabel, xr string) string {
	return fmt.Sprintf(xrOwner, resourceLabel, xr, "uid-"+xr)
}

func TestResolveReferences(t *testing.T) {
	cases := map[string]struct {
		subnet      string
		wantVPCFrom string // the VPC whose external name the subnet gets, "" for none
		wantSynced  cond
	}{
		"SelectorMatchesTheControllersVPC": {
			subnet: owned("subnet", "xr-a") + `
spec:
  forProvider:
    region: us-east-2
    cidrBlock: 10.0.0.0/24
    vpcIdSelector: {matchControllerRef: true, matchLabels: {resource: vpc}}
`,
			wantVPCFrom: "vpc-a",
			wantSynced:  cond{"True", "ReconcileSuccess", ""},
		},
		"SelectorWithoutMatchControllerRefTakesFirstByLabel": {
			subnet: owned("subnet", "xr-b") + `
spec:
  forProvider:
    region: us-east-2
    cidrBlock: 10.0.0.0/24
    vpcIdSelector: {matchLabels: {resource: vpc}}
`,
			wantVPCFrom: "vpc-a",
			wantSynced:  cond{"True", "ReconcileSuccess", ""},
		},
		"NoMatchIsAReconcileError": {
			subnet: owned("subnet", "xr-a") + `
spec:
  forProvider:
    region: us-east-2
    cidrBlock: 10.0.0.0/24
    vpcIdSelector: {matchControllerRef: true, matchLabels: {resource: other}}
`,
			wantSynced: cond{"False", "ReconcileError", "cannot resolve references: mg.Spec.ForProvider.VPCID: no resources matched selector"},
		},
		"NamedReferenceToAMissingVPC": {
			subnet: owned("subnet", "xr-a") + `
spec:
  forProvider:
    region: us-east-2
    cidrBlock: 10.0.0.0/24
    vpcIdRef: {name: nope}
`,
			wantSynced: cond{"False", "ReconcileError", `cannot resolve references: mg.Spec.ForProvider.VPCID: cannot get referenced resource: vpcs.ec2.aws.upbound.io "nope" not found`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			vpcBody := "\nspec:\n  forProvider: {region: us-east-2, cidrBlock: 10.0.0.0/16}\n"
			e := newEnv(t, Options{},
				kVPC.obj(t, "vpc-a", owned("vpc", "xr-a")+vpcBody),
				kVPC.obj(t, "vpc-b", owned("vpc", "xr-b")+vpcBody),
			)
			vpcExt := map[string]string{}
			for _, n := range []string{"vpc-a", "vpc-b"} {
				e.eventually(n+" created", func() error {
					if ext := meta.GetExternalName(e.get(kVPC, n)); strings.HasPrefix(ext, "vpc-") && ext != n {
						vpcExt[n] = ext
						return nil
					}
					return errors.New("no AWS external name yet")
				})
			}
			if vpcExt["vpc-a"] == vpcExt["vpc-b"] {
				t.Fatalf("both VPCs have external name %s", vpcExt["vpc-a"])
			}
			e.create(kSubnet.obj(t, "subnet", tc.subnet))
			e.eventually("subnet synced", func() error {
				u := e.get(kSubnet, "subnet")
				if got := conditionOf(u, "Synced"); got != tc.wantSynced {
					return fmt.Errorf("Synced = %+v, want %+v", got, tc.wantSynced)
				}
				if tc.wantVPCFrom == "" {
					if len(e.events("subnet", EventCreate)) != 0 {
						return errors.New("subnet created without its reference")
					}
					return nil
				}
				want := vpcExt[tc.wantVPCFrom]
				if got := str(u, "spec", "forProvider", "vpcId"); got != want {
					return fmt.Errorf("spec.forProvider.vpcId = %q, want %q", got, want)
				}
				if got := str(u, "spec", "forProvider", "vpcIdRef", "name"); got != tc.wantVPCFrom {
					return fmt.Errorf("spec.forProvider.vpcIdRef.name = %q, want %q", got, tc.wantVPCFrom)
				}
				if got := str(u, "status", "atProvider", "vpcId"); got != want {
					return fmt.Errorf("status.atProvider.vpcId = %q, want %q", got, want)
				}
				applies := e.applies.all()
				wantApply := fmt.Sprintf(`subnet managed.crossplane.io/api-simple-reference-resolver force=true {"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"Subnet","spec":{"forProvider":{"vpcId":%q,"vpcIdRef":{"name":%q}}}}`, want, tc.wantVPCFrom)
				if len(applies) != 1 || applies[0] != wantApply {
					return fmt.Errorf("applies = %q, want [%s]", applies, wantApply)
				}
				return nil
			})
		})
	}
}

func TestResolveListAndNestedSelectors(t *testing.T) {
	sg := "\nspec:\n  forProvider: {region: us-east-2, name: x}\n"
	e := newEnv(t, Options{},
		kSG.obj(t, "sg-2", owned("app-sg", "xr-a")+sg),
		kSG.obj(t, "sg-1", owned("app-sg", "xr-a")+sg),
		kSG.obj(t, "sg-other", owned("app-sg", "xr-b")+sg),
		kSubnet.obj(t, "sub-a", owned("app-subnet", "xr-a")+"\nspec:\n  forProvider: {region: us-east-2, vpcId: vpc-1}\n"),
	)
	ext := map[string]string{}
	for _, n := range []string{"sg-1", "sg-2", "sg-other"} {
		e.eventually(n, func() error {
			if ext[n] = meta.GetExternalName(e.get(kSG, n)); !strings.HasPrefix(ext[n], "sg-") || ext[n] == n {
				return errors.New("no AWS ID yet")
			}
			return nil
		})
	}
	e.eventually("subnet", func() error {
		if meta.GetExternalName(e.get(kSubnet, "sub-a")) == "" {
			return errors.New("no AWS ID yet")
		}
		return nil
	})
	e.create(kFunction.obj(t, "api", owned("api", "xr-a")+`
spec:
  forProvider:
    region: us-east-2
    role: arn:aws:iam::123456789012:role/r
    vpcConfig:
      securityGroupIdSelector: {matchControllerRef: true, matchLabels: {resource: app-sg}}
      subnetIdSelector: {matchControllerRef: true, matchLabels: {resource: app-subnet}}
`))
	e.eventually("function resolved", func() error {
		u := e.get(kFunction, "api")
		sgs, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "forProvider", "vpcConfig", "securityGroupIds")
		want := []string{ext["sg-1"], ext["sg-2"]}
		if want[1] < want[0] {
			want[0], want[1] = want[1], want[0] // ResolveMultiple sorts by value
		}
		if fmt.Sprint(sgs) != fmt.Sprint(want) {
			return fmt.Errorf("securityGroupIds = %v, want %v", sgs, want)
		}
		subnets, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "forProvider", "vpcConfig", "subnetIds")
		if len(subnets) != 1 || subnets[0] != meta.GetExternalName(e.get(kSubnet, "sub-a")) {
			return fmt.Errorf("subnetIds = %v", subnets)
		}
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "forProvider", "vpcConfig", "securityGroupIdRefs")
		if len(refs) != 2 {
			return fmt.Errorf("securityGroupIdRefs = %v", refs)
		}
		if got := conditionOf(u, "Synced"); got.status != "True" {
			return fmt.Errorf("Synced = %+v", got)
		}
		return nil
	})
}

func TestCreateThenAvailable(t *testing.T) {
	cases := map[string]struct {
		kind   testKind
		name   string
		body   string
		wantEN func(u *unstructured.Unstructured) string
		want   map[string]string // status.atProvider fields
	}{
		"VPCGetsAnAWSAssignedID": {
			kind: kVPC, name: "net",
			body:   "spec:\n  forProvider: {region: us-east-2, cidrBlock: 10.1.0.0/16, tags: {a: b}}\n",
			wantEN: func(u *unstructured.Unstructured) string { return str(u, "status", "atProvider", "id") },
			want:   map[string]string{"cidrBlock": "10.1.0.0/16", "tagsAll.a": "b"},
		},
		"TopicIsNamedByItsName": {
			kind: kTopic, name: "alarms",
			body:   "spec:\n  forProvider: {region: us-east-2}\n",
			wantEN: func(*unstructured.Unstructured) string { return "alarms" },
			want:   map[string]string{"arn": "arn:aws:sns:us-east-2:123456789012:alarms", "id": "arn:aws:sns:us-east-2:123456789012:alarms"},
		},
		"KMSAliasExternalNameLosesItsPrefix": {
			kind: kAlias, name: "key-alias",
			body:   "metadata:\n  annotations: {crossplane.io/external-name: alias/payment-dev}\nspec:\n  forProvider: {region: us-east-2, targetKeyId: k1}\n",
			wantEN: func(*unstructured.Unstructured) string { return "payment-dev" },
			want:   map[string]string{"id": "alias/payment-dev", "arn": "arn:aws:kms:us-east-2:123456789012:alias/payment-dev"},
		},
		"PublishedFunctionHasVersion1": {
			kind: kFunction, name: "api",
			body:   "spec:\n  forProvider: {region: us-east-2, publish: true, packageType: Image}\n",
			wantEN: func(*unstructured.Unstructured) string { return "api" },
			want: map[string]string{
				"arn": "arn:aws:lambda:us-east-2:123456789012:function:api", "version": "1",
				"qualifiedArn": "arn:aws:lambda:us-east-2:123456789012:function:api:1",
			},
		},
		"AuroraClusterEndpointsAndSecret": {
			kind: kCluster, name: "db",
			body:   "spec:\n  forProvider: {region: us-east-2, engine: aurora-postgresql, manageMasterUserPassword: true}\n",
			wantEN: func(*unstructured.Unstructured) string { return "db" },
			want:   map[string]string{"arn": "arn:aws:rds:us-east-2:123456789012:cluster:db", "engine": "aurora-postgresql"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{ReadyDelay: 700 * time.Millisecond}, tc.kind.obj(t, tc.name, tc.body))
			e.eventually("created", func() error {
				if len(e.events(tc.name, EventCreate)) == 0 {
					return errors.New("no Create event")
				}
				return nil
			})
			u := e.get(tc.kind, tc.name)
			if got, want := conditionOf(u, "Ready"), (cond{"False", "Creating", ""}); got != want {
				t.Errorf("Ready right after create = %+v, want %+v", got, want)
			}
			if got, want := conditionOf(u, "Synced"), (cond{"True", "ReconcileSuccess", ""}); got != want {
				t.Errorf("Synced right after create = %+v, want %+v", got, want)
			}
			if got, want := conditionOf(u, "LastAsyncOperation"), (cond{"True", "Success", ""}); got != want {
				t.Errorf("LastAsyncOperation = %+v, want %+v", got, want)
			}
			if !meta.FinalizerExists(u, managed.FinalizerName) {
				t.Errorf("finalizers = %v, want %s", u.GetFinalizers(), managed.FinalizerName)
			}
			start := time.Now()
			e.eventually("available", func() error {
				u = e.get(tc.kind, tc.name)
				if got := conditionOf(u, "Ready"); got != (cond{"True", "Available", ""}) {
					return fmt.Errorf("Ready = %+v", got)
				}
				return nil
			})
			if waited := time.Since(start); waited < 300*time.Millisecond {
				t.Errorf("Available %v after the create was seen, want about ReadyDelay (700ms)", waited)
			}
			if got, want := meta.GetExternalName(u), tc.wantEN(u); got != want || got == "" {
				t.Errorf("external name = %q, want %q", got, want)
			}
			for path, want := range tc.want {
				if got := str(u, append([]string{"status", "atProvider"}, strings.Split(path, ".")...)...); got != want {
					t.Errorf("status.atProvider.%s = %q, want %q", path, got, want)
				}
			}
			if len(e.events(tc.name, EventCreate)) != 1 {
				t.Errorf("Create events = %d, want 1", len(e.events(tc.name, EventCreate)))
			}
		})
	}
}

func TestAuroraObservation(t *testing.T) {
	e := newEnv(t, Options{}, kCluster.obj(t, "db", "spec:\n  forProvider: {region: us-east-2, engine: aurora-postgresql, manageMasterUserPassword: true}\n"))
	e.eventually("observed", func() error {
		u := e.get(kCluster, "db")
		ep := str(u, "status", "atProvider", "endpoint")
		ro := str(u, "status", "atProvider", "readerEndpoint")
		if !strings.HasPrefix(ep, "db.cluster-") || !strings.HasPrefix(ro, "db.cluster-ro-") || !strings.HasSuffix(ep, ".us-east-2.rds.amazonaws.com") {
			return fmt.Errorf("endpoints %q %q", ep, ro)
		}
		l, _, _ := unstructured.NestedSlice(u.Object, "status", "atProvider", "masterUserSecret")
		if len(l) != 1 || !strings.HasPrefix(l[0].(map[string]any)["secretArn"].(string), "arn:aws:secretsmanager:us-east-2:123456789012:secret:rds!cluster-") {
			return fmt.Errorf("masterUserSecret = %v", l)
		}
		return nil
	})
}

func TestUpdate(t *testing.T) {
	vpcRefusesCIDR := ForceNewFunc(func(_, kind string, state, desired map[string]any) (string, bool) {
		if kind == "VPC" && state["cidrBlock"] != desired["cidrBlock"] {
			return fmt.Sprintf("update failed: async update failed: refuse to update the external resource because the following update requires replacing it: cannot change the value of the argument %q from %q to %q",
				"cidr_block", state["cidrBlock"], desired["cidrBlock"]), true
		}
		return "", false
	})
	cases := map[string]struct {
		edit       func(fp map[string]any)
		wantSynced cond
		wantLast   cond
		wantCIDR   string
		wantTag    string
		wantEvent  EventType
	}{
		"ForceNewChangeIsRefused": {
			edit: func(fp map[string]any) { fp["cidrBlock"] = "10.9.0.0/16" },
			wantSynced: cond{"False", "ReconcileError", "update failed: async update failed: refuse to update the external resource because " +
				`the following update requires replacing it: cannot change the value of the argument "cidr_block" from "10.1.0.0/16" to "10.9.0.0/16"`},
			wantLast: cond{"False", "AsyncUpdateFailure", "async update failed: refuse to update the external resource because " +
				`the following update requires replacing it: cannot change the value of the argument "cidr_block" from "10.1.0.0/16" to "10.9.0.0/16"`},
			wantCIDR: "10.1.0.0/16", wantTag: "one", wantEvent: EventRefuse,
		},
		"OtherChangeIsApplied": {
			edit:       func(fp map[string]any) { fp["tags"] = map[string]any{"t": "two"} },
			wantSynced: cond{"True", "ReconcileSuccess", ""},
			wantLast:   cond{"True", "Success", ""},
			wantCIDR:   "10.1.0.0/16", wantTag: "two", wantEvent: EventUpdate,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{ForceNew: vpcRefusesCIDR},
				kVPC.obj(t, "net", "spec:\n  forProvider: {region: us-east-2, cidrBlock: 10.1.0.0/16, tags: {t: one}}\n"))
			var id string
			e.eventually("available", func() error {
				u := e.get(kVPC, "net")
				id = str(u, "status", "atProvider", "id")
				if conditionOf(u, "Ready").status != "True" {
					return errors.New("not ready")
				}
				return nil
			})
			e.edit(kVPC, "net", func(u *unstructured.Unstructured) {
				fp, _, _ := unstructured.NestedMap(u.Object, "spec", "forProvider")
				tc.edit(fp)
				_ = unstructured.SetNestedMap(u.Object, fp, "spec", "forProvider")
			})
			e.eventually("reconciled", func() error {
				u := e.get(kVPC, "net")
				if got := conditionOf(u, "Synced"); got != tc.wantSynced {
					return fmt.Errorf("Synced = %+v, want %+v", got, tc.wantSynced)
				}
				if got := conditionOf(u, "LastAsyncOperation"); got != tc.wantLast {
					return fmt.Errorf("LastAsyncOperation = %+v, want %+v", got, tc.wantLast)
				}
				if got := conditionOf(u, "Ready"); got != (cond{"True", "Available", ""}) {
					return fmt.Errorf("Ready = %+v", got)
				}
				if got := str(u, "status", "atProvider", "cidrBlock"); got != tc.wantCIDR {
					return fmt.Errorf("atProvider.cidrBlock = %q, want %q", got, tc.wantCIDR)
				}
				if got := str(u, "status", "atProvider", "tags", "t"); got != tc.wantTag {
					return fmt.Errorf("atProvider.tags.t = %q, want %q", got, tc.wantTag)
				}
				if got := str(u, "status", "atProvider", "id"); got != id {
					return fmt.Errorf("atProvider.id = %q, want it kept: %q", got, id)
				}
				if len(e.events("net", tc.wantEvent)) != 1 {
					return fmt.Errorf("%s events = %d, want 1", tc.wantEvent, len(e.events("net", tc.wantEvent)))
				}
				return nil
			})
		})
	}
}

func TestIgnoredAndPaused(t *testing.T) {
	e := newEnv(t, Options{},
		kTopic.obj(t, "paused", "metadata:\n  annotations: {crossplane.io/paused: \"true\"}\nspec:\n  forProvider: {region: us-east-2}\n"),
		kTopic.obj(t, "observe-only", "spec:\n  managementPolicies: [Observe]\n  forProvider: {region: us-east-2}\n"),
	)
	e.eventually("paused and observe-only reported", func() error {
		if got := conditionOf(e.get(kTopic, "paused"), "Synced"); got != (cond{"False", "ReconcilePaused", ""}) {
			return fmt.Errorf("paused Synced = %+v", got)
		}
		want := cond{"False", "ReconcileError", "observe failed: external resource does not exist"}
		if got := conditionOf(e.get(kTopic, "observe-only"), "Synced"); got != want {
			return fmt.Errorf("observe-only Synced = %+v, want %+v", got, want)
		}
		return nil
	})
	if ev := e.sim.Events(); len(ev) != 0 {
		t.Errorf("events = %s, want none", e.eventsString())
	}
}
