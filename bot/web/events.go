package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// events streams the overview as server-sent events: one at once, then a fresh
// one after every change the bot signals (coalesced: a burst of votes makes one
// or two events, not one each), and a comment line every Heartbeat so that an
// idle stream stays open. Nothing polls: the stream waits on the bot.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	changes, cancel := s.cfg.Bot.Subscribe()
	defer cancel()
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
	send := func() error {
		ov, err := s.cfg.Bot.Overview(r.Context(), s.cfg.Link)
		if err != nil {
			s.log.Error("event stream: read overview", "err", err)
			return nil // the stream stays; the next change may read fine
		}
		data, err := json.Marshal(ov)
		if err != nil {
			return err
		}
		deadline()
		if _, err := fmt.Fprintf(w, "event: overview\ndata: %s\n\n", data); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send(); err != nil {
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
		case <-changes:
			if err := send(); err != nil {
				return
			}
		case <-beat.C:
			deadline()
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
