// Package controlplane runs a real Kubernetes control plane and Crossplane
// core on 127.0.0.1 for the end-to-end tests: etcd (embedded server),
// kube-apiserver and kube-controller-manager (garbage collector and
// namespace controllers), all built from Go modules (tools/controlplane),
// and Crossplane v2.2.0 core (tools/). No Docker, no kubelet: package
// runtimes are External, so the tests run the function themselves.
//
// Everything a Stack starts is stopped by Stop, in reverse order (the API
// server before etcd, or it hangs in graceful shutdown), and every child
// dies with the test binary.
package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/acme-payments/xpaymentplatform/internal/pki"
)

// Binaries the stack runs.
type Binaries struct {
	Etcd, APIServer, ControllerManager, Crossplane string
}

// BinariesIn names the binaries make e2e builds into dir.
func BinariesIn(dir string) Binaries {
	return Binaries{
		Etcd:              filepath.Join(dir, "etcd"),
		APIServer:         filepath.Join(dir, "kube-apiserver"),
		ControllerManager: filepath.Join(dir, "kube-controller-manager"),
		Crossplane:        filepath.Join(dir, "crossplane-core"),
	}
}

// Stack is a running control plane.
type Stack struct {
	Dir        string
	Bin        Binaries
	Kubeconfig string
	Config     *rest.Config
	Kube       kubernetes.Interface

	// Timings of the start, by step.
	Timings []Timing

	ca        *pki.CA
	procs     []*Process // in start order
	stops     []func()   // everything to stop, in start order; run in reverse
	mu        sync.Mutex
	apiPort   int
	etcdPort  int
	stopOnce  sync.Once
	crossplne *crossplane
}

// Timing is how long one step took.
type Timing struct {
	Step     string
	Duration time.Duration
}

func (s *Stack) timed(step string, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Timings = append(s.Timings, Timing{Step: step, Duration: time.Since(start).Round(10 * time.Millisecond)})
}

// Start brings up etcd, kube-apiserver and kube-controller-manager in dir.
// On error everything started is stopped.
func Start(ctx context.Context, dir string, bin Binaries) (s *Stack, err error) {
	for _, b := range []string{bin.Etcd, bin.APIServer, bin.ControllerManager} {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Errorf("%s is not built (make e2e builds it): %w", b, err)
		}
	}
	s = &Stack{Dir: dir, Bin: bin}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := os.MkdirAll(filepath.Join(dir, "pki"), 0o700); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := s.startEtcd(ctx); err != nil {
		return nil, err
	}
	s.timed("etcd", start)
	start = time.Now()
	if err := s.startAPIServer(ctx); err != nil {
		return nil, err
	}
	s.timed("kube-apiserver", start)
	start = time.Now()
	if err := s.startControllerManager(); err != nil {
		return nil, err
	}
	s.timed("kube-controller-manager", start)
	return s, nil
}

func (s *Stack) add(p *Process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs = append(s.procs, p)
	s.stops = append(s.stops, func() { p.Stop(15 * time.Second) })
}

// OnStop registers something in-process to stop with the stack (in reverse
// order of registration, before what was started earlier).
func (s *Stack) OnStop(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops = append(s.stops, f)
}

// Stop stops everything the stack started, newest first, and is safe to call
// more than once.
func (s *Stack) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		stops := append([]func(){}, s.stops...)
		s.mu.Unlock()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	})
}

// Processes are the processes started so far (for tests that check nothing
// is left behind).
func (s *Stack) Processes() []*Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Process(nil), s.procs...)
}

func (s *Stack) startEtcd(ctx context.Context) error {
	client, peer, err := freePorts2()
	if err != nil {
		return err
	}
	s.etcdPort = client
	p, err := startProcess(s.Dir, "etcd", s.Bin.Etcd, []string{
		"--data-dir=" + filepath.Join(s.Dir, "etcd"),
		"--client-port=" + strconv.Itoa(client), "--peer-port=" + strconv.Itoa(peer),
	}, nil)
	if err != nil {
		return err
	}
	s.add(p)
	return waitFor(ctx, p, "etcd", 30*time.Second, func(context.Context) error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(client)), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
}

