package controlplane

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/acme-payments/xpaymentplatform/internal/pki"
)

// Crossplane's names in the cluster.
const (
	CrossplaneNamespace  = "crossplane-system"
	crossplaneSA         = "crossplane"
	rootCASecret         = "crossplane-root-ca"
	clientSecret         = "crossplane-tls-client"
	usageWebhookConfig   = "crossplane-no-usages"
	usageWebhookFileName = "usage.yaml"
)

// crossplane is the state of Crossplane core in a stack.
type crossplane struct {
	module    string // the crossplane module's directory (CRDs, webhook configurations)
	proc      *Process
	env       []string
	args      []string
	clientDir string
	rootCA    *pki.CA
	health    int
}

// StartCrossplane runs `crossplane core init` (core CRDs, Crossplane's CA and
// client certificate, the lock), then `crossplane core start` with the
// External package runtime and the Usage webhook served on loopback.
// module is the directory of github.com/crossplane/crossplane/v2.
func (s *Stack) StartCrossplane(ctx context.Context, module string) error {
	start := time.Now()
	if _, err := s.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: CrossplaneNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := s.crossplaneInit(ctx, module); err != nil {
		return err
	}
	s.timed("crossplane core init", start)
	start = time.Now()
	xp := &crossplane{module: module, clientDir: filepath.Join(s.Dir, "crossplane", "tls-client")}
	s.crossplne = xp

	// Crossplane's client certificate (it calls functions with it) and its
	// root CA (which signs the webhook's and the functions' server
	// certificates).
	sec, err := s.Kube.CoreV1().Secrets(CrossplaneNamespace).Get(ctx, clientSecret, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("crossplane init left no %s: %w", clientSecret, err)
	}
	if err := writeSecretFiles(xp.clientDir, sec.Data, "ca.crt", "tls.crt", "tls.key"); err != nil {
		return err
	}
	root, err := s.Kube.CoreV1().Secrets(CrossplaneNamespace).Get(ctx, rootCASecret, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if xp.rootCA, err = pki.LoadCA(root.Data["tls.crt"], root.Data["tls.key"]); err != nil {
		return fmt.Errorf("%s: %w", rootCASecret, err)
	}

	// The Usage webhook: Crossplane serves it on loopback with a certificate
	// its CA signs; the API server calls it by URL (there is no Service
	// routing without a kubelet and kube-proxy).
	webhookPort, err := freePort()
	if err != nil {
		return err
	}
	serverDir := filepath.Join(s.Dir, "crossplane", "tls-server")
	kp, err := xp.rootCA.Issue(pki.Leaf{CommonName: "crossplane-webhook", Server: true, IPs: []net.IP{net.ParseIP("127.0.0.1")}})
	if err != nil {
		return err
	}
	if err := xp.rootCA.WriteDir(serverDir, kp); err != nil {
		return err
	}
	if err := s.applyUsageWebhook(ctx, module, webhookPort, xp.rootCA.CertPEM()); err != nil {
		return err
	}

	metrics, err := freePort()
	if err != nil {
		return err
	}
	if xp.health, err = freePort(); err != nil {
		return err
	}
	xp.env = []string{
		"KUBECONFIG=" + s.Kubeconfig,
		"POD_NAMESPACE=" + CrossplaneNamespace,
		"POD_SERVICE_ACCOUNT=" + crossplaneSA,
		"PACKAGE_RUNTIME=External",
		"ENABLE_WEBHOOKS=true",
		"WEBHOOK_PORT=" + strconv.Itoa(webhookPort),
		"METRICS_PORT=" + strconv.Itoa(metrics),
		"HEALTH_PROBE_PORT=" + strconv.Itoa(xp.health),
		"TLS_CLIENT_CERTS_DIR=" + xp.clientDir,
		"TLS_SERVER_CERTS_DIR=" + serverDir,
		"XPKG_CACHE_DIR=" + filepath.Join(s.Dir, "crossplane", "cache", "xpkg"),
		"XFN_CACHE_DIR=" + filepath.Join(s.Dir, "crossplane", "cache", "xfn"),
	}
	// The default circuit breaker lets an XR with ~100 composed resources
	// react to their watches only about once a minute.
	xp.args = []string{"core", "start", "--circuit-breaker-burst=10000", "--circuit-breaker-refill-rate=1000", "--circuit-breaker-cooldown=30s"}
	for _, d := range []string{"xpkg", "xfn"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, "crossplane", "cache", d), 0o755); err != nil {
			return err
		}
	}
	if err := s.runCrossplane(ctx); err != nil {
		return err
	}
	s.timed("crossplane core start", start)
	return nil
}

