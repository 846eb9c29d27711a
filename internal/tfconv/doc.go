// Package tfconv converts a `crossplane render` output of the payment
// platform (the XR, its composed provider-aws v2.5.0 managed resources and
// the render's Results) into Terraform, for scanners that read Terraform
// (trivy config): HCL, and the same configuration in Terraform's JSON
// syntax.
//
// The conversion is the provider's own, not a guess:
//
//   - each composed resource is decoded strictly into its typed
//     provider-aws object (internal/awsapis); an unknown field, or one
//     that does not survive decoding, fails;
//   - its Terraform resource type is GetTerraformResourceType() and its
//     arguments upjet's GetMergedParameters (spec.forProvider merged with
//     spec.initProvider, Terraform-named by the types' tf tags), plus what
//     upjet's controller adds: the identifier argument set from the
//     external name (name, function_name, ... per the kind's external-name
//     configuration in provider-aws config/externalname.go, the external
//     name being the annotation or, where the reconciler initializes it,
//     metadata.name), sensitive arguments given as secret references
//     (GetConnectionDetailsMapping, as sensitive input variables) and the
//     TerraformConfigurationInjector the converter mirrors
//     (aws_secretsmanager_secret; the kinds with others fail);
//   - references and selectors are resolved by the kind's generated
//     ResolveReferences (zz_generated.resolvers.go) against the other
//     resources of the same render, each carrying placeholders in place of
//     its external name, its Terraform-named observation and its string
//     parameters, so whichever extractor the resolver uses (the external
//     name, ExtractResourceID, ExtractParamPath("arn", true), ...) yields
//     the placeholder of the Terraform reference (aws_vpc.vpc.id,
//     aws_kms_key.kms-key.arn, ...; an external name is the attribute the
//     external-name configuration keeps it in). A value resolved in an
//     observed world beside its reference (securityGroupId: sg-... with
//     securityGroupIdRef) is resolved again, so it is the reference too;
//   - the HCL follows the Terraform provider schema provider-aws is
//     generated from (its config/schema.json): block types are nested
//     blocks (a singleton list the CRD embeds as an object included),
//     attributes (maps, lists of objects, ...) are attributes, and every
//     required argument must be there.
//
// It fails, naming the resource and the field, and after trying every
// resource of the render: when a reference or selector resolves to nothing
// in the render, when a spec.forProvider/initProvider field is set that is
// not emitted (not a Terraform argument, a reference, a selector, a mapped
// secret reference or upjet's injected list-map key), when an argument is
// not in the Terraform schema or a required one is missing, or when the
// external-name configuration of a kind is not understood.
//
// Not converted, and reported as skipped: the XR, the render's Results and
// protection.crossplane.io Usages/ClusterUsages (deletion ordering inside
// Crossplane, not AWS resources).
package tfconv
