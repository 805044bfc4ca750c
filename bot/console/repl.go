package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"workshopbot/bot"
)

// Handler answers a command; in main it is (*bot.Bot).Handle.
type Handler func(ctx context.Context, c bot.Command) bot.Reply

// Line is one parsed input line.
type Line struct {
	At      time.Time   // zero: run at once; otherwise wait for the virtual clock to reach it
	Command bot.Command // Name empty for a blank or comment line
	// Activity, if its Kind is set, is a chat message or a member joining or
	// leaving, played for the figures instead of a command: the text of a
	// message is not kept, as on Discord.
	Activity bot.Activity
}

// ParseLine reads one input line:
//
//	[at HH:MM] [as NAME[/ROLE[,ROLE...]]] [in #CHANNEL] /command [option:value | option:"quoted value" | free text]
//	[at HH:MM] [as NAME[/ROLE[,ROLE...]]] press BUTTON-ID
//	[at HH:MM] [as NAME] [in #CHANNEL] say TEXT
//	[at HH:MM] [as NAME] joins | leaves
//
// `say` is a chat message in the channel (counted for the figures, like a
// message on Discord; its text is dropped), `joins` and `leaves` a member
// joining or leaving the guild.
// `in #CHANNEL` sends the command from that channel (a poster channel, for the
// presenters' /poster commands); the default is "console".
// Commands are those of specs (the bot's). HH:MM is on the workshop day (date, in loc). Free text fills the command's first
// string option that was not given by name, so `/ask Why do neural ODEs work?` works.
func ParseLine(text string, specs []bot.CommandSpec, day time.Time, loc *time.Location) (Line, error) {
	var l Line
	text = strings.TrimSpace(text)
	if text == "" || strings.HasPrefix(text, "#") {
		return l, nil
	}
	text, err := l.parsePrefixes(text, day, loc)
	if err != nil {
		return l, err
	}
	if l.Command.Channel == "" {
		l.Command.Channel = "console"
	}
	if _, ok := cutWord(text, "say"); ok || text == "say" {
		l.Activity = bot.Activity{Kind: bot.ActivityMessage, Channel: l.Command.Channel}
		return l, nil
	}
	switch text {
	case "joins":
		l.Activity = bot.Activity{Kind: bot.ActivityJoin}
		return l, nil
	case "leaves":
		l.Activity = bot.Activity{Kind: bot.ActivityLeave}
		return l, nil
	}
	if rest, ok := cutWord(text, "press"); ok {
		l.Command.Button = rest
		return l, nil
	}
	if !strings.HasPrefix(text, "/") {
		return l, fmt.Errorf("%q: commands start with /, like /help (or press a button: press q:vote:1; or say, joins, leaves)", text)
	}
	words := strings.Fields(text[1:])
	spec, n := matchSpec(specs, words)
	if n == 0 {
		name := ""
		if len(words) > 0 {
			name = words[0]
		}
		if subs := subCommands(specs, name); len(subs) > 0 {
			if len(words) < 2 {
				return l, fmt.Errorf("/%s needs a sub-command: %s", name, strings.Join(subs, ", "))
			}
			return l, fmt.Errorf("/%s %s: no such sub-command; want one of %s", name, words[1], strings.Join(subs, ", "))
		}
		return l, fmt.Errorf("unknown command /%s: try /help", name)
	}
	l.Command.Name = spec.Name
	opts, err := parseOptions(spec, strings.Join(words[n:], " "))
	if err != nil {
		return l, fmt.Errorf("/%s: %w", spec.Name, err)
	}
	l.Command.Options = opts
	return l, nil
}

// parsePrefixes reads the line's `at`, `as` and `in` prefixes into l, and
// returns the rest of text.
func (l *Line) parsePrefixes(text string, day time.Time, loc *time.Location) (string, error) {
	l.Command.User = bot.User{ID: "console-you", Name: "you"}
	// The prefixes come in any order, each at most once.
	seen := map[string]bool{}
	for {
		word, rest, _ := strings.Cut(text, " ")
		if seen[word] || word != "at" && word != "as" && word != "in" {
			break
		}
		seen[word] = true
		arg, after, _ := strings.Cut(strings.TrimSpace(rest), " ")
		text = strings.TrimSpace(after)
		switch word {
		case "at":
			t, err := clockTime(arg, day, loc)
			if err != nil {
				return text, err
			}
			l.At = t
		case "as":
			name, roles, _ := strings.Cut(arg, "/")
			if name == "" {
				return text, fmt.Errorf("as: want a user name, like `as alice` or `as carol/Moderators`")
			}
			l.Command.User = bot.User{ID: "console-" + name, Name: name}
			if roles != "" {
				l.Command.User.Roles = strings.Split(roles, ",")
			}
		case "in":
			l.Command.Channel = strings.TrimPrefix(arg, "#")
		}
	}
	return text, nil
}

