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
//	as alice /ask question:"Why do neural ODEs need adjoints?"
//	as carol/Moderators /questions next
//	as bob press q:vote:1
//
// Options are written as Discord shows them, name:value, with double quotes around
// values that hold spaces.
// Every request the bot sends is checked against Discord's OpenAPI spec and
// limits; violations are printed as they happen.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
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
	fmt.Println(`  as alice /ask question:"Why do neural ODEs need adjoints?"`)
	fmt.Println(`  as carol/Moderators /questions next`)
	fmt.Println(`  as bob press q:vote:1`)
	fmt.Println("Ctrl-C quits.")

	w := &watcher{s: s, seen: map[string]int{}, buttons: map[string]string{}}
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
	s *discordtest.Server

	mu         sync.Mutex
	seen       map[string]int    // channel id -> messages printed
	buttons    map[string]string // button custom id -> message id
	violations int
	members    map[string]string // username -> user id
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

func (w *watcher) poll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	chans := w.s.Channels()
	sort.Slice(chans, func(i, j int) bool { return chans[i].ID < chans[j].ID })
	for _, ch := range chans {
		msgs := w.s.Messages(ch.ID)
		for _, m := range msgs[w.seen[ch.ID]:] {
			fmt.Printf("\n#%s  %s\n  %s\n", ch.Name, m.Received.Format("15:04:05"), strings.ReplaceAll(m.Content, "\n", "\n  "))
			for _, row := range m.Components {
				for _, id := range customIDs(row) {
					w.buttons[id] = m.ID
					fmt.Printf("  [button] type: press %s\n", id)
				}
			}
		}
		w.seen[ch.ID] = len(msgs)
	}
	v := w.s.Violations()
	for _, x := range v[w.violations:] {
		fmt.Printf("\n!! request outside Discord's spec or limits: %s %s %s: %s\n", x.Rule, x.Method, x.Path, x.Detail)
	}
	w.violations = len(v)
}

// do runs one typed line as an interaction and prints the bot's answer.
func (w *watcher) do(ctx context.Context, line string) {
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	user := ""
	if rest, ok := strings.CutPrefix(line, "as "); ok {
		who, after, _ := strings.Cut(rest, " ")
		user, line = w.member(who), strings.TrimSpace(after)
	}
	var in discordtest.Interaction
	if id, ok := strings.CutPrefix(line, "press "); ok {
		w.mu.Lock()
		msg := w.buttons[strings.TrimSpace(id)]
		w.mu.Unlock()
		in = discordtest.Button(strings.TrimSpace(id), msg)
	} else if strings.HasPrefix(line, "/") {
		in = discordtest.Slash(line)
	} else {
		fmt.Println("! commands start with / (or: press BUTTON-ID); `as NAME[/ROLE]` acts as someone")
		return
	}
	in.UserID = user
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := w.s.Interact(ictx, in)
	if err != nil {
		fmt.Println("!", err)
		return
	}
	vis := ""
	if r.Ephemeral() {
		vis = " (ephemeral)"
	}
	fmt.Printf("→ answered in %v%s:\n  %s\n", r.Latency.Round(time.Millisecond), vis, strings.ReplaceAll(r.Content, "\n", "\n  "))
}

// member returns the id of the user NAME[/ROLE,...], adding them to the guild the
// first time.
func (w *watcher) member(spec string) string {
	name, roles, _ := strings.Cut(spec, "/")
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.members == nil {
		w.members = map[string]string{}
	}
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
