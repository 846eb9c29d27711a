// Command etcd runs a single-member etcd (go.etcd.io/etcd/server/v3/embed) on
// loopback for the end-to-end control plane. It is a test fixture: no fsync,
// no TLS, listens on 127.0.0.1 only, and stops on SIGTERM/SIGINT.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	dir := flag.String("data-dir", "", "data directory (required)")
	client := flag.Int("client-port", 2379, "client port on 127.0.0.1")
	peer := flag.Int("peer-port", 2380, "peer port on 127.0.0.1")
	flag.Parse()
	if *dir == "" {
		log.Fatal("--data-dir is required")
	}

	cfg := embed.NewConfig()
	cfg.Name = "e2e"
	cfg.Dir = *dir
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cu := mustURL(fmt.Sprintf("http://127.0.0.1:%d", *client))
	pu := mustURL(fmt.Sprintf("http://127.0.0.1:%d", *peer))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatalf("start etcd: %v", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		fmt.Println("etcd ready")
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		log.Fatal("etcd did not become ready in 60s")
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case err := <-e.Err():
		log.Printf("etcd: %v", err)
	}
	e.Close()
}

func mustURL(s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		log.Fatal(err)
	}
	return *u
}
