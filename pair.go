package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"workshopbot/bot/postgres"
	"workshopbot/bot/web"
)

// runLeader runs one bot of a pair that shares a PostgreSQL database: act (the
// Discord bot) runs only while this process holds the leader lock; meanwhile
// it stands by, with no gateway connection and posting nothing, and answers
// /healthz on --http with a standby line. When the active bot dies, its lock
// goes with its session and the standby takes over (bot/postgres/leader.go).
func runLeader(ctx context.Context, o *options, url string, act func(ctx context.Context) error, db appStore, log *slog.Logger) error {
	l := postgres.NewLeader(url, log)
	standby := func(ctx context.Context) error {
		log.Info("standby: waiting for the leader lock; another workshopbot may be active")
		return serveStandby(ctx, o.http, db, log)
	}
	if err := l.Run(ctx, standby, act); err != nil {
		return fmt.Errorf("leader: %w", err)
	}
	return nil
}

// standbyLine is /healthz's first line on a standby.
const standbyLine = "ok       standby: another workshopbot holds the leader lock; this one takes over when it goes\n"

// serveStandby answers on addr until ctx ends: /healthz 200 with the standby
// line (503 if the database does not answer, since a standby that cannot reach
// it cannot take over), and a page saying "standby" everywhere else.
func serveStandby(ctx context.Context, addr string, db appStore, log *slog.Logger) error {
	if addr == "" {
		<-ctx.Done()
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status, line := http.StatusOK, "ok       database: answers\n"
		if err := db.Ping(pctx); err != nil {
			status, line = http.StatusServiceUnavailable, fmt.Sprintf("failing  database: %v\n", err)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprint(w, standbyLine+line)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "workshopbot: standby. Another workshopbot on the same database is active; "+
			"this one takes over, and serves the dashboard, when that one goes.\n")
	})
	var ln net.Listener
	var err error
	// The active term's dashboard may still be closing its listener.
	for range 20 {
		if ln, err = web.Listen(addr, nil); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		log.Error("standby page not started; the standby still takes over when needed", "err", err)
		<-ctx.Done()
		return nil
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }() // owned by ctx: shut down below
	select {
	case err := <-served:
		return fmt.Errorf("standby page: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("standby page: %w", err)
	}
	<-served
	return nil
}
