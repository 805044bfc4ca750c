package discord

import (
	"net/http"
	"testing"
)

func TestRouteOf(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"POST", "/api/v9/channels/123456789012345678/messages", "POST /channels/{id}/messages"},
		{"PATCH", "/api/v10/channels/1/messages/2", "PATCH /channels/{id}/messages/{id}"},
		{"POST", "/api/v9/interactions/998877/aW50ZXJhY3Rpb24tdG9rZW4/callback", "POST /interactions/{id}/{token}/callback"},
		{"PATCH", "/api/v9/webhooks/42/secret-token/messages/@original", "PATCH /webhooks/{id}/{token}/messages/@original"},
		{"PUT", "/api/v9/channels/1/messages/2/reactions/%F0%9F%91%8D/@me", "PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me"},
		{"GET", "/api/v9/gateway", "GET /gateway"},
		{"PUT", "/api/v9/applications/7/guilds/8/commands", "PUT /applications/{id}/guilds/{id}/commands"},
	} {
		if got := routeOf(tc.method, tc.path); got != tc.want {
			t.Errorf("routeOf(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestStatusOf(t *testing.T) {
	if got := statusOf(nil); got != 0 {
		t.Errorf("statusOf(nil) = %d, want 0", got)
	}
	if got := statusOf(&http.Response{StatusCode: 429}); got != 429 {
		t.Errorf("statusOf(429) = %d, want 429", got)
	}
}

func TestMessageURL(t *testing.T) {
	if got, want := MessageURL("1", "2", "3"), "https://discord.com/channels/1/2/3"; got != want {
		t.Errorf("MessageURL = %q, want %q", got, want)
	}
	if got := MessageURL("1", "", "3"); got != "" {
		t.Errorf("MessageURL without a channel = %q, want empty", got)
	}
}
