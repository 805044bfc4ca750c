package discord

import (
	"net/http"
	"strings"
)

// routeOf names a REST request for metrics: the method and the path under the
// API version, with ids, tokens and emoji left out so that the number of routes
// stays small ("POST /channels/{id}/messages").
func routeOf(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) >= 2 && segs[0] == "api" && strings.HasPrefix(segs[1], "v") {
		segs = segs[2:]
	}
	for i, seg := range segs {
		switch {
		case i >= 2 && (segs[i-2] == "interactions" || segs[i-2] == "webhooks"):
			segs[i] = "{token}" // interactions/{id}/{token}/callback, webhooks/{id}/{token}/...
		case isSnowflake(seg):
			segs[i] = "{id}"
		case i > 0 && segs[i-1] == "reactions":
			segs[i] = "{emoji}"
		}
	}
	return method + " /" + strings.Join(segs, "/")
}

// statusOf is an answer's HTTP status; 0 when none arrived.
func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// MessageURL is the link that opens a message in Discord (its "Copy Message
// Link"); empty if any id is missing.
func MessageURL(guildID, channelID, messageID string) string {
	if guildID == "" || channelID == "" || messageID == "" {
		return ""
	}
	return "https://discord.com/channels/" + guildID + "/" + channelID + "/" + messageID
}
