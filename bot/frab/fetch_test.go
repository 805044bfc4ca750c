package frab

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFetch(t *testing.T) {
	page := read(t, "pretalx.json")
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/mlconf-2024/schedule/export/schedule.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write(page)
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/slow":
			select { // never answers in time: the client gives up first
			case <-r.Context().Done():
			case <-release:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := srv.Client()
	hc.Timeout = 50 * time.Millisecond

	data, err := Fetch(context.Background(), hc, srv.URL+"/mlconf-2024/schedule/export/schedule.json")
	if err != nil || string(data) != string(page) {
		t.Fatalf("page: %d bytes, %v", len(data), err)
	}
	for path, want := range map[string]string{"/broken": "HTTP 500 Internal Server Error", "/slow": "Timeout", "/nothing": "HTTP 404 Not Found"} {
		_, err := Fetch(context.Background(), hc, srv.URL+path)
		if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+path) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want the URL and %q", path, err, want)
		}
	}
}
