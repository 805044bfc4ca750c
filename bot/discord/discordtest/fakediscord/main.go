// Command fakediscord runs the tests' fake Discord on 127.0.0.1, so that anyone can
// try the bot's Discord transport locally, with no Discord account:
//
//	go run ./bot/discord/discordtest/fakediscord
//
// It prints the environment to start the bot with, then shows every message the
// bot posts, and turns the lines you type into interactions, as a user would send
// them:
//
//	/next
//	as alice /ask Why do neural ODEs need adjoints?
//	as carol/Moderators /questions next
//	as bob press q:vote:1
//	in #some-poster-channel as dana /poster here
//	fault 502 3                      the next 3 requests answer 502
//	fault 429 1 POST /channels/{channel_id}/messages
//	drop                             cut the gateway; the bot resumes
//
// Options are written as Discord shows them, name:value, with double quotes around
// values that hold spaces; free text fills the command's first text option not
// given by name. Messages show their embeds (poster cards), attachments and
// buttons; direct messages to the users you act as are shown too.
// Every request the bot sends is checked against Discord's OpenAPI spec and
// limits; violations are printed as they happen.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot/discord/discordtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fakediscord:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// The bot needs Server Members Intent, as on Discord (the README's setup
	// turns it on); the rate limits stay on.
	s, err := discordtest.NewServer(discordtest.WithServerMembersIntent())
	if err != nil {
		return err
	}
	defer s.Close()
	s.AddRole("Moderators", 0)
	fmt.Printf("A fake Discord is listening on %s (guild %s).\n\nStart the bot against it in another terminal:\n\n", s.URL(), s.GuildID())
	fmt.Printf("  DISCORD_TOKEN=%s DISCORD_API_BASE=%s DISCORD_GUILD_ID=%s \\\n    go run . --db /tmp/fake.db --clock 2021-12-14T06:25:00-05:00 --speed 60\n\n",
		discordtest.Token, s.URL(), s.GuildID())
	fmt.Println("Then type commands here, options as name:value (quote values with spaces):")
	fmt.Println(`  /next`)
	fmt.Println(`  as alice /ask Why do neural ODEs need adjoints?`)
	fmt.Println(`  as carol/Moderators /questions next`)
	fmt.Println(`  as bob press q:vote:1`)
	fmt.Println(`  in #CHANNEL as dana /poster here`)
	fmt.Println(`  fault 502 3        (the next 3 requests fail; add a route like POST /channels/{channel_id}/messages)`)
	fmt.Println(`  drop               (cut the gateway)`)
	fmt.Println("Ctrl-C quits.")

	w := newWatcher(s, os.Stdout)
	go w.loop(ctx)

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				<-ctx.Done()
				return nil
			}
			w.do(ctx, strings.TrimSpace(line))
		}
	}
}

// watcher prints what the bot posts and remembers which message carries which button.
type watcher struct {
	s   *discordtest.Server
	out io.Writer

	mu         sync.Mutex
	seen       map[string]int    // channel id -> messages printed
	buttons    map[string]string // button custom id -> message id
	violations int
	members    map[string]string // NAME[/ROLES] -> user id
}

func newWatcher(s *discordtest.Server, out io.Writer) *watcher {
	return &watcher{s: s, out: out, seen: map[string]int{}, buttons: map[string]string{}, members: map[string]string{}}
}

func (w *watcher) loop(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll()
		}
	}
}

// poll prints what is new: guild channels' messages, then the direct messages
// to the users typed lines acted as, then requests outside Discord's rules.
func (w *watcher) poll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	chans := w.s.Channels()
	sort.Slice(chans, func(i, j int) bool { return chans[i].ID < chans[j].ID })
	type place struct{ id, name string }
	var places []place
	for _, ch := range chans {
		places = append(places, place{ch.ID, "#" + ch.Name})
	}
	names := make([]string, 0, len(w.members))
	for spec := range w.members {
		names = append(names, spec)
	}
	sort.Strings(names)
	for _, spec := range names {
		name, _, _ := strings.Cut(spec, "/")
		if dms := w.s.DMs(w.members[spec]); len(dms) > 0 {
			places = append(places, place{dms[0].ChannelID, "DM to " + name})
		}
	}
	for _, p := range places {
		msgs := w.s.Messages(p.id)
		for _, m := range msgs[min(w.seen[p.id], len(msgs)):] {
			w.render(p.name, m)
		}
		w.seen[p.id] = len(msgs)
	}
	v := w.s.Violations()
	for _, x := range v[w.violations:] {
		fmt.Fprintf(w.out, "\n!! request outside Discord's spec or limits: %s %s %s: %s\n", x.Rule, x.Method, x.Path, x.Detail)
	}
	w.violations = len(v)
}

