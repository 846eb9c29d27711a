// Command racemem shows the race runtime's memory growth that make load's
// -race build sees: the same work, done by a new goroutine per item or by a
// fixed pool of goroutines, with the process's resident memory printed as it
// goes. Built with -race, the first grows steadily and the second stays flat;
// built without, both stay flat.
//
//	go build -race -o /tmp/racemem ./hack/racemem && /tmp/racemem -items 800000 && /tmp/racemem -pool -items 800000
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

var (
	mu   sync.Mutex
	sink = map[int][]byte{}
)

// work allocates a little and touches shared state under a lock, like a
// request does.
func work(k int) {
	m := make(map[string]int)
	for j := range 20 {
		m[fmt.Sprint(j)] = j
	}
	b := make([]byte, 4096)
	mu.Lock()
	sink[k%1000] = b
	mu.Unlock()
}

func main() {
	pool := flag.Bool("pool", false, "do the work on 8 long-lived goroutines instead of a new goroutine per item")
	items := flag.Int("items", 800_000, "work items, 8 at a time")
	flag.Parse()

	work8 := func(base int, wg *sync.WaitGroup) {
		for w := range 8 {
			go func() { defer wg.Done(); work(base + w) }()
		}
	}
	if *pool {
		ch := make(chan int)
		var wgp *sync.WaitGroup
		for range 8 {
			go func() {
				for k := range ch {
					work(k)
					wgp.Done()
				}
			}()
		}
		work8 = func(base int, wg *sync.WaitGroup) {
			wgp = wg
			for w := range 8 {
				ch <- base + w
			}
		}
	}
	start := time.Now()
	for i := 0; i < *items/8; i++ {
		var wg sync.WaitGroup
		wg.Add(8)
		work8(i*8, &wg)
		wg.Wait()
		if i%(max(1, *items/80)) == 0 {
			fmt.Printf("%d items in %s, RSS %s\n", i*8, time.Since(start).Round(time.Second), rss())
		}
	}
	fmt.Printf("%d items in %s, RSS %s\n", *items, time.Since(start).Round(time.Second), rss())
}
