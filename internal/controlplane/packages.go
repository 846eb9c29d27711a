package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/acme-payments/xpaymentplatform/internal/packaging"
	"github.com/acme-payments/xpaymentplatform/internal/pki"
)

// Crossplane package kinds.
var (
	FunctionGVR         = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functions"}
	FunctionRevisionGVR = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functionrevisions"}
	ConfigurationGVR    = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "configurations"}
	ImageConfigGVR      = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1beta1", Resource: "imageconfigs"}
	XRDGVR              = schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v2", Resource: "compositeresourcedefinitions"}
)

// PackageOptions say what to publish and install.
type PackageOptions struct {
	// Root is the repository (the main module's directory).
	Root string
	// CLI is the crossplane CLI (xpkg build and push).
	CLI string
	// Go is the go command.
	Go string
	// Version of the packages (the Configuration depends on the Function at
	// this version).
	Version string
	// PublishedPrefix is where the packages are published for real, e.g.
	// xpkg.crossplane.io/acme-payments/: an ImageConfig rewrites it to the
	// loopback registry, so the cluster sees the published names.
	PublishedPrefix string
}

// Packages is what InstallPackages installed.
type Packages struct {
	Registry          string // host:port of the loopback registry
	FunctionName      string // the Function object (<org>-<package>, as the Composition references it)
	ConfigurationName string
	FunctionRef       string // package references as published
	ConfigurationRef  string
	// FunctionBinary is the function binary extracted from the pushed
	// package's runtime image for this machine's architecture.
	FunctionBinary string
}

// StartRegistry serves an OCI registry on loopback until the stack stops.
func (s *Stack) StartRegistry() (string, error) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	s.OnStop(func() { srv.Close() })
	return strings.TrimPrefix(srv.URL, "http://"), nil
}

// InstallPackages builds the Function and Configuration packages exactly as
// make xpkg does (for this machine's architecture), pushes them to a
// loopback registry, points an ImageConfig at it, and installs both the
// real way: the Configuration without dependency resolution (offline) and
// the Function as its own package. It does not start the function.
func (s *Stack) InstallPackages(ctx context.Context, o PackageOptions) (*Packages, error) {
	start := time.Now()
	host, err := s.StartRegistry()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(s.Dir, "xpkg")
	var buildLog strings.Builder
	res, err := packaging.Build(ctx, packaging.Options{
		Root: o.Root, Out: out, Version: o.Version, Arches: []string{runtime.GOARCH}, CLI: o.CLI, Go: o.Go, Log: &buildLog,
	})
	if err != nil {
		return nil, fmt.Errorf("build packages: %w\n%s", err, buildLog.String())
	}
	s.timed("build packages", start)
	start = time.Now()
	local := host + "/" + strings.TrimSuffix(strings.TrimPrefix(o.PublishedPrefix, strings.SplitN(o.PublishedPrefix, "/", 2)[0]+"/"), "/") + "/"
	org := strings.Trim(strings.SplitN(o.PublishedPrefix, "/", 2)[1], "/")
	p := &Packages{
		Registry:          host,
		FunctionName:      org + "-" + res.FunctionName,
		ConfigurationName: res.ConfigurationName,
		FunctionRef:       o.PublishedPrefix + res.FunctionName + ":" + o.Version,
		ConfigurationRef:  o.PublishedPrefix + res.ConfigurationName + ":" + o.Version,
	}
	if err := packaging.Push(ctx, o.CLI, o.Root, nil, local+res.FunctionName+":"+o.Version, res.FunctionPackages...); err != nil {
		return nil, err
	}
	if err := packaging.Push(ctx, o.CLI, o.Root, nil, local+res.ConfigurationName+":"+o.Version, res.ConfigurationPackage); err != nil {
		return nil, err
	}
	s.timed("push packages", start)

	// The binary the cluster would run: from the pushed Function package.
	imgs, err := packaging.PullPlatforms(local + res.FunctionName + ":" + o.Version)
	if err != nil {
		return nil, err
	}
	img, ok := imgs["linux/"+runtime.GOARCH]
	if !ok {
		return nil, fmt.Errorf("the pushed Function has no linux/%s image", runtime.GOARCH)
	}
	bin, err := packaging.ExtractFile(img, strings.TrimPrefix(packaging.Entrypoint, "/"))
	if err != nil {
		return nil, err
	}
	p.FunctionBinary = filepath.Join(s.Dir, "function")
	if err := os.WriteFile(p.FunctionBinary, bin, 0o755); err != nil {
		return nil, err
	}

	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return nil, err
	}
	objs := []struct {
		gvr schema.GroupVersionResource
		obj map[string]any
	}{
		{ImageConfigGVR, map[string]any{
			"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "ImageConfig",
			"metadata": map[string]any{"name": "loopback-registry"},
			"spec": map[string]any{
				"matchImages":  []any{map[string]any{"type": "Prefix", "prefix": o.PublishedPrefix}},
				"rewriteImage": map[string]any{"prefix": local},
			},
		}},
		{FunctionGVR, map[string]any{
			"apiVersion": "pkg.crossplane.io/v1", "kind": "Function",
			"metadata": map[string]any{"name": p.FunctionName},
			"spec":     map[string]any{"package": p.FunctionRef},
		}},
		{ConfigurationGVR, map[string]any{
			"apiVersion": "pkg.crossplane.io/v1", "kind": "Configuration",
			"metadata": map[string]any{"name": p.ConfigurationName},
			"spec":     map[string]any{"package": p.ConfigurationRef, "skipDependencyResolution": true},
		}},
	}
	for _, o := range objs {
		if _, err := dyn.Resource(o.gvr).Create(ctx, &unstructured.Unstructured{Object: o.obj}, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create %s: %w", o.gvr.Resource, err)
		}
	}
	return p, nil
}

