package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"workshopbot/bot"
	"workshopbot/bot/discord"
	"workshopbot/bot/web"
)

// runDiscord runs the bot on a Discord guild until ctx ends (SIGINT/SIGTERM). On
// shutdown it stops taking commands, lets the reminder in flight finish, and closes
// the gateway within 5 s.
func runDiscord(ctx context.Context, o *options, token string, getenv func(string) string, prog *bot.Program,
	version string, src bot.Source, stale *bot.StaleSourceError, clock *bot.ScaledClock, store appStore, log *slog.Logger) error {
	guild := getenv("DISCORD_GUILD_ID")
	if guild == "" {
		guild = prog.Schedule.Discord.GuildID
	}
	if guild == "" {
		return fmt.Errorf("no guild: set DISCORD_GUILD_ID or discord.guild in %s", o.schedule)
	}
	// Card nonces carry the database's id, so that another bot on this
	// guild, with another database, never gets this one's cards for its own.
	instance, err := store.InstanceID(ctx)
	if err != nil {
		return err
	}
	beat, err := heartbeatConfig(o, getenv, instance)
	if err != nil {
		return err
	}
	var b *bot.Bot
	metrics := web.NewMetrics() // fed by the transport's hooks; served by the dashboard (web.go)
	tr, err := discord.New(discord.Config{
		Token:    token,
		APIBase:  getenv("DISCORD_API_BASE"),
		GuildID:  guild,
		Names:    prog.Schedule.Discord,
		Commands: bot.Specs(features()),
		Handle:   func(ctx context.Context, c bot.Command) bot.Reply { return b.Handle(ctx, c) },
		Logger:   log,
		// Presenters who join get their rights on their poster's channel.
		OnMemberJoin: func(u bot.User) { b.MemberJoined(u) },
		// The dashboard's /metrics counts REST answers and gateway reconnects.
		OnREST:    metrics.ObserveREST,
		OnConnect: metrics.ObserveConnect,
		// Joins, leaves and messages are counted for the figures (counts only).
		OnActivity: func(a bot.Activity) { b.Record(a) },
		// One heartbeat per database in the moderators channel; another live
		// one keeps this bot from acting (heartbeat_cmd.go).
		Heartbeat: beat,
	})
	if err != nil {
		return err
	}
	rehearsal := o.clock != "" // a virtual clock on a staging guild
	if rehearsal {
		log.Info("rehearsal on a virtual clock: sessions are not mirrored as scheduled events, since Discord refuses events in the past")
	}
	b, err = bot.New(bot.Config{Features: features(), Program: prog, Clock: clock, Store: store, Questions: store, Posters: store, Transport: tr, Logger: log, NoEvents: rehearsal, Instance: instance})
	if err != nil {
		return err
	}
	ticks := newCronTicks(prog.Schedule.Reminders.Reload)
	dash := startWeb(ctx, o.http, webDeps{bot: b, db: store, ticks: ticks, getenv: getenv, metrics: metrics, streams: o.streams,
		link: func(channel, message string) string { return discord.MessageURL(guild, channel, message) },
		gateway: func(context.Context) (string, error) {
			if !tr.Connected() {
				return "", errors.New("not connected; discordgo reconnects")
			}
			return "connected", nil
		}}, log)
	defer dash.stop()
	if dash.url != "" {
		tokenNote := "from " + tokenEnv
		if dash.generated {
			tokenNote = dash.token // logged once: set the variable to keep it out of logs
		}
		log.Info("dashboard", "url", dash.url, "overlay", dash.url+"overlay", "token", tokenNote)
	}
	if err := tr.Open(ctx); err != nil {
		_ = tr.Close()
		return openError(err, log)
	}
	log.Info("workshopbot ready", "guild", guild, "workshop", prog.Schedule.Workshop.ShortName,
		"sessions", len(prog.Schedule.Sessions), "clock", clock.Now(), "speed", clock.Speed())
	stopCron, err := startReload(ctx, o, prog, bot.NewReloader(b, src, version).Keep(store), stale, log, ticks.tick)
	if err != nil {
		_ = tr.Close()
		return err
	}
	runErr := b.Run(ctx, bot.RunOptions{})
	stopCron()
	dash.stop()
	closeErr := tr.Close()
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		log.Warn("close Discord", "err", closeErr)
	}
	log.Info("workshopbot stopped")
	return nil
}
