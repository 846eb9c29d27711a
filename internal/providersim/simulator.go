package providersim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// DefaultAccount is the AWS account in simulated ARNs.
const DefaultAccount = "123456789012"

// GroupSuffix selects the CRDs the simulator plays the provider for: the
// cluster-scoped provider-aws groups (the namespaced ones end in
// .aws.m.upbound.io).
const GroupSuffix = ".aws.upbound.io"

// Options configure a Simulator. The zero value of every field is usable.
type Options struct {
	// Invoker runs Lambda functions for lambda.aws.upbound.io Invocations.
	// Without one every invocation fails like an unreachable Lambda API.
	Invoker Invoker
	// Account is the AWS account in ARNs (DefaultAccount).
	Account string
	// Region is used when a resource has no spec.forProvider.region
	// (us-east-1).
	Region string
	// Log receives what the simulator does (discarded when unset).
	Log logr.Logger
	// Workers reconcile in parallel (4).
	Workers int
	// ReadyDelay is how long a created resource stays Ready=False/Creating
	// before the next reconcile reports it Available (1s).
	ReadyDelay time.Duration
	// PollInterval is the requeue of an up-to-date resource, the provider's
	// --poll (1m; provider-aws defaults to 10m).
	PollInterval time.Duration
	// RetryBase and RetryMax bound the per-object exponential backoff after
	// an error (500ms, 10s; crossplane-runtime's controllers use 1s..60s).
	RetryBase, RetryMax time.Duration
	// Groups, when set, limits the watched API groups (each must end in
	// GroupSuffix); otherwise every CRD of a group ending in GroupSuffix is
	// watched.
	Groups []string
	// ForceNew decides which updates are refused because they require
	// replacing the resource (internal/forcenew's rules when nil).
	ForceNew ForceNew
	// Now is the clock (time.Now).
	Now func() time.Time
	// ReportedTime is the clock of the times simulated AWS reports (creation
	// dates, IDs with a timestamp): Now by default. Tests that record what
	// they observe as fixtures pass a fixed one.
	ReportedTime func() time.Time
	// Identity is what makes a resource's simulated AWS identifiers (IDs,
	// ARN suffixes, endpoints) unique: its UID by default, so a replaced
	// resource gets new ones, as in AWS. Tests that record what they
	// observe as fixtures pass one that depends only on the name, so the
	// identifiers are the same on every run.
	Identity func(u *unstructured.Unstructured) string
}

// A Simulator plays provider-aws for the managed resources on an API server.
type Simulator struct {
	o      Options
	dyn    dynamic.Interface
	scheme *runtime.Scheme
	reader cacheReader
	queue  workqueue.TypedRateLimitingInterface[key]

	mu      sync.Mutex
	watches map[schema.GroupKind]*watch
	factory dynamicinformer.DynamicSharedInformerFactory
	stop    <-chan struct{}
	events  []Event
	// created holds when this process created a resource (by UID): the
	// external-create-succeeded annotation has whole seconds only.
	created sync.Map
}

// key names one object to reconcile.
type key struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

// watch is one watched kind: the CRD's storage version.
type watch struct {
	gvr      schema.GroupVersionResource
	gvk      schema.GroupVersionKind
	informer cache.SharedIndexInformer
	// atProvider is the CRD's schema of status.atProvider, used to keep the
	// simulated state to what the API server stores (nil: keep everything).
	atProvider map[string]any
}

// New returns a Simulator for the API server of cfg.
func New(cfg *rest.Config, o Options) (*Simulator, error) {
	c := rest.CopyConfig(cfg)
	c.UserAgent = "providersim" // its field manager in managedFields
	if c.QPS == 0 {
		c.QPS, c.Burst = 200, 400 // one LIST and WATCH per CRD at start
	}
	dyn, err := dynamic.NewForConfig(c)
	if err != nil {
		return nil, err
	}
	return newSimulator(dyn, o)
}

func newSimulator(dyn dynamic.Interface, o Options) (*Simulator, error) {
	sch, err := typedScheme()
	if err != nil {
		return nil, err
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.ReadyDelay <= 0 {
		o.ReadyDelay = time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Minute
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 500 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReportedTime == nil {
		o.ReportedTime = o.Now
	}
	if o.Identity == nil {
		o.Identity = func(u *unstructured.Unstructured) string { return string(u.GetUID()) }
	}
	if o.ForceNew == nil {
		o.ForceNew = defaultForceNew()
	}
	for _, g := range o.Groups {
		if !strings.HasSuffix(g, GroupSuffix) {
			return nil, fmt.Errorf("group %q does not end in %s", g, GroupSuffix)
		}
	}
	s := &Simulator{o: o, dyn: dyn, scheme: sch, watches: map[schema.GroupKind]*watch{}}
	s.reader = cacheReader{s: s}
	s.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[key](o.RetryBase, o.RetryMax),
		workqueue.TypedRateLimitingQueueConfig[key]{Name: "providersim"})
	return s, nil
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Run discovers the provider's CRDs, watches their objects and reconciles
// them until ctx ends. CRDs created later are picked up.
func (s *Simulator) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.factory != nil {
		s.mu.Unlock()
		return errors.New("providersim: Run called twice")
	}
	s.factory = dynamicinformer.NewDynamicSharedInformerFactory(s.dyn, 0)
	s.stop = ctx.Done()
	s.mu.Unlock()

	crds := s.factory.ForResource(crdGVR).Informer()
	if _, err := crds.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { s.crdChanged(o) },
		UpdateFunc: func(_, o any) { s.crdChanged(o) },
	}); err != nil {
		return err
	}
	s.factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), crds.HasSynced) {
		return ctx.Err()
	}

	var wg sync.WaitGroup
	for range s.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	s.queue.ShutDown()
	wg.Wait()
	s.factory.Shutdown()
	return nil
}

