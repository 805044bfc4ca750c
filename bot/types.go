package bot

import (
	"context"
	"strings"
	"time"
)

// Kind is what a session is; it decides how its reminder reads.
type Kind string

// The session kinds schedule.yaml accepts.
const (
	KindOpening   Kind = "opening"
	KindInvited   Kind = "invited"
	KindSpotlight Kind = "spotlight"
	KindBreak     Kind = "break"
	KindPosters   Kind = "posters"
	KindPanel     Kind = "panel"
	KindClosing   Kind = "closing"
	KindOther     Kind = "other"
)

// Kinds lists every valid Kind, in the order error messages show them.
var Kinds = []Kind{KindOpening, KindInvited, KindSpotlight, KindBreak, KindPosters, KindPanel, KindClosing, KindOther}

// Link is a named URL. Order matters (it is the order of the file), so links are
// kept in slices, not maps.
type Link struct {
	Name string
	URL  string
}

// Workshop is the `workshop:` block of schedule.yaml.
type Workshop struct {
	Name      string
	ShortName string
	Location  *time.Location // from `timezone`, an IANA name
	Date      time.Time      // midnight of `date` in Location
	Links     []Link
}

// DiscordConfig is the `discord:` block: names (or ids) of what the bot uses in the guild.
type DiscordConfig struct {
	GuildID        string
	Announcements  string // channel for reminders and notices
	PanelQuestions string // channel where question cards go
	Moderators     string // role allowed to run moderator commands
	ModChannel     string // moderators-only channel for failures and notices (created if missing)
	ReminderRole   string // optional role pinged by reminders
	PosterCategory string // category name prefix for poster channels
	// GreenRoom is the private channel of the speakers and chairs (greenroom.go):
	// green_room.channel when a session lists people who check in, else "" (no
	// channel is made).
	GreenRoom string
	// Events are the kinds of session mirrored as Discord scheduled events; empty
	// mirrors none.
	Events KindSet
}

// ReminderConfig is the `reminders:` block.
type ReminderConfig struct {
	Leads   []time.Duration // how long before a session starts; 0 means at its start
	Reload  string          // cron spec on which the files are re-read
	CatchUp time.Duration   // a reminder missed by more than this is skipped, not posted late
}

// QuestionsConfig is the `questions:` block.
type QuestionsConfig struct {
	Moderated     bool // questions wait for a moderator's approval before they are shown
	PerTenMinutes int  // most questions one user may ask in any 10 minutes
}

// Session is one entry of the program.
type Session struct {
	ID       string
	Start    time.Time
	End      time.Time
	Kind     Kind
	Title    string
	Speakers []string // display names, as the program shows them
	// CheckIn are the Discord accounts (usernames or user ids) of the people who
	// must be present (speakers, panelists); Chair is the session chair's. Both
	// check in to the green room (greenroom.go).
	CheckIn       []string
	Chair         string
	Links         []Link
	PosterSession int // the poster session number, for Kind == KindPosters
	Recording     string
	Room          string // where it happens, when the program has several rooms; "" for one
	Line          int    // line of the session in schedule.yaml, for messages
}

// Schedule is a whole validated schedule.yaml.
type Schedule struct {
	Path      string
	Workshop  Workshop
	Discord   DiscordConfig
	Reminders ReminderConfig
	Questions QuestionsConfig
	GreenRoom GreenRoomConfig
	Rooms     []Room // empty for a single-room program
	// Source is the URL of the live source the sessions come from
	// (`source: {frab: URL}`), or "" when they are all in the file.
	Source   string
	Sessions []Session // sorted by Start, then by file order
}

// Poster is one row of posters.csv.
type Poster struct {
	ID         string
	Session    int
	Title      string
	Authors    []string
	Presenters []string // Discord usernames or numeric user ids
	Abstract   string
	PDF        string
	Video      string
	Forum      string // the paper's discussion page (OpenReview), optional
	Format     string // oral, spotlight or poster, as the venue decided; optional
	Line       int
}

// Program is what the bot runs from: the schedule and its posters, validated together.
type Program struct {
	Schedule *Schedule
	Posters  []Poster
	// Places says where each poster lives on the chat service, by poster id, once
	// a poster sync has placed them; nil before. The bot fills it in a copy of
	// the program in force, for rendering.
	Places map[string]PosterPlace
}

