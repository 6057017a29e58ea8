package channels

import (
	"context"
	"sync"
)

// Gate counts the turns an adapter runs, so that at shutdown it can refuse new messages
// (the provider delivers them again, to another instance or the next process) and wait
// for those in flight, up to a deadline: an HTTP server's Shutdown does not wait for its
// handlers past its own. The zero value is open.
type Gate struct {
	mu       sync.Mutex
	closing  chan struct{}
	inflight sync.WaitGroup
}

func (g *Gate) closingLocked() chan struct{} {
	if g.closing == nil {
		g.closing = make(chan struct{})
	}
	return g.closing
}

// Enter counts a turn in; false once Close has begun, and the message must be refused.
// Every Enter that returns true is matched by a Leave.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.closingLocked():
		return false
	default:
	}
	g.inflight.Add(1)
	return true
}

// Leave counts a turn out.
func (g *Gate) Leave() { g.inflight.Done() }

// Closing is closed when Close begins: turns waiting to try again stop waiting.
func (g *Gate) Closing() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closingLocked()
}

// Closed reports whether Close has begun.
func (g *Gate) Closed() bool {
	select {
	case <-g.Closing():
		return true
	default:
		return false
	}
}

// Close refuses further turns and waits for those in flight, up to ctx.
func (g *Gate) Close(ctx context.Context) error {
	g.mu.Lock()
	if ch := g.closingLocked(); !isClosed(ch) {
		close(ch)
	}
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
