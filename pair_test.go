package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"workshopbot/bot/discord/discordtest"
	"workshopbot/bot/postgres/pgtest"
)

func TestDBName(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == dbEnv {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, flag, env, want string
	}{
		{"default", defaultDB, "", defaultDB},
		{"environment when --db is left", defaultDB, "postgres://db/w", "postgres://db/w"},
		{"--db wins", "/srv/w.db", "postgres://db/w", "/srv/w.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dbName(&options{db: tt.flag}, env(tt.env)); got != tt.want {
				t.Errorf("dbName = %q, want %q", got, tt.want)
			}
		})
	}
}

// pingStore is an appStore whose Ping answers err; nothing else is called.
type pingStore struct {
	appStore
	err error
}

func (s pingStore) Ping(context.Context) error { return s.err }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

func TestStandbyPage(t *testing.T) {
	for _, tt := range []struct {
		name     string
		ping     error
		status   int
		database string
	}{
		{"database answers", nil, http.StatusOK, "ok       database: answers"},
		{"database unreachable", errors.New("ping database: connection refused"), http.StatusServiceUnavailable, "failing  database: ping database: connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := loopbackAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- serveStandby(ctx, addr, pingStore{err: tt.ping}, nil) }()
			waitFor(t, 5*time.Second, "the standby page", func() bool { code, _ := healthz(addr); return code != 0 })
			code, body := get(t, "http://"+addr+"/healthz")
			if code != tt.status || !strings.HasPrefix(body, standbyLine) || !strings.Contains(body, tt.database) {
				t.Errorf("/healthz = %d %q, want %d, the standby line and %q", code, body, tt.status, tt.database)
			}
			if code, body := get(t, "http://"+addr+"/"); code != http.StatusServiceUnavailable || !strings.Contains(body, "standby") {
				t.Errorf("/ = %d %q, want 503 saying standby", code, body)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serveStandby: %v", err)
			}
			if code, _ := healthz(addr); code != 0 {
				t.Errorf("the standby page still answers after its context ended")
			}
		})
	}
}

// TestPairTakesOver is the failover test's core in the default run: two bots
// on one PostgreSQL, one active and one standing by (no gateway, /healthz
// standby); SIGKILL the active one and the standby takes over within 10 s,
// and answers /ask. TestFailover does it ten times under load.
func TestPairTakesOver(t *testing.T) {
	dbURL := pgtest.Start(t).NewDatabase(t)
	fake := pairFake(t)
	users := members(fake, "attendee", 2)
	p := newPair(t, fake, loadDay(t, t.TempDir(), time.Now(), 40*time.Second), dbURL)
	p.bots[0].start()
	waitFor(t, 30*time.Second, "the first bot's commands", func() bool { return fake.Connected() && len(fake.Commands()) > 0 })
	p.bots[1].start()
	waitFor(t, 15*time.Second, "the second bot's standby /healthz", func() bool { return p.standby(1) })
	if n, _ := fake.GatewayStats(); n != 1 {
		t.Errorf("%d gateway identifies with one bot active and one standing by, want 1", n)
	}
	killed := time.Now()
	p.bots[0].kill()
	waitFor(t, 10*time.Second, "the standby's gateway identify", func() bool {
		n, _ := fake.GatewayStats()
		return n == 2 && fake.Connected()
	})
	t.Logf("takeover: %v from SIGKILL to the standby's identify", time.Since(killed).Round(time.Millisecond))
	// The fake counts the IDENTIFY before the bot has read its READY: give
	// /healthz a moment to see the gateway (a loop of the suite read it in
	// between, "gateway: not connected").
	var code int
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if code, body = healthz(p.addrs[1]); code == http.StatusOK && !strings.Contains(body, "standby") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("new active bot's /healthz: %d %q, want 200 without standby", code, body)
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := interact(ctx, fake, users[0], askCmd("Who answers after the takeover?"))
	if err != nil || receivedID(r) == 0 {
		t.Errorf("/ask after the takeover: %v %+v", err, r)
	}
	// The pair shares the database and so its instance id: the new active
	// bot took the old one's heartbeat for its own (it was not refused) and
	// edits it, rather than posting a second one.
	if err := fake.WaitFor(ctx, func(*discordtest.Server) bool {
		b := beatsAnywhere(fake)
		return len(b) == 1 && b[0].EditedTimestamp != nil && b[0].EditedTimestamp.After(killed)
	}); err != nil {
		t.Errorf("heartbeats after the takeover: %d, want the one from before, edited since: %v", len(beatsAnywhere(fake)), err)
	}
	if code := p.bots[1].stop(); code != 0 {
		t.Errorf("the new active bot exited %d after SIGTERM", code)
	}
}

// beatsAnywhere returns the heartbeats bots posted in any channel.
func beatsAnywhere(fake *discordtest.Server) []discordtest.Message {
	var out []discordtest.Message
	for _, c := range fake.Channels() {
		for _, m := range fake.Messages(c.ID) {
			if beatRE.MatchString(m.Content) && m.Author != nil && m.Author.Bot {
				out = append(out, m)
			}
		}
	}
	return out
}