// crdChanged starts watching a provider CRD's storage version once it is
// established.
func (s *Simulator) crdChanged(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
	if !s.wantGroup(group) || !crdEstablished(u) {
		return
	}
	kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
	plural, _, _ := unstructured.NestedString(u.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if storage, _ := vm["storage"].(bool); !storage {
			continue
		}
		name, _ := vm["name"].(string)
		atp, _, _ := unstructured.NestedMap(vm, "schema", "openAPIV3Schema", "properties", "status", "properties", "atProvider")
		s.addWatch(schema.GroupVersionResource{Group: group, Version: name, Resource: plural}, kind, atp)
	}
}

func (s *Simulator) wantGroup(group string) bool {
	if !strings.HasSuffix(group, GroupSuffix) {
		return false
	}
	if len(s.o.Groups) == 0 {
		return true
	}
	for _, g := range s.o.Groups {
		if g == group {
			return true
		}
	}
	return false
}

func crdEstablished(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == "Established" && cm["status"] == "True" {
			return true
		}
	}
	return false
}

// addWatch watches a kind in its storage version. A changed storage version
// replaces the watch (the old informer's events are then ignored).
func (s *Simulator) addWatch(gvr schema.GroupVersionResource, kind string, atProvider map[string]any) {
	gk := schema.GroupKind{Group: gvr.Group, Kind: kind}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.watches[gk]; ok && w.gvr == gvr {
		w.atProvider = atProvider
		return
	}
	inf := s.factory.ForResource(gvr).Informer()
	w := &watch{gvr: gvr, gvk: gvr.GroupVersion().WithKind(kind), informer: inf, atProvider: atProvider}
	enqueue := func(o any) {
		if u, ok := o.(*unstructured.Unstructured); ok && s.current(gk, gvr) {
			s.queue.Add(key{gvr: gvr, namespace: u.GetNamespace(), name: u.GetName()})
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue,
		UpdateFunc: func(oldObj, newObj any) {
			if desiredStateChanged(oldObj, newObj) {
				enqueue(newObj)
			}
		},
	})
	if err != nil {
		s.o.Log.Error(err, "cannot watch", "resource", gvr.String())
		return
	}
	s.watches[gk] = w
	s.factory.Start(s.stop)
	s.o.Log.V(1).Info("watching", "resource", gvr.String(), "kind", kind)
}

func (s *Simulator) current(gk schema.GroupKind, gvr schema.GroupVersionResource) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.watches[gk]
	return ok && w.gvr == gvr
}

func (s *Simulator) watchFor(gk schema.GroupKind) *watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watches[gk]
}

func (s *Simulator) watchForResource(gvr schema.GroupVersionResource) *watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.watches {
		if w.gvr == gvr {
			return w
		}
	}
	return nil
}

// desiredStateChanged is crossplane-runtime's resource.DesiredStateChanged
// event filter (generation, labels or annotations changed), plus deletion
// and finalizer changes, which the provider sees through its requeues.
func desiredStateChanged(oldObj, newObj any) bool {
	o, ok1 := oldObj.(*unstructured.Unstructured)
	n, ok2 := newObj.(*unstructured.Unstructured)
	if !ok1 || !ok2 {
		return true
	}
	return o.GetGeneration() != n.GetGeneration() ||
		!equalStrings(o.GetLabels(), n.GetLabels()) ||
		!equalStrings(o.GetAnnotations(), n.GetAnnotations()) ||
		(o.GetDeletionTimestamp() == nil) != (n.GetDeletionTimestamp() == nil) ||
		len(o.GetFinalizers()) != len(n.GetFinalizers())
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (s *Simulator) processNext(ctx context.Context) bool {
	k, shutdown := s.queue.Get()
	if shutdown {
		return false
	}
	defer s.queue.Done(k)
	res, err := s.reconcile(ctx, k)
	switch {
	case err != nil:
		s.o.Log.V(1).Info("reconcile", "resource", k.gvr.Resource, "name", k.name, "error", err.Error())
		s.queue.AddRateLimited(k)
	case res.requeue:
		s.queue.AddRateLimited(k)
	case res.after > 0:
		s.queue.Forget(k)
		s.queue.AddAfter(k, res.after)
	default:
		s.queue.Forget(k)
	}
	return true
}