func cutWord(text, word string) (string, bool) {
	if strings.HasPrefix(text, word+" ") {
		return strings.TrimSpace(text[len(word)+1:]), true
	}
	return text, false
}

func clockTime(hhmm string, day time.Time, loc *time.Location) (time.Time, error) {
	h, m, ok := strings.Cut(hhmm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return time.Time{}, fmt.Errorf("at %q: want a time of the workshop day like 09:45", hhmm)
	}
	y, mo, d := day.In(loc).Date()
	return time.Date(y, mo, d, hh, mm, 0, 0, loc), nil
}

// matchSpec finds the longest command name of specs that the words start with.
func matchSpec(specs []bot.CommandSpec, words []string) (bot.CommandSpec, int) {
	var best bot.CommandSpec
	n := 0
	for _, s := range specs {
		parts := strings.Fields(s.Name)
		if len(parts) > len(words) || len(parts) <= n {
			continue
		}
		match := true
		for i, p := range parts {
			if !strings.EqualFold(p, words[i]) {
				match = false
				break
			}
		}
		if match {
			best, n = s, len(parts)
		}
	}
	return best, n
}

// subCommands lists the sub-commands of a command group ("questions": next,
// list, ...), in the order /help shows them; none for a plain command.
func subCommands(specs []bot.CommandSpec, group string) []string {
	var out []string
	for _, s := range specs {
		if first, sub, ok := strings.Cut(s.Name, " "); ok && strings.EqualFold(first, group) {
			out = append(out, sub)
		}
	}
	return out
}

// parseOptions reads name:value pairs (values may be "quoted") and free text.
func parseOptions(spec bot.CommandSpec, rest string) (map[string]string, error) {
	opts := map[string]string{}
	var free []string
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		word, after, _ := strings.Cut(rest, " ")
		name, value, isOpt := strings.Cut(word, ":")
		if isOpt && hasOption(spec, name) {
			if strings.HasPrefix(value, `"`) {
				full := rest[len(name)+1:]
				end := strings.Index(full[1:], `"`)
				if end < 0 {
					return nil, fmt.Errorf("option %s: missing closing quote", name)
				}
				opts[name] = full[1 : end+1]
				rest = full[end+2:]
				continue
			}
			opts[name] = value
			rest = after
			continue
		}
		free = append(free, word)
		rest = after
	}
	if len(free) > 0 {
		// Positional: the required options not given by name take the free words
		// in order, one each, the last one the rest (`/poster link Slides
		// https://...`, `/questions dismiss 3`). With none required, the first
		// text option takes it all (`/posters neural ode`).
		var targets []bot.OptionSpec
		for _, o := range spec.Options {
			if _, set := opts[o.Name]; !set && o.Required {
				targets = append(targets, o)
			}
		}
		if len(targets) == 0 {
			for _, o := range spec.Options {
				if _, set := opts[o.Name]; !set && o.Type == bot.OptionString {
					targets = append(targets, o)
					break
				}
			}
		}
		if len(targets) == 0 {
			return nil, fmt.Errorf("unexpected %q (options are given as name:value)", strings.Join(free, " "))
		}
		for i, o := range targets {
			if len(free) == 0 {
				break
			}
			if i == len(targets)-1 {
				if o.Type != bot.OptionString && len(free) > 1 {
					return nil, fmt.Errorf("%s: want one value, got %q", o.Name, strings.Join(free, " "))
				}
				opts[o.Name] = strings.Join(free, " ")
				free = nil
				break
			}
			opts[o.Name], free = free[0], free[1:]
		}
	}
	for _, o := range spec.Options {
		if _, set := opts[o.Name]; o.Required && !set {
			return nil, fmt.Errorf("option %s is required", o.Name)
		}
	}
	return opts, nil
}

func hasOption(spec bot.CommandSpec, name string) bool {
	for _, o := range spec.Options {
		if o.Name == name {
			return true
		}
	}
	return false
}

