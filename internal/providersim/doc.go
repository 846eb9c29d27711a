// Package providersim plays provider-aws (v2.5.0, cluster-scoped
// *.aws.upbound.io kinds) for the managed resources Crossplane composes on
// a test control plane that has the provider's CRDs but no provider. It is
// a controller run in-process by the e2e tests: dynamic informers on every
// provider CRD's storage version (discovered from the API server, including
// CRDs created later), a rate-limited work queue, a few workers.
//
// Each reconcile follows crossplane-runtime v2.2.0's managed reconciler
// (pkg/reconciler/managed/reconciler.go) with upjet's asynchronous
// Terraform plugin SDK client (pkg/controller/external_async_tfpluginsdk.go,
// external_tfpluginsdk.go, api.go), which is how provider-aws's generated
// controllers are wired:
//
//   - paused (crossplane.io/paused or empty managementPolicies): Synced=False
//     ReconcilePaused, nothing else;
//   - deleted with deletionPolicy Orphan (or managementPolicies without
//     Delete): the finalizer is removed, the external resource kept;
//   - the NameAsExternalName initializer for the kinds whose controller runs
//     it; the external-create-pending/-succeeded annotations and the
//     "cannot determine creation result" guard;
//   - references resolved by the provider's own generated ResolveReferences
//     (zz_generated.resolvers.go) against the informer caches, the change
//     server-side applied by managed.crossplane.io/api-simple-reference-resolver;
//     a failure is Synced=False "cannot resolve references: ...";
//   - deletion: other finalizers first, the external delete, then the
//     finalizer finalizer.managedresource.crossplane.io is removed;
//   - create: status.atProvider is the parameters plus the ID and what AWS
//     computes (ARNs, endpoints, ...), the external name as the kind's upjet
//     configuration derives it; Ready=False Creating, Synced=True, then
//     Ready=True Available a ReadyDelay later;
//   - update: a change of a ForceNew argument (internal/forcenew's table,
//     generated from the Terraform schemas; Options.ForceNew to override) is
//     refused with upjet's message (Synced=False, LastAsyncOperation=False,
//     the state unchanged); other changes are applied to status.atProvider;
//   - lambda.aws.upbound.io Invocations run through Options.Invoker exactly
//     as Terraform's aws_lambda_invocation does (lifecycle_scope CREATE_ONLY
//     or CRUD, the terraform_key lifecycle payload, the result in
//     status.atProvider.result).
//
// Tests read what happened from Events; apiserver_test.go (-tags e2e) runs
// the simulator against a real kube-apiserver.
//
// All state lives in the objects (annotations and status): restarting the
// simulator, Crossplane or the API server loses nothing.
//
// Simplified: no ProviderConfig is required or read (the real provider
// fails to connect without one); no connection secrets are published; no
// late initialization of spec.forProvider; removing an argument from
// spec.forProvider changes nothing (as for Terraform's optional+computed
// arguments); status.atProvider appears with the create rather than at the
// observation after it; kinds without a rule in observe.go get the ID from
// their external name and no computed attributes; references are resolved
// only for the group-versions registered in scheme.go.
package providersim
