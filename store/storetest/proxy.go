package storetest

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL, Redis, a
// provider's fake), which a test makes fail the ways networks and servers fail:
//
//   - Refuse: nothing listens any more (connection refused), open connections are cut;
//     Restore listens again on the same address.
//   - Reset: open connections are reset (RST); new ones are accepted.
//   - Retarget: new connections go to another server, as a load balancer does when an
//     instance is replaced.
//   - Stall: connections are accepted and bytes are taken, but nothing is passed on in
//     either direction, as with a server that hangs (a stopped process, a full disk);
//     Resume passes on everything held, in the order it arrived, as a server that
//     wakes up would process what was queued for it.
type Proxy struct {
	target string
	addr   string

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]bool
	stalled  bool
	flushing bool
	held     []heldChunk
}

// heldChunk is bytes for one connection, or (close) the end of what its peer sent.
type heldChunk struct {
	to    net.Conn
	data  []byte
	close bool
}

// NewProxy starts a proxy to target (host:port); it stops when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.Refuse)
	return p
}

// BehindProxy puts a proxy in front of the database at dsn (a PostgreSQL URL) and
// returns the URL that goes through it, with a one-second connect timeout so that a
// refused or stalled server fails a connection attempt fast instead of after the
// driver's default.
func BehindProxy(t testing.TB, dsn string) (string, *Proxy) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(t, u.Host)
	u.Host = p.Addr()
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	return u.String(), p
}

// Addr is where clients connect instead of the target.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			target := p.target
			p.mu.Unlock()
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go p.pump(c, up)
			go p.pump(up, c)
		}
	}()
}

// pump copies from src to dst, holding what it reads while the proxy is stalled. A peer
// that hangs up during a stall is passed on after what it sent, as a server that wakes
// up reads a closed socket's last bytes before its end.
func (p *Proxy) pump(src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			p.mu.Lock()
			if p.stalled || p.flushing {
				p.held = append(p.held, heldChunk{to: dst, data: chunk})
				p.mu.Unlock()
			} else {
				p.mu.Unlock()
				if _, werr := dst.Write(chunk); werr != nil {
					src.Close()
					return
				}
			}
		}
		if err != nil {
			p.mu.Lock()
			delete(p.conns, src)
			if p.stalled || p.flushing {
				p.held = append(p.held, heldChunk{to: dst, close: true})
				p.mu.Unlock()
				return
			}
			delete(p.conns, dst)
			p.mu.Unlock()
			dst.Close()
			return
		}
	}
}

// Retarget sends new connections to another server (a load balancer moving traffic
// to a new instance); open ones stay where they are.
func (p *Proxy) Retarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Refuse stops listening and cuts every open connection.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.cutLocked(false)
	p.stalled, p.held = false, nil
}

// Restore listens again after Refuse.
func (p *Proxy) Restore(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// Reset breaks every open connection with a TCP reset; new connections work.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked(true)
	p.held = nil
}

func (p *Proxy) cutLocked(reset bool) {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok && reset {
			tc.SetLinger(0)
		}
		c.Close()
	}
	clear(p.conns)
}

// Stall holds every byte from now on, in both directions, until Resume.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

// Resume passes on what was held, in arrival order, and goes back to passing bytes.
func (p *Proxy) Resume() {
	p.mu.Lock()
	p.stalled, p.flushing = false, true
	for len(p.held) > 0 {
		batch := p.held
		p.held = nil
		p.mu.Unlock()
		for _, h := range batch {
			if h.close {
				h.to.Close()
			} else {
				h.to.Write(h.data)
			}
		}
		p.mu.Lock()
	}
	p.flushing = false
	p.mu.Unlock()
}
