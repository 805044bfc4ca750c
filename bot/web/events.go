package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// events streams the overview as server-sent events: one at once, then a fresh
// one after every change the bot signals (coalesced: a burst of votes makes one
// or two events, not one each), and a comment line every Heartbeat so that an
// idle stream stays open. Nothing polls: the stream waits on the feed, which
// reads the overview once per change for all streams. Beyond MaxStreams open
// streams the answer is 503: the browser retries, and the bot's database is
// never read once per viewer.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	frame, fresh, err := s.feed.join(r.Context())
	if errors.Is(err, ErrTooManyStreams) {
		s.log.Warn("event stream refused", "err", err, "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many open dashboards; this one retries in a few seconds", http.StatusServiceUnavailable)
		return
	}
	defer s.feed.leave()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not hold events back
	w.WriteHeader(http.StatusOK)
	// A dropped stream is reopened by the browser after 2 s.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	// A reader that stops reading must not hold the stream forever.
	deadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second)) }
	write := func(b []byte) error {
		deadline()
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if frame != nil {
		if err := write(frame); err != nil {
			return
		}
	} else if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-fresh:
			// A slow reader skips to the latest event; it never gets a backlog.
			frame, fresh = s.feed.next()
			if err := write(frame); err != nil {
				return
			}
		case <-beat.C:
			if err := write([]byte(": heartbeat\n\n")); err != nil {
				return
			}
		}
	}
}
