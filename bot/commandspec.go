package bot

// OptionType is the type of a command option, as Discord knows them.
type OptionType int

// Option types used by our commands (Discord's numbering).
const (
	OptionString  OptionType = 3
	OptionInteger OptionType = 4
	OptionBoolean OptionType = 5
)

// OptionSpec describes one option of a slash command.
type OptionSpec struct {
	Name         string
	Description  string
	Type         OptionType
	Required     bool
	Autocomplete bool
	MinLength    int // strings only; 0 means unset
	MaxLength    int // strings only; 0 means unset
}

// CommandSpec describes one slash command. A name with a space ("questions next") is a
// sub-command of the group before the space; transports register groups as Discord
// wants them.
type CommandSpec struct {
	Name        string
	Description string
	Options     []OptionSpec
	Moderator   bool // only the moderators role may run it (checked by the bot)
}

// CommandSpecs lists every command the bot answers, in the order /help shows them.
// It is the one source transports register from.
var CommandSpecs = []CommandSpec{
	{Name: "schedule", Description: "The workshop program, with what is live now"},
	{Name: "next", Description: "The next session and how to join it"},
	{Name: "ask", Description: "Ask the panel (or a session's speakers) a question", Options: []OptionSpec{
		{Name: "question", Description: "Your question (10 to 1000 characters)", Type: OptionString, Required: true, MinLength: MinQuestion, MaxLength: MaxQuestion},
		{Name: "session", Description: "The session it is for (default: the panel)", Type: OptionString, Autocomplete: true},
		{Name: "anonymous", Description: "Hide your name from other attendees (moderators still see it)", Type: OptionBoolean},
	}},
	{Name: "questions next", Description: "Put the top-voted open question on stage", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
	}},
	{Name: "questions list", Description: "The question queue, with votes", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
		{Name: "status", Description: "open, onstage, waiting, answered or dismissed", Type: OptionString},
	}},
	{Name: "questions answered", Description: "Mark a question answered", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions dismiss", Description: "Dismiss a question", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions reopen", Description: "Put an answered or dismissed question back in the queue", Moderator: true, Options: []OptionSpec{
		{Name: "id", Description: "The question number", Type: OptionInteger, Required: true},
	}},
	{Name: "questions export", Description: "Every question as a CSV file", Moderator: true, Options: []OptionSpec{
		{Name: "session", Description: "Only questions for this session", Type: OptionString, Autocomplete: true},
	}},
	{Name: "help", Description: "What this bot can do"},
}