// Serve reads commands from in, one per line, and prints each reply, until in is
// exhausted or ctx is done. A line with `at HH:MM` waits for the virtual clock.
//
// Serve returns as soon as ctx ends, even while a read from in blocks (a
// terminal, a pipe): the handler is never called after Serve returns. Its
// reading goroutine then ends at in's next line or error; the owner of in ends
// a read that would never come by closing in.
func (c *Console) Serve(ctx context.Context, in io.Reader, day time.Time, h Handler) error {
	lines, readErr := readLines(ctx, in)
	for ctx.Err() == nil {
		var text string
		select {
		case <-ctx.Done():
			return nil
		case t, ok := <-lines:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return <-readErr
			}
			text = t
		}
		if done := c.serveLine(ctx, text, day, h); done {
			return nil
		}
	}
	return nil
}

// readLines sends in's lines on lines until in ends or ctx is done, then
// closes lines and sends the read error (nil at the end of in) on readErr.
func readLines(ctx context.Context, in io.Reader) (lines <-chan string, readErr <-chan error) {
	out := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case out <- sc.Text():
			case <-ctx.Done():
				errc <- nil
				return
			}
		}
		if err := sc.Err(); err != nil {
			errc <- fmt.Errorf("read commands: %w", err)
			return
		}
		errc <- nil
	}()
	return out, errc
}

// serveLine plays one input line; done says ctx ended on the way.
func (c *Console) serveLine(ctx context.Context, text string, day time.Time, h Handler) (done bool) {
	l, err := ParseLine(text, c.commandSpecs(), day, c.loc)
	if err != nil {
		c.Printf("! %v\n", err)
		return false
	}
	if l.Command.Name == "" && l.Command.Button == "" && l.Activity.Kind == 0 {
		return false
	}
	if !l.At.IsZero() {
		if wait := l.At.Sub(c.clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return true
			case <-c.clock.After(wait):
			}
		}
	}
	if l.Activity.Kind != 0 {
		c.play(l.Command.User, l.Activity)
		return false
	}
	c.reply(l.Command, h(ctx, l.Command))
	return ctx.Err() != nil
}

// SetCommands gives the console the bot's commands (in main, (*bot.Bot).Specs),
// which Serve reads its lines with.
func (c *Console) SetCommands(specs []bot.CommandSpec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commands = specs
}

func (c *Console) commandSpecs() []bot.CommandSpec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commands
}

// OnActivity makes the console tell f of the messages, joins and leaves its
// input plays (say, joins, leaves); in main f is (*bot.Bot).Record.
func (c *Console) OnActivity(f func(bot.Activity)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.activity = f
}

// play hands a played message, join or leave to the bot, and shows it.
func (c *Console) play(u bot.User, a bot.Activity) {
	c.mu.Lock()
	f := c.activity
	c.mu.Unlock()
	if f != nil {
		f(a)
	}
	what := map[bot.ActivityKind]string{bot.ActivityMessage: "says something in #" + a.Channel, bot.ActivityJoin: "joins", bot.ActivityLeave: "leaves"}[a.Kind]
	c.Printf("[%s] %s %s\n\n", c.clock.Now().In(c.loc).Format("15:04:05 -07:00"), u.Name, what)
}

// maxShownFile is the largest attachment the console prints in full.
const maxShownFile = 2000

// reply prints what the bot answered to c.
func (c *Console) reply(cmd bot.Command, r bot.Reply) {
	now := c.clock.Now()
	what := "/" + cmd.Name
	if cmd.Button != "" {
		what = "press " + cmd.Button
	}
	who := cmd.User.Name
	if r.Update != nil {
		text := c.content(r.Update.Content, now)
		c.Printf("[%s] %s by %s: the message is now\n%s%s\n\n", now.In(c.loc).Format("15:04:05 -07:00"), what, who, indent(text), buttons(r.Update.Buttons))
		return
	}
	vis := ""
	if r.Ephemeral {
		vis = " (only " + who + " sees this)"
		if who == "you" {
			vis = " (only you see this)"
		}
	}
	text := c.content(r.Content, now)
	for _, f := range r.Files {
		// A small file (a short CSV export) is shown; a large one (the calendar)
		// would bury the rehearsal, so only its line is.
		if len(f.Data) > maxShownFile {
			text += fmt.Sprintf("\n[attached %s, %d bytes: not shown here; on Discord it is a file to download]", f.Name, len(f.Data))
			continue
		}
		text += fmt.Sprintf("\n[attached %s, %d bytes]\n%s", f.Name, len(f.Data), strings.TrimRight(string(f.Data), "\n"))
	}
	c.Printf("[%s] %s by %s%s\n%s\n\n", now.In(c.loc).Format("15:04:05 -07:00"), what, who, vis, indent(text))
}