// FunctionServer is the function, run by the test as the External package
// runtime would: its own process, mTLS with a certificate Crossplane's CA
// signs.
type FunctionServer struct {
	Name string
	Addr string
	Proc *Process
}

// StartFunction runs the function binary for the Function named name with
// a server certificate signed by Crossplane's CA (SANs 127.0.0.1 and
// <name>.crossplane-system), stores it as Secret <name>-tls-server, and
// points the active FunctionRevision at it: endpoint, TLS secret and
// RuntimeHealthy (the status the Deployment runtime would have written).
func (s *Stack) StartFunction(ctx context.Context, name, binary string) (*FunctionServer, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	f := &FunctionServer{Name: name, Addr: "127.0.0.1:" + strconv.Itoa(addr)}
	ca := s.CrossplaneClientCA()
	kp, err := ca.Issue(pki.Leaf{
		CommonName: name, Server: true,
		DNSNames: []string{name, name + "." + CrossplaneNamespace}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
	})
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Dir, "functions", name)
	if err := ca.WriteDir(dir, kp); err != nil {
		return nil, err
	}
	secret := name + "-tls-server"
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secret, Namespace: CrossplaneNamespace},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": kp.CertPEM, "tls.key": kp.KeyPEM, "ca.crt": ca.CertPEM()},
	}
	if _, err := s.Kube.CoreV1().Secrets(CrossplaneNamespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	if err := s.runFunction(ctx, f, binary, dir); err != nil {
		return nil, err
	}
	return f, s.pointRevision(ctx, name, f.Addr, secret)
}

func (s *Stack) runFunction(ctx context.Context, f *FunctionServer, binary, certs string) error {
	p, err := startProcess(s.Dir, "function-"+f.Name, binary, []string{"--address=" + f.Addr, "--metrics-address=", "--debug"},
		[]string{"TLS_SERVER_CERTS_DIR=" + certs})
	if err != nil {
		return err
	}
	f.Proc = p
	s.add(p)
	return waitFor(ctx, p, "function "+f.Name+" listening", 30*time.Second, func(context.Context) error {
		c, err := net.DialTimeout("tcp", f.Addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// RestartFunction kills the function if it runs (SIGKILL, as a crashed pod)
// and starts the same binary again on the same address.
func (s *Stack) RestartFunction(ctx context.Context, f *FunctionServer, binary string) error {
	f.Proc.Kill()
	return s.runFunction(ctx, f, binary, filepath.Join(s.Dir, "functions", f.Name))
}

// pointRevision waits for the Function's active revision and writes the
// runtime's part of its status with a JSON patch (a merge patch would
// replace the conditions list).
func (s *Stack) pointRevision(ctx context.Context, fn, endpoint, secret string) error {
	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return err
	}
	var rev *unstructured.Unstructured
	if err := waitFor(ctx, nil, "an active FunctionRevision of "+fn, 2*time.Minute, func(ctx context.Context) error {
		l, err := dyn.Resource(FunctionRevisionGVR).List(ctx, metav1.ListOptions{LabelSelector: "pkg.crossplane.io/package=" + fn})
		if err != nil {
			return err
		}
		for i := range l.Items {
			if st, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "desiredState"); st == "Active" {
				rev = &l.Items[i]
				return nil
			}
		}
		return fmt.Errorf("%d revisions, none active", len(l.Items))
	}); err != nil {
		return err
	}
	conds, _, _ := unstructured.NestedSlice(rev.Object, "status", "conditions")
	ops := []map[string]any{}
	if conds == nil {
		ops = append(ops, map[string]any{"op": "add", "path": "/status/conditions", "value": []any{}})
	}
	ops = append(ops,
		map[string]any{"op": "add", "path": "/status/endpoint", "value": endpoint},
		map[string]any{"op": "add", "path": "/status/tlsServerSecretName", "value": secret},
		map[string]any{"op": "add", "path": "/status/conditions/-", "value": map[string]any{
			"type": "RuntimeHealthy", "status": "True", "reason": "HealthyPackageRuntime",
			"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}},
	)
	if _, ok := rev.Object["status"]; !ok {
		ops = append([]map[string]any{{"op": "add", "path": "/status", "value": map[string]any{}}}, ops...)
	}
	body, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	_, err = dyn.Resource(FunctionRevisionGVR).Patch(ctx, rev.GetName(), types.JSONPatchType, body, metav1.PatchOptions{}, "status")
	return err
}

// KillFunction kills the function (SIGKILL, as a crashed pod).
func (s *Stack) KillFunction(f *FunctionServer) { f.Proc.Kill() }
