package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/acme-payments/xpaymentplatform/lambda/validation/backend"
)

// mirror measures one side's work: the source runs every statement and the
// target answers each statement with the source's answer to the same one,
// as a second server as fast as the source would if it ran alongside on
// cores of its own. On this machine both databases otherwise share the same
// cores, so the pair of sides can never run faster than half of one side.
type mirror struct {
	mu      sync.Mutex
	cond    *sync.Cond
	answers map[string][]answer
}

type answer struct {
	rows [][]any
	err  error
}

func newMirror(src backend.Backend) (backend.Backend, backend.Backend) {
	m := &mirror{answers: map[string][]answer{}}
	m.cond = sync.NewCond(&m.mu)
	return &mirrorSource{Backend: src, m: m}, &mirrorTarget{m: m}
}

func statementKey(sql string, args []any) string { return fmt.Sprintf("%s\x00%v", sql, args) }

type mirrorSource struct {
	backend.Backend
	m *mirror
}

func (s *mirrorSource) Query(ctx context.Context, sql string, args ...any) ([][]any, error) {
	rows, err := s.Backend.Query(ctx, sql, args...)
	k := statementKey(sql, args)
	s.m.mu.Lock()
	s.m.answers[k] = append(s.m.answers[k], answer{rows, err})
	s.m.mu.Unlock()
	s.m.cond.Broadcast()
	return rows, err
}

type mirrorTarget struct{ m *mirror }

func (t *mirrorTarget) Query(ctx context.Context, sql string, args ...any) ([][]any, error) {
	k := statementKey(sql, args)
	stop := context.AfterFunc(ctx, t.m.cond.Broadcast)
	defer stop()
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	for len(t.m.answers[k]) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t.m.cond.Wait()
	}
	a := t.m.answers[k][0]
	t.m.answers[k] = t.m.answers[k][1:]
	return a.rows, a.err
}

func (t *mirrorTarget) Kind() string                { return "mirror" }
func (t *mirrorTarget) Close(context.Context) error { return nil }
