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

var scheduleSpecs = []CommandSpec{
	{Name: "schedule", Description: "The workshop program, with what is live now"},
	{Name: "next", Description: "The next session and how to join it"},
}

var helpSpecs = []CommandSpec{
	{Name: "help", Description: "What this bot can do"},
}