func (s *Stack) pki(name string) string { return filepath.Join(s.Dir, "pki", name) }

func (s *Stack) startAPIServer(ctx context.Context) error {
	ca, err := pki.NewCA("e2e-kubernetes-ca")
	if err != nil {
		return err
	}
	s.ca = ca
	serving, err := ca.Issue(pki.Leaf{
		CommonName: "kube-apiserver", Server: true,
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPs:      []net.IP{net.ParseIP("127.0.0.1")},
	})
	if err != nil {
		return err
	}
	admin, err := ca.Issue(pki.Leaf{CommonName: "e2e-admin", Organization: []string{"system:masters"}, Client: true})
	if err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"ca.crt":        ca.CertPEM(),
		"apiserver.crt": serving.CertPEM, "apiserver.key": serving.KeyPEM,
		"admin.crt": admin.CertPEM, "admin.key": admin.KeyPEM,
		"sa.key": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}),
		"sa.pub": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
	}
	for name, b := range files {
		if err := os.WriteFile(s.pki(name), b, 0o600); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.apiPort = port
	p, err := startProcess(s.Dir, "kube-apiserver", s.Bin.APIServer, []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(s.etcdPort),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + s.pki("apiserver.crt"), "--tls-private-key-file=" + s.pki("apiserver.key"),
		"--client-ca-file=" + s.pki("ca.crt"),
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + s.pki("sa.pub"),
		"--service-account-signing-key-file=" + s.pki("sa.key"),
		"--service-cluster-ip-range=10.96.0.0/24",
		"--disable-admission-plugins=ServiceAccount",
		"--profiling=false",
		"--v=1",
	}, nil)
	if err != nil {
		return err
	}
	s.add(p)

	s.Config = &rest.Config{
		Host: "https://127.0.0.1:" + strconv.Itoa(port),
		TLSClientConfig: rest.TLSClientConfig{
			CAData: ca.CertPEM(), CertData: admin.CertPEM, KeyData: admin.KeyPEM,
		},
		QPS: 200, Burst: 400,
		// The API server warns about every un-prefixed finalizer Crossplane
		// and providers use; those warnings are not the tests' business.
		WarningHandler: rest.NoWarnings{},
	}
	s.Kubeconfig = filepath.Join(s.Dir, "kubeconfig")
	if err := writeKubeconfig(s.Kubeconfig, s.Config); err != nil {
		return err
	}
	if s.Kube, err = kubernetes.NewForConfig(s.Config); err != nil {
		return err
	}
	return waitFor(ctx, p, "kube-apiserver /readyz", 90*time.Second, func(ctx context.Context) error {
		_, err := s.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	})
}

func (s *Stack) startControllerManager() error {
	p, err := startProcess(s.Dir, "kube-controller-manager", s.Bin.ControllerManager, []string{
		"--kubeconfig=" + s.Kubeconfig,
		"--controllers=garbage-collector-controller,namespace-controller",
		"--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port=0",
		"--use-service-account-credentials=false",
		"--concurrent-gc-syncs=10",
		"--v=1",
	}, nil)
	if err != nil {
		return err
	}
	s.add(p)
	return nil
}

// writeKubeconfig writes an admin kubeconfig for cfg.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "admin"}
	kc.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*kc, path)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func freePorts2() (int, int, error) {
	a, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	for i := 0; i < 10; i++ {
		b, err := freePort()
		if err != nil {
			return 0, 0, err
		}
		if b != a {
			return a, b, nil
		}
	}
	return 0, 0, errors.New("no second free port")
}

// Running lists the processes of the stack that have not ended.
func (s *Stack) Running() []string {
	var out []string
	for _, p := range s.Processes() {
		if ok, _ := p.Exited(); !ok {
			out = append(out, fmt.Sprintf("%s (pid %d)", p.Name, p.PID()))
		}
	}
	return out
}