// render prints one message as a reader sees it: its text, its embeds (a
// poster's card), its attachments and its buttons. Guarded by w.mu.
func (w *watcher) render(where string, m discordtest.Message) {
	fmt.Fprintf(w.out, "\n%s  %s\n", where, m.Received.Format("15:04:05"))
	if m.Content != "" {
		fmt.Fprintf(w.out, "  %s\n", strings.ReplaceAll(m.Content, "\n", "\n  "))
	}
	w.embeds(m.Embeds)
	for _, f := range m.Files {
		fmt.Fprintf(w.out, "  [attached %s, %d bytes]\n", f.Name, len(f.Data))
	}
	for _, row := range m.Components {
		for _, id := range customIDs(row) {
			w.buttons[id] = m.ID
			fmt.Fprintf(w.out, "  [button] type: press %s\n", id)
		}
	}
}

// embeds prints embeds as boxes of text.
func (w *watcher) embeds(es []*discordgo.MessageEmbed) {
	for _, e := range es {
		if e == nil {
			continue
		}
		if e.Title != "" {
			fmt.Fprintf(w.out, "  ┃ **%s**\n", e.Title)
		}
		if e.Description != "" {
			fmt.Fprintf(w.out, "  ┃ %s\n", strings.ReplaceAll(e.Description, "\n", "\n  ┃ "))
		}
		for _, f := range e.Fields {
			fmt.Fprintf(w.out, "  ┃ %s: %s\n", f.Name, strings.ReplaceAll(f.Value, "\n", "\n  ┃ "))
		}
		if e.Footer != nil && e.Footer.Text != "" {
			fmt.Fprintf(w.out, "  ┃ — %s\n", e.Footer.Text)
		}
	}
}

// do runs one typed line: an interaction, a fault or a gateway drop.
func (w *watcher) do(ctx context.Context, line string) {
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	if line == "drop" {
		w.s.DropGateway(discordtest.CloseAbnormal)
		fmt.Fprintln(w.out, "→ gateway dropped; the bot should resume")
		return
	}
	if rest, ok := strings.CutPrefix(line, "fault "); ok {
		f, err := parseFault(rest)
		if err != nil {
			fmt.Fprintln(w.out, "!", err)
			return
		}
		w.s.Fail(f)
		fmt.Fprintf(w.out, "→ the next %d request(s) %s answer %d\n", f.Count, routeText(f.Route), f.Status)
		return
	}
	in, err := w.interaction(line)
	if err != nil {
		fmt.Fprintln(w.out, "!", err)
		return
	}
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := w.s.Interact(ictx, in)
	if err != nil {
		fmt.Fprintln(w.out, "!", err)
		return
	}
	vis := ""
	if r.Ephemeral() {
		vis = " (ephemeral)"
	}
	fmt.Fprintf(w.out, "→ answered in %v%s:\n  %s\n", r.Latency.Round(time.Millisecond), vis, strings.ReplaceAll(r.Content, "\n", "\n  "))
	w.mu.Lock()
	w.embeds(r.Embeds)
	w.mu.Unlock()
}

// interaction reads `[as NAME[/ROLE,...]] [in #CHANNEL] (/command ... | press ID)`,
// the prefixes in any order.
func (w *watcher) interaction(line string) (discordtest.Interaction, error) {
	var user, channel string
	for {
		word, rest, _ := strings.Cut(line, " ")
		if word != "as" && word != "in" {
			break
		}
		arg, after, _ := strings.Cut(strings.TrimSpace(rest), " ")
		line = strings.TrimSpace(after)
		if word == "as" {
			user = w.member(arg)
			continue
		}
		ch, ok := w.s.ChannelByName(strings.TrimPrefix(arg, "#"))
		if !ok {
			return discordtest.Interaction{}, fmt.Errorf("in %s: no such channel", arg)
		}
		channel = ch.ID
	}
	var in discordtest.Interaction
	switch {
	case strings.HasPrefix(line, "press "):
		id := strings.TrimSpace(strings.TrimPrefix(line, "press "))
		w.mu.Lock()
		msg := w.buttons[id]
		w.mu.Unlock()
		in = discordtest.Button(id, msg)
	case strings.HasPrefix(line, "/"):
		in = discordtest.Slash(freeText(w.s.Commands(), line))
	default:
		return in, fmt.Errorf("commands start with / (or: press BUTTON-ID, fault STATUS [COUNT] [ROUTE], drop); `as NAME[/ROLE]` acts as someone, `in #CHANNEL` speaks there")
	}
	in.UserID, in.ChannelID = user, channel
	return in, nil
}

