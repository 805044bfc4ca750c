package discord

import (
	"context"
	"errors"
	"net"
	"sync"
)

// errClosed is what a gateway dial gets once Close began.
var errClosed = errors.New("discord transport closed")

// gatewayConns dials the gateway's TCP connections and keeps track of them. After
// Close it refuses to dial, so that a reconnection discordgo started just before
// cannot open a new session; and Close can cut a connection discordgo is stuck
// reading from while it holds the session's lock, which Session.Close needs.
type gatewayConns struct {
	mu     sync.Mutex
	closed bool
	conns  map[*gatewayConn]struct{}
}

// dial is the gateway Dialer's NetDialContext.
func (g *gatewayConns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.isClosed() {
		return nil, errClosed
	}
	c, err := (&net.Dialer{Timeout: requestTimeout}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	gc := &gatewayConn{Conn: c, owner: g}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		c.Close()
		return nil, errClosed
	}
	if g.conns == nil {
		g.conns = map[*gatewayConn]struct{}{}
	}
	g.conns[gc] = struct{}{}
	return gc, nil
}

func (g *gatewayConns) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// stop refuses further dials.
func (g *gatewayConns) stop() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// cut closes every open gateway connection.
func (g *gatewayConns) cut() {
	g.mu.Lock()
	conns := make([]*gatewayConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// gatewayConn is a tracked connection; closing it forgets it.
type gatewayConn struct {
	net.Conn
	owner *gatewayConns
	once  sync.Once
}

// Close closes the connection and forgets it.
func (c *gatewayConn) Close() error {
	c.once.Do(func() {
		c.owner.mu.Lock()
		delete(c.owner.conns, c)
		c.owner.mu.Unlock()
	})
	return c.Conn.Close()
}
