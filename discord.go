package main

import (
	"context"
	"errors"
	"fmt"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/features"
	"workshopbot/bot/web"
)

// runDiscord runs the bot on a Discord guild until ctx ends (SIGINT/SIGTERM). On
// shutdown it stops taking commands, lets the reminder in flight finish, and closes
// the gateway within 5 s.
func runDiscord(ctx context.Context, a *app, token string) error {
	e, err := newGuild(ctx, a, token)
	if err != nil {
		return err
	}
	return runApp(ctx, a, e)
}

// guild is the Discord edge: the bot on one guild, through the gateway and
// the REST API.
type guild struct {
	a        *app
	id       string // the guild's id
	instance string // the database's id (appStore.InstanceID)
	tr       *discord.Transport
	metrics  *web.Metrics // fed by the transport's hooks; served by the dashboard (web.go)
	b        *bot.Bot     // set by start, before the transport opens
}

func newGuild(ctx context.Context, a *app, token string) (*guild, error) {
	g := &guild{a: a, id: a.getenv("DISCORD_GUILD_ID"), metrics: web.NewMetrics()}
	if g.id == "" {
		g.id = a.prog.Schedule.Discord.GuildID
	}
	if g.id == "" {
		return nil, fmt.Errorf("no guild: set DISCORD_GUILD_ID or discord.guild in %s", a.o.schedule)
	}
	// Card nonces carry the database's id, so that another bot on this
	// guild, with another database, never gets this one's cards for its own.
	var err error
	if g.instance, err = a.store.InstanceID(ctx); err != nil {
		return nil, err
	}
	beat, err := heartbeatConfig(a.o, a.getenv, g.instance)
	if err != nil {
		return nil, err
	}
	g.tr, err = discord.New(discord.Config{
		Token:    token,
		APIBase:  a.getenv("DISCORD_API_BASE"),
		GuildID:  g.id,
		Names:    a.prog.Schedule.Discord,
		Commands: bot.Specs(features.All()),
		Handle:   func(ctx context.Context, c bot.Command) bot.Reply { return g.b.Handle(ctx, c) },
		Logger:   a.log,
		// Presenters who join get their rights on their poster's channel.
		OnMemberJoin: func(u bot.User) { g.b.MemberJoined(u) },
		// The dashboard's /metrics counts REST answers and gateway reconnects.
		OnREST:    g.metrics.ObserveREST,
		OnConnect: g.metrics.ObserveConnect,
		// Joins, leaves and messages are counted for the figures (counts only).
		OnActivity: func(a bot.Activity) { g.b.Record(a) },
		// One heartbeat per database in the moderators channel; another live
		// one keeps this bot from acting (heartbeat_cmd.go).
		Heartbeat: beat,
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func (g *guild) configure(c *bot.Config, w *webDeps) {
	rehearsal := g.a.o.clock != "" // a virtual clock on a staging guild
	if rehearsal {
		g.a.log.Info("rehearsal on a virtual clock: sessions are not mirrored as scheduled events, since Discord refuses events in the past")
	}
	c.Transport, c.NoEvents, c.Instance = g.tr, rehearsal, g.instance
	w.metrics = g.metrics
	w.link = func(channel, message string) string { return discord.MessageURL(g.id, channel, message) }
	w.gateway = func(context.Context) (string, error) {
		if !g.tr.Connected() {
			return "", errors.New("not connected; discordgo reconnects")
		}
		return "connected", nil
	}
}

// start connects to Discord.
func (g *guild) start(ctx context.Context, b *bot.Bot, dash dashboard) error {
	g.b = b
	log := g.a.log
	if dash.url != "" {
		tokenNote := "from " + tokenEnv
		if dash.generated {
			tokenNote = dash.token // logged once: set the variable to keep it out of logs
		}
		log.Info("dashboard", "url", dash.url, "overlay", dash.url+"overlay", "token", tokenNote)
	}
	if err := g.tr.Open(ctx); err != nil {
		_ = g.tr.Close()
		return openError(err, log)
	}
	s := g.a.prog.Schedule
	log.Info("workshopbot ready", "guild", g.id, "workshop", s.Workshop.ShortName,
		"sessions", len(s.Sessions), "clock", g.a.clock.Now(), "speed", g.a.clock.Speed())
	return nil
}

func (g *guild) reloader(r *bot.Reloader) *bot.Reloader { return r }

func (g *guild) run(ctx context.Context, b *bot.Bot) error {
	return b.Run(ctx, bot.RunOptions{})
}

// stop closes the gateway.
func (g *guild) stop(runErr error) error {
	closeErr := g.tr.Close()
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		g.a.log.Warn("close Discord", "err", closeErr)
	}
	g.a.log.Info("workshopbot stopped")
	return nil
}
