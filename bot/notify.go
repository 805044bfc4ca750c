package bot

import "sync"

// subscribers are the listeners told that something a viewer shows changed: a
// question asked, voted on or moved, a reminder decided, a new program. The
// dashboard and the overlay (bot/web) follow the bot through it, so that a change
// made on any transport reaches them at once, without polling.
type subscribers struct {
	mu   sync.Mutex
	next int
	subs map[int]chan struct{}
}

// Subscribe returns a channel that receives a value after every change the
// dashboard shows, and a cancel func that ends the subscription. Signals are
// coalesced: a listener that is busy finds one value waiting, not a backlog, and
// reads the state afresh (Snapshot). The channel is never closed.
func (b *Bot) Subscribe() (<-chan struct{}, func()) {
	s := &b.subs
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.subs == nil {
		s.subs = map[int]chan struct{}{}
	}
	id := s.next
	s.next++
	s.subs[id] = ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
		})
	}
}

// changed signals every subscriber; it never blocks.
func (b *Bot) changed() {
	s := &b.subs
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		signal(ch)
	}
}