// freeText rewrites a command line whose words are not all name:value: the free
// words become the value of the command's first text option not given by name
// (`/ask Why adjoints?` -> `/ask question:"Why adjoints?"`), as the console
// does. Lines it cannot place are left for Interact to refuse.
func freeText(cmds []discordgo.ApplicationCommand, line string) string {
	words := strings.Fields(strings.TrimPrefix(line, "/"))
	if len(words) == 0 {
		return line
	}
	var opts []*discordgo.ApplicationCommandOption
	found := false
	for _, c := range cmds {
		if c.Name == words[0] {
			opts, found = c.Options, true
			break
		}
	}
	if !found {
		return line
	}
	head := []string{"/" + words[0]}
	words = words[1:]
	for len(words) > 0 { // sub-command groups and sub-commands
		var sub *discordgo.ApplicationCommandOption
		for _, o := range opts {
			if (o.Type == discordgo.ApplicationCommandOptionSubCommand || o.Type == discordgo.ApplicationCommandOptionSubCommandGroup) && o.Name == words[0] {
				sub = o
			}
		}
		if sub == nil {
			break
		}
		head, opts, words = append(head, words[0]), sub.Options, words[1:]
	}
	var named, free []string
	given := map[string]bool{}
	rest := strings.Join(words, " ")
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		word, after, _ := strings.Cut(rest, " ")
		name, value, ok := strings.Cut(word, ":")
		if ok && hasOption(opts, name) {
			if strings.HasPrefix(value, `"`) { // a quoted value runs to its closing quote
				if end := strings.Index(rest[len(name)+2:], `"`); end >= 0 {
					word, after = rest[:len(name)+3+end], rest[len(name)+3+end:]
				}
			}
			named, given[name] = append(named, word), true
			rest = after
			continue
		}
		free = append(free, word)
		rest = after
	}
	if len(free) > 0 {
		for _, o := range opts {
			if o.Type == discordgo.ApplicationCommandOptionString && !given[o.Name] {
				named = append(named, o.Name+`:"`+strings.ReplaceAll(strings.Join(free, " "), `"`, "'")+`"`)
				free = nil
				break
			}
		}
	}
	return strings.Join(append(append(head, named...), free...), " ")
}

func hasOption(opts []*discordgo.ApplicationCommandOption, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

// parseFault reads `STATUS [COUNT] [METHOD /route/{template}]`.
func parseFault(text string) (discordtest.Fault, error) {
	fields := strings.Fields(text)
	usage := errors.New("fault: want STATUS [COUNT] [METHOD ROUTE], like `fault 502 3` or `fault 429 1 POST /channels/{channel_id}/messages`")
	if len(fields) == 0 {
		return discordtest.Fault{}, usage
	}
	status, err := strconv.Atoi(fields[0])
	if err != nil || status < 400 || status > 599 {
		return discordtest.Fault{}, usage
	}
	f := discordtest.Fault{Status: status, Count: 1}
	fields = fields[1:]
	if len(fields) > 0 {
		if n, err := strconv.Atoi(fields[0]); err == nil {
			if n < 1 {
				return discordtest.Fault{}, usage
			}
			f.Count, fields = n, fields[1:]
		}
	}
	switch len(fields) {
	case 0:
	case 2:
		f.Route = strings.ToUpper(fields[0]) + " " + fields[1]
	default:
		return discordtest.Fault{}, usage
	}
	return f, nil
}

func routeText(route string) string {
	if route == "" {
		return "of any kind"
	}
	return "to " + route
}

// member returns the id of the user NAME[/ROLE,...], adding them to the guild the
// first time.
func (w *watcher) member(spec string) string {
	name, roles, _ := strings.Cut(spec, "/")
	w.mu.Lock()
	defer w.mu.Unlock()
	if id, ok := w.members[spec]; ok {
		return id
	}
	var ids []string
	for _, r := range strings.Split(roles, ",") {
		if r == "" {
			continue
		}
		id := ""
		for _, have := range w.s.Roles() {
			if strings.EqualFold(have.Name, r) {
				id = have.ID
			}
		}
		if id == "" {
			id = w.s.AddRole(r, 0)
		}
		ids = append(ids, id)
	}
	id := w.s.AddMember(name, ids...)
	w.members[spec] = id
	return id
}

// customIDs lists the custom ids of the buttons in a component (an action row).
func customIDs(c discordgo.MessageComponent) []string {
	switch v := c.(type) {
	case *discordgo.ActionsRow:
		var ids []string
		for _, inner := range v.Components {
			ids = append(ids, customIDs(inner)...)
		}
		return ids
	case discordgo.ActionsRow:
		return customIDs(&v)
	case *discordgo.Button:
		if !v.Disabled && v.CustomID != "" {
			return []string{v.CustomID}
		}
	case discordgo.Button:
		return customIDs(&v)
	}
	return nil
}
