package discordtest

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// TestCloseStopsEverything connects a raw gateway client, leaves a request
// hanging in a fault and closes the server: every goroutine it started must
// end.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := NewServer(WithHeartbeatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ch := s.AddChannel("general", 0, "")
	ws, _, err := websocket.DefaultDialer.Dial(s.GatewayURL()+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, _, err := ws.ReadMessage(); err != nil { // HELLO
		t.Fatal(err)
	}
	if err := ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + Token, "intents": discordgo.IntentsAllWithoutPrivileged}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, func(s *Server) bool { return s.Connected() })

	tr := &http.Transport{}
	hc := &http.Client{Transport: tr}
	s.Fail(Fault{Route: postMessage, AfterCommit: true}) // hangs
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", s.URL()+"/api/v9/channels/"+ch+"/messages", strings.NewReader(`{"content":"x","allowed_mentions":{"parse":[]}}`))
		req.Header.Set("Authorization", "Bot "+Token)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, s, func(s *Server) bool { return len(s.Messages(ch)) == 1 })

	done := make(chan error)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs")
	}
	wg.Wait()
	ws.Close()
	tr.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestConcurrentUse hammers the fake from many goroutines under -race.
func TestConcurrentUse(t *testing.T) {
	s := New(t)
	ch := s.AddChannel("general", 0, "")
	dg := connect(t, s)
	registerPing(t, s, dg)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(3)
		// One channel per sender: 5 messages fit its 5 per 5 s bucket, so
		// the rate limits stay on and nothing waits.
		own := s.AddChannel(fmt.Sprint("sender-", i), 0, "")
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := send(dg, own, "hi"); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := s.Interact(context.Background(), Command("ping")); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			s.AddMember("user" + string(rune('a'+i)))
			_ = s.Channels()
			_ = s.Requests()
			_ = s.Violations()
		}()
	}
	wg.Wait()
	// 8 "pong" answers, and 5 messages from each sender.
	if n := len(s.Messages(ch)); n != 8 {
		t.Errorf("%d messages in general, want 8", n)
	}
	for i := range 8 {
		c, _ := s.ChannelByName(fmt.Sprint("sender-", i))
		if n := len(s.Messages(c.ID)); n != 5 {
			t.Errorf("%d messages in %s, want 5", n, c.Name)
		}
	}
}