// runCrossplane starts `crossplane core start` and waits for its readiness
// probe (which includes the webhook server).
func (s *Stack) runCrossplane(ctx context.Context) error {
	xp := s.crossplne
	p, err := startProcess(s.Dir, "crossplane", s.Bin.Crossplane, xp.args, xp.env)
	if err != nil {
		return err
	}
	xp.proc = p
	s.add(p)
	url := "http://127.0.0.1:" + strconv.Itoa(xp.health) + "/readyz"
	return waitFor(ctx, p, "crossplane /readyz", 60*time.Second, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		rsp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		rsp.Body.Close()
		if rsp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", rsp.Status)
		}
		return nil
	})
}

// RestartCrossplane kills Crossplane core (SIGKILL, as a crashed pod) and
// starts it again with the same settings.
func (s *Stack) RestartCrossplane(ctx context.Context) error {
	s.crossplne.proc.Kill()
	return s.runCrossplane(ctx)
}

// CrossplaneProcess is the running Crossplane core.
func (s *Stack) CrossplaneProcess() *Process { return s.crossplne.proc }

// CrossplaneClientCA is the CA that signs function server certificates (and
// Crossplane's client certificate).
func (s *Stack) CrossplaneClientCA() *pki.CA { return s.crossplne.rootCA }

// crossplaneInit runs core init until it succeeds: on a fresh cluster the
// first run fails with `no matches for kind "Lock"` (the CRD it just applied
// is not served yet).
func (s *Stack) crossplaneInit(ctx context.Context, module string) error {
	var last []byte
	for attempt := 1; attempt <= 5; attempt++ {
		cmd := exec.CommandContext(ctx, s.Bin.Crossplane, "core", "init", "--activation=*")
		cmd.Env = append(os.Environ(),
			"KUBECONFIG="+s.Kubeconfig,
			"POD_NAMESPACE="+CrossplaneNamespace,
			"POD_SERVICE_ACCOUNT="+crossplaneSA,
			"CRDS_PATH="+filepath.Join(module, "cluster", "crds"),
			"TLS_CA_SECRET_NAME="+rootCASecret,
			"TLS_CLIENT_SECRET_NAME="+clientSecret,
			"ENABLE_WEBHOOKS=false",
		)
		out, err := cmd.CombinedOutput()
		_ = os.WriteFile(filepath.Join(s.Dir, "crossplane-init-"+strconv.Itoa(attempt)+".log"), out, 0o644)
		if err == nil {
			return nil
		}
		last = out
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("crossplane core init failed 5 times:\n%s", tail(last, 3000))
}

// applyUsageWebhook installs Crossplane's crossplane-no-usages
// ValidatingWebhookConfiguration from the module, pointed at the loopback
// webhook server: it refuses deleting objects a Usage protects.
func (s *Stack) applyUsageWebhook(ctx context.Context, module string, port int, caPEM []byte) error {
	raw, err := os.ReadFile(filepath.Join(module, "cluster", "webhookconfigurations", usageWebhookFileName))
	if err != nil {
		return err
	}
	var cfg admv1.ValidatingWebhookConfiguration
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return err
	}
	if cfg.Name != usageWebhookConfig || len(cfg.Webhooks) == 0 {
		return fmt.Errorf("%s: unexpected webhook configuration %q", usageWebhookFileName, cfg.Name)
	}
	for i := range cfg.Webhooks {
		svc := cfg.Webhooks[i].ClientConfig.Service
		if svc == nil || svc.Path == nil {
			return fmt.Errorf("webhook %s has no service path", cfg.Webhooks[i].Name)
		}
		url := "https://127.0.0.1:" + strconv.Itoa(port) + *svc.Path
		cfg.Webhooks[i].ClientConfig = admv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	_, err = s.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &cfg, metav1.CreateOptions{})
	return err
}

func writeSecretFiles(dir string, data map[string][]byte, keys ...string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, k := range keys {
		v, ok := data[k]
		if !ok {
			return fmt.Errorf("secret has no %s", k)
		}
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
