package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// Handler answers one command or button press of a feature. It returns the
// reply and never sends it: the transport does. The Bot comes first, before
// the context, so that a method of the Bot ((*Bot).ask) is a Handler as it is.
type Handler func(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) Reply

// Feature is one feature of the bot: its commands (the specs Discord
// registers, and their handlers), its buttons, and the work it does on its
// own. Features are listed explicitly where the bot is wired (Config.Features),
// in the order /help shows their commands.
type Feature struct {
	Name     string
	Specs    []CommandSpec      // its commands, in /help's order
	Commands map[string]Handler // by command name: one for each of Specs
	Presses  map[string]Handler // by button ID prefix, the part before the first ':'
	// Init is called by New: it takes from the bot what the feature needs (a
	// store's ability, by its interface) and returns an error that names what
	// is missing, so that a feature is never silently off.
	Init func(b *Bot) error
	// Step does the feature's work that falls due with the reminders, in Run's
	// loop: it returns when to look again (zero: nothing left) and whether it
	// sent anything.
	Step func(b *Bot, ctx context.Context, prog *Program, upSince time.Time) (next time.Time, sent bool, err error)
	// Run is the feature's own loop: Bot.Run starts it and, when it stops,
	// cancels ctx and waits for Run to return.
	Run func(b *Bot, ctx context.Context)
}

// storeAs is the bot's store as the ability T a feature needs, or an error
// that names it: a feature is never silently off for want of one.
func storeAs[T any](b *Bot, ability string) (T, error) {
	st, ok := b.store.(T)
	if !ok {
		return st, fmt.Errorf("the store (%T) cannot %s", b.store, ability)
	}
	return st, nil
}

// Route is what a Wrapper knows of the handler it wraps.
type Route struct {
	Feature string
	Name    string      // the command's name, or the button ID prefix
	Spec    CommandSpec // zero for a button
	Press   bool        // a button press, not a command
}

// Wrapper adds to a handler what every command shares, the way robfig/cron's
// JobWrapper does to jobs.
type Wrapper func(r Route, h Handler) Handler

// chain wraps h in ws, the first outermost.
func chain(r Route, h Handler, ws ...Wrapper) Handler {
	for i := len(ws) - 1; i >= 0; i-- {
		h = ws[i](r, h)
	}
	return h
}

// wrappers are what every handler is wrapped in, outermost first.
var wrappers = []Wrapper{recoverPanic, timed, moderatorsOnly}

// recoverPanic turns a panic in a handler into the reply "internal error" (what
// the discord edge answered to a panic before the bot recovered them), with the
// rest in the log.
func recoverPanic(r Route, h Handler) Handler {
	return func(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) (reply Reply) {
		defer func() {
			if v := recover(); v != nil {
				b.log.Error("command handler panicked", "command", c.Name, "button", c.Button, "user", c.User.ID,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				reply = Reply{Content: "internal error", Ephemeral: true}
			}
		}()
		return h(b, ctx, prog, c, now)
	}
}

// timed logs how long each handler took (at debug level), in real time:
// Discord's deadline is on the wall, at any rehearsal speed.
func timed(r Route, h Handler) Handler {
	return func(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) Reply {
		start := time.Now()
		reply := h(b, ctx, prog, c, now)
		b.log.Debug("handled", "feature", r.Feature, "route", r.Name, "press", r.Press, "took", time.Since(start))
		return reply
	}
}

// moderatorsOnly refuses a moderator-only command to anyone without the
// moderators role, whatever Discord's own command permissions say.
func moderatorsOnly(r Route, h Handler) Handler {
	if !r.Spec.Moderator {
		return h
	}
	return func(b *Bot, ctx context.Context, prog *Program, c Command, now time.Time) Reply {
		if !IsModerator(prog.Schedule, c.User) {
			return ephemeral(fmt.Sprintf("`/%s` is for moderators (role %q).", c.Name, prog.Schedule.Discord.Moderators))
		}
		return h(b, ctx, prog, c, now)
	}
}

// router finds the handler of a command or a button.
type router struct {
	specs    []CommandSpec
	commands map[string]Handler
	presses  map[string]Handler
}

// newRouter checks the features and wraps their handlers: a command or button
// prefix registered twice, or a command without its handler, is an error.
func newRouter(fs []Feature) (router, error) {
	rt := router{commands: map[string]Handler{}, presses: map[string]Handler{}}
	var errs []error
	for _, f := range fs {
		for _, s := range f.Specs {
			h, ok := f.Commands[s.Name]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("feature %s: command %q has no handler", f.Name, s.Name))
			case rt.commands[s.Name] != nil:
				errs = append(errs, fmt.Errorf("feature %s: command %q is registered twice", f.Name, s.Name))
			default:
				rt.specs = append(rt.specs, s)
				rt.commands[s.Name] = chain(Route{Feature: f.Name, Name: s.Name, Spec: s}, h, wrappers...)
			}
		}
		for name := range f.Commands {
			if !hasSpec(f.Specs, name) {
				errs = append(errs, fmt.Errorf("feature %s: handler for %q has no command spec", f.Name, name))
			}
		}
		for prefix, h := range f.Presses {
			if rt.presses[prefix] != nil {
				errs = append(errs, fmt.Errorf("feature %s: button prefix %q is registered twice", f.Name, prefix))
				continue
			}
			rt.presses[prefix] = chain(Route{Feature: f.Name, Name: prefix, Press: true}, h, wrappers...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return router{}, fmt.Errorf("new bot: %w", err)
	}
	return rt, nil
}

func hasSpec(specs []CommandSpec, name string) bool {
	for _, s := range specs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Specs lists the commands of fs, in their order: what a transport registers.
func Specs(fs []Feature) []CommandSpec {
	var out []CommandSpec
	for _, f := range fs {
		out = append(out, f.Specs...)
	}
	return out
}

// Specs lists the commands this bot answers, in the order /help shows them.
func (b *Bot) Specs() []CommandSpec { return b.router.specs }

// Handle answers one command, button press or autocomplete request. It never calls
// a transport: it returns the reply, and the transport sends it (within Discord's
// 3-second deadline). Moderator-only commands are checked here, by role, whatever
// Discord's own command permissions say.
func (b *Bot) Handle(ctx context.Context, c Command) Reply {
	prog := b.Program()
	now := b.clock.Now()
	if c.Button != "" {
		prefix, _, _ := strings.Cut(c.Button, ":")
		if h, ok := b.router.presses[prefix]; ok {
			return h(b, ctx, prog, c, now)
		}
		return ephemeral("This button is not known to the bot (any more).")
	}
	if c.Focused != "" {
		return Reply{Choices: autocomplete(prog.Schedule, c.Options[c.Focused])}
	}
	if h, ok := b.router.commands[c.Name]; ok {
		return h(b, ctx, prog, c, now)
	}
	return ephemeral(fmt.Sprintf("Unknown command `/%s`. Try `/help`.", c.Name))
}
