package discordtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Message is a message as the fake stored it: the message Discord would
// return, plus what the bot sent to create it.
type Message struct {
	discordgo.Message

	// Components are the message's components (discordgo.Message does not
	// marshal them, so they are kept here too; Message.Components has the
	// same values).
	Components []discordgo.MessageComponent
	// Body is the raw JSON of the request that created the message (the
	// payload_json part for multipart requests).
	Body []byte
	// AllowedMentions is what the bot said may be pinged; nil if absent.
	AllowedMentions *discordgo.MessageAllowedMentions
	// Nonce is the nonce the bot sent, if any.
	Nonce string
	// Files are the uploaded files, in order.
	Files []File
	// Received is when the fake stored the message.
	Received time.Time
	// Edits counts the successful edits since creation.
	Edits int
	// InteractionToken is set for interaction responses and followups.
	InteractionToken string
}

// File is an uploaded attachment.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Request is one REST request the fake received.
type Request struct {
	Method string
	// Path is the path without the /api/vN prefix, e.g. "/channels/1/messages".
	Path  string
	Query url.Values
	// Route is the method and the spec's path template, e.g.
	// "POST /channels/{channel_id}/messages"; empty if the spec has none.
	Route       string
	ContentType string
	Body        []byte
	Status      int
	// Time is when the request arrived; Duration how long the answer took.
	Time     time.Time
	Duration time.Duration
}

// Violation is a request the real Discord would reject, or that breaks a
// rule the bot must keep (such as always sending allowed_mentions).
type Violation struct {
	// Rule names the broken rule, e.g. "spec/body", "limit/content",
	// "allowed_mentions missing".
	Rule   string
	Method string
	Path   string
	Detail string
	// Body is the start of the request body (up to 300 bytes), for context.
	Body string
}

// String formats the violation for test output.
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s %s: %s", v.Rule, v.Method, v.Path, v.Detail)
}

// Rules the fake reports. Limits have rules starting with "limit/".
const (
	// RuleSpecRoute: the method and path are not in Discord's OpenAPI spec.
	RuleSpecRoute = "spec/route"
	// RuleSpecBody: the JSON body does not match the spec's schema.
	RuleSpecBody = "spec/body"
	// RuleSpecParam: a path or query parameter does not match the spec.
	RuleSpecParam = "spec/parameter"
	// RuleFakeRoute: the route is in the spec but this fake does not serve it
	// yet; add it to the fake rather than working around it.
	RuleFakeRoute = "fake/route"
	// RuleAllowedMentions: a message with content has no allowed_mentions.
	RuleAllowedMentions = "allowed_mentions missing"
	// RuleInteraction: an interaction was answered wrongly (twice, too late,
	// with a callback type its interaction type does not allow).
	RuleInteraction = "interaction"
	// RuleSemantics: Discord would reject the request for a reason beyond
	// the schema (an event in the past, an external event without location).
	RuleSemantics = "semantics"
)

// wireMessage is the JSON shape of a message in responses and gateway events:
// discordgo.Message does not marshal its components.
type wireMessage struct {
	discordgo.Message
	Components []discordgo.MessageComponent `json:"components"`
	Nonce      string                       `json:"nonce,omitempty"`
}

func (m *Message) wire() wireMessage {
	w := wireMessage{Message: m.Message, Components: m.Components, Nonce: m.Nonce}
	if w.Components == nil {
		w.Components = []discordgo.MessageComponent{}
	}
	return w
}

// apiError is an error response in Discord's shape.
type apiError struct {
	Status  int    `json:"-"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Errors  any    `json:"errors,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.Status, e.Code, e.Message) }

// Discord's JSON error codes used by the fake.
var (
	errUnknownChannel     = &apiError{Status: 404, Code: 10003, Message: "Unknown Channel"}
	errUnknownGuild       = &apiError{Status: 404, Code: 10004, Message: "Unknown Guild"}
	errUnknownMember      = &apiError{Status: 404, Code: 10007, Message: "Unknown Member"}
	errUnknownMessage     = &apiError{Status: 404, Code: 10008, Message: "Unknown Message"}
	errUnknownUser        = &apiError{Status: 404, Code: 10013, Message: "Unknown User"}
	errUnknownWebhook     = &apiError{Status: 404, Code: 10015, Message: "Unknown Webhook"}
	errUnknownApplication = &apiError{Status: 404, Code: 10002, Message: "Unknown Application"}
	errUnknownEvent       = &apiError{Status: 404, Code: 10070, Message: "Unknown Guild Scheduled Event"}
	errUnknownInteraction = &apiError{Status: 404, Code: 10062, Message: "Unknown interaction"}
	errAlreadyAcked       = &apiError{Status: 400, Code: 40060, Message: "Interaction has already been acknowledged."}
	errMissingAccess      = &apiError{Status: 403, Code: 50001, Message: "Missing Access"}
	errMissingPermissions = &apiError{Status: 403, Code: 50013, Message: "Missing Permissions"}
	errCannotDM           = &apiError{Status: 403, Code: 50007, Message: "Cannot send messages to this user"}
	errNotAuthor          = &apiError{Status: 403, Code: 50005, Message: "Cannot edit a message authored by another user"}
	errUnauthorized       = &apiError{Status: 401, Code: 0, Message: "401: Unauthorized"}
	errNotFound           = &apiError{Status: 404, Code: 0, Message: "404: Not Found"}
	errMaxChannels        = &apiError{Status: 400, Code: 30013, Message: "Maximum number of guild channels reached (500)"}
	errMaxCategory        = &apiError{Status: 400, Code: 50035, Message: "Invalid Form Body (parent_id: Maximum number of channels in category reached (50))"}
	errMaxEvents          = &apiError{Status: 400, Code: 30038, Message: "Maximum number of guild scheduled events reached (100)"}
)

// invalidForm is the 400 Discord answers to a body it rejects. The fake puts
// the broken rule in the message so a bot's log shows what to fix.
func invalidForm(rule, detail string) *apiError {
	return &apiError{Status: 400, Code: 50035, Message: "Invalid Form Body (" + rule + ": " + detail + ")",
		Errors: map[string]any{"_errors": []any{map[string]string{"code": "FAKE_" + rule, "message": detail}}}}
}

// mustJSON marshals values the fake itself built; failure is a bug in the fake.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discordtest: marshal: " + err.Error())
	}
	return b
}