// PosterPlace is where a poster lives: its channel and its presenters' user ids.
type PosterPlace struct {
	ChannelID    string
	PresenterIDs []string // the presenters found among the guild's members
}

// Message is something the bot posts. Text in it never pings anyone, except the
// reminder role when PingRole is set: transports must send allowed_mentions accordingly.
type Message struct {
	Channel  string // a logical channel: ChannelAnnouncements, ChannelQuestions, or a poster channel id
	Content  string
	Nonce    string // stable per logical post, so a retried post is not duplicated
	PingRole bool   // prefix with, and allow, the configured reminder role mention
	Buttons  []Button
	Embeds   []Embed
	// PingUsers are the user ids the content may ping; no one else is pinged.
	PingUsers []string
	// MentionRole is a role id (a /remindme reminder role) the message
	// mentions, before its content, and may ping; "" for none.
	MentionRole string
}

// Embed is a card under a message (Discord's embed). Transports cut nothing:
// whoever builds one keeps it within Discord's limits (see MaxEmbedTitle...).
type Embed struct {
	Title       string
	URL         string
	Description string
	Fields      []EmbedField
	Footer      string
}

// EmbedField is a named value in an embed.
type EmbedField struct {
	Name   string
	Value  string
	Inline bool
}

// ButtonStyle is how a button looks (Discord's numbering).
type ButtonStyle int

// Button styles.
const (
	ButtonPrimary   ButtonStyle = 1
	ButtonSecondary ButtonStyle = 2
	ButtonSuccess   ButtonStyle = 3
	ButtonDanger    ButtonStyle = 4
)

// Button is a button under a message. Pressing it sends a Command with Button set
// to ID.
type Button struct {
	ID       string // at most 100 characters
	Label    string // at most 80 characters
	Style    ButtonStyle
	Disabled bool
}

// File is an attachment.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Choice is one autocomplete suggestion.
type Choice struct {
	Name  string // shown, at most 100 characters
	Value string
}

// Editor is implemented by transports that can change a message after posting it.
type Editor interface {
	Edit(ctx context.Context, channelID, messageID string, m Message) error
}

// Logical channels that transports resolve to real ones.
const (
	ChannelAnnouncements = "announcements"
	ChannelQuestions     = "panel-questions"
	ChannelModerators    = "moderators"
	ChannelGreenRoom     = "green-room"
)

// roomChannelPrefix starts the logical channel of a room's own announcements
// channel: "room:" and the channel's name or id as schedule.yaml gives it.
const roomChannelPrefix = "room:"

// RoomChannel is the logical channel of a room's announcements channel, named
// (or given by id) as in schedule.yaml's rooms[].announcements. Transports
// resolve it with RoomChannelName.
func RoomChannel(announcements string) string { return roomChannelPrefix + announcements }

// RoomChannelName returns the channel name or id inside a logical channel made
// by RoomChannel, and whether it is one.
func RoomChannelName(logical string) (string, bool) {
	name, ok := strings.CutPrefix(logical, roomChannelPrefix)
	return name, ok && name != ""
}

// Posted is where a message landed.
type Posted struct {
	ChannelID string
	MessageID string
}

// Transport is how the bot speaks to its audience. Implemented by bot/console and
// bot/discord.
type Transport interface {
	Post(ctx context.Context, m Message) (Posted, error)
}

// User is who sent a command.
type User struct {
	ID    string
	Name  string
	Roles []string // role names or ids, as the transport knows them
}

// Command is a slash command, a button press or an autocomplete request, as decoded
// by a transport.
type Command struct {
	Name    string            // e.g. "schedule", "next", "help", "questions next"; empty for a button press
	Options map[string]string // option name -> value, as text
	User    User
	Channel string // channel id or name the command was sent in
	Button  string // the pressed button's ID, for a button press
	Focused string // the option being typed, for an autocomplete request
}

// Reply is what the bot answers to a command. Handlers return it; transports send it.
type Reply struct {
	Content   string
	Ephemeral bool
	Files     []File
	// Update, for a button press, replaces the message the button is on (Discord's
	// UPDATE_MESSAGE) instead of sending a new reply.
	Update *Message
	// Choices answers an autocomplete request.
	Choices []Choice
}
