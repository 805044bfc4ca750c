package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// ErrTooManyStreams is what join returns when MaxStreams streams are open.
var ErrTooManyStreams = errors.New("web: too many open event streams")

// feed builds the overview's event once per change and hands the same bytes to
// every open stream. Before it, each stream read the whole overview after every
// change: 200 dashboards made 200 reads per vote, enough to starve /ask. The
// feed holds one subscription to the bot, and its goroutine runs only while a
// stream is open: the first stream starts it, the last one stops it and waits
// for it to end.
type feed struct {
	s   *Server
	max int

	life sync.Mutex // held while starting or stopping the goroutine

	mu      sync.Mutex
	streams int           // open streams
	frame   []byte        // the latest event, nil while no stream is open
	fresh   chan struct{} // closed when frame is replaced
	stop    context.CancelFunc
	done    chan struct{} // closed when the goroutine has ended

}

func newFeed(s *Server, max int) *feed {
	return &feed{s: s, max: max, fresh: make(chan struct{})}
}

// join counts a stream in and returns the current event, and a channel closed
// when there is a newer one; leave must follow. Beyond max streams it returns
// ErrTooManyStreams.
func (f *feed) join(ctx context.Context) ([]byte, <-chan struct{}, error) {
	f.mu.Lock()
	if f.streams >= f.max {
		f.mu.Unlock()
		return nil, nil, fmt.Errorf("%w (%d, the limit)", ErrTooManyStreams, f.max)
	}
	f.streams++
	f.mu.Unlock()

	f.life.Lock()
	defer f.life.Unlock()
	f.mu.Lock()
	running := f.stop != nil
	f.mu.Unlock()
	if !running {
		// Subscribe before the first read, so no change between them is lost.
		changes, unsubscribe := f.s.cfg.Bot.Subscribe()
		f.publish(ctx)
		fctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		f.mu.Lock()
		f.stop, f.done = stop, done
		f.mu.Unlock()
		go func() {
			defer close(done)
			defer unsubscribe()
			f.run(fctx, changes)
		}()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frame, f.fresh, nil
}

// next returns the current event and the channel closed when it is replaced.
func (f *feed) next() ([]byte, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frame, f.fresh
}

// leave counts a stream out; the last one stops the goroutine.
func (f *feed) leave() {
	f.life.Lock()
	defer f.life.Unlock()
	f.mu.Lock()
	f.streams--
	last := f.streams == 0
	stop, done := f.stop, f.done
	if last {
		f.stop, f.done = nil, nil
	}
	f.mu.Unlock()
	if last && stop != nil {
		stop()
		<-done
		f.mu.Lock()
		if f.streams == 0 {
			f.frame = nil
		}
		f.mu.Unlock()
	}
}

// run rebuilds the event after every change until ctx ends.
func (f *feed) run(ctx context.Context, changes <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.s.closing:
			return
		case <-changes:
			f.publish(ctx)
		}
	}
}

// publish reads the overview once and makes it every stream's next event. A
// failed read keeps the last event: the next change may read fine.
func (f *feed) publish(ctx context.Context) {
	ov, err := f.s.cfg.Bot.Overview(ctx, f.s.cfg.Link)
	if err != nil {
		if ctx.Err() == nil {
			f.s.log.Error("event stream: read overview", "err", err)
		}
		return
	}
	data, err := json.Marshal(ov)
	if err != nil {
		f.s.log.Error("event stream: encode overview", "err", err)
		return
	}
	frame := fmt.Appendf(nil, "event: overview\ndata: %s\n\n", data)
	f.mu.Lock()
	f.frame = frame
	close(f.fresh)
	f.fresh = make(chan struct{})
	f.mu.Unlock()
}
