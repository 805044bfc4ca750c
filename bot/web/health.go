package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Check is one part of the bot that /healthz looks at.
type Check struct {
	Name string // "gateway", "cron", "database"
	// Run reports the part's state: a short note when it is fine ("connected"),
	// an error saying what is wrong when it is not.
	Run func(ctx context.Context) (string, error)
}

// checkResult is one line of /healthz.
type checkResult struct {
	name, note string
	err        error
}

// runChecks runs every check at once, each bounded to 2 s.
func (s *Server) runChecks(ctx context.Context) []checkResult {
	out := make([]checkResult, len(s.cfg.Checks))
	var wg sync.WaitGroup
	for i, c := range s.cfg.Checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			note, err := c.Run(cctx)
			out[i] = checkResult{name: c.Name, note: note, err: err}
		})
	}
	wg.Wait()
	return out
}

// healthz answers 200 when every check passes and 503 otherwise; the body has
// one line per part, "ok" or "failing", and what it found.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	results := s.runChecks(r.Context())
	status := http.StatusOK
	var b strings.Builder
	for _, c := range results {
		if c.err != nil {
			status = http.StatusServiceUnavailable
			fmt.Fprintf(&b, "failing  %s: %v\n", c.name, c.err)
			continue
		}
		fmt.Fprintf(&b, "ok       %s", c.name)
		if c.note != "" {
			fmt.Fprintf(&b, ": %s", c.note)
		}
		b.WriteString("\n")
	}
	if len(results) == 0 {
		b.WriteString("ok       (no checks configured)\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprint(w, b.String())
}
