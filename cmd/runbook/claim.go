package main

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/acme-payments/xpaymentplatform/functions/payment-platform/fn"
)

// The claim's API.
const (
	ClaimAPIVersion = "platform.payments.io/v1alpha1"
	ClaimKind       = "PaymentPlatform"
	// ClaimResource is what kubectl calls the claim.
	ClaimResource = "paymentplatform"
	// DefaultNamespace is where kubectl puts a claim whose file names no
	// namespace (with the default context).
	DefaultNamespace = "default"
)

// Claim is a PaymentPlatform claim with its spec defaulted and validated.
type Claim struct {
	Name      string
	Namespace string
	// NamespaceDefaulted is true when the file names no namespace.
	NamespaceDefaulted bool
	Spec               *v1alpha1.XPaymentPlatformSpec
}

// LoadClaim reads a claim: kind PaymentPlatform, a name, and a spec the
// function would accept. Spec problems come back together, each with its
// field path.
func LoadClaim(b []byte) (*Claim, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("not a YAML object: %w", err)
	}
	if obj == nil {
		return nil, errors.New("empty document: want a PaymentPlatform claim")
	}
	var errs field.ErrorList
	if v, _ := obj["apiVersion"].(string); v != ClaimAPIVersion {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), obj["apiVersion"], []string{ClaimAPIVersion}))
	}
	if k, _ := obj["kind"].(string); k != ClaimKind {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), obj["kind"], []string{ClaimKind}))
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	if name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "the claim's name"))
	}
	if len(errs) > 0 {
		return nil, join(errs)
	}
	spec, errs := fn.DecodeSpec(obj["spec"])
	if len(errs) > 0 {
		return nil, join(errs)
	}
	spec.Default()
	if errs := spec.Validate(); len(errs) > 0 {
		return nil, join(errs)
	}
	c := &Claim{Name: name, Namespace: ns, Spec: spec}
	if c.Namespace == "" {
		c.Namespace, c.NamespaceDefaulted = DefaultNamespace, true
	}
	return c, nil
}

func join(errs field.ErrorList) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("invalid claim:\n  %s", strings.Join(msgs, "\n  "))
}
