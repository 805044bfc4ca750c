package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"workshopbot/bot/discord"
)

// forceEnv, set to 1, is --force.
const forceEnv = "WORKSHOPBOT_FORCE"

// exitOtherInstance is the exit code of a bot that refused to act because
// another one is live on the guild: distinct, so that systemd can be told not
// to restart it (RestartPreventExitStatus=3, README).
const exitOtherInstance = 3

// exitCode is the bot's exit code for err.
func exitCode(err error) int {
	var other *discord.OtherInstanceError
	if errors.As(err, &other) {
		return exitOtherInstance
	}
	return 1
}

// heartbeatConfig is the transport's heartbeat: the database's id, who runs
// it, how often, and whether --force (or $WORKSHOPBOT_FORCE=1) was given.
func heartbeatConfig(o *options, getenv func(string) string, instance string) (discord.HeartbeatConfig, error) {
	if o.beat < time.Second {
		return discord.HeartbeatConfig{}, fmt.Errorf("--heartbeat %s: want at least 1s (Discord allows 5 edits per 5 s in a channel)", o.beat)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return discord.HeartbeatConfig{
		Instance: instance,
		Host:     fmt.Sprintf("%s (pid %d)", host, os.Getpid()),
		Every:    o.beat,
		Force:    o.force || getenv(forceEnv) == "1",
	}, nil
}

// openError is the error of a failed Open. Another live instance is logged as
// an error that says what to do.
func openError(err error, log *slog.Logger) error {
	var other *discord.OtherInstanceError
	if errors.As(err, &other) {
		log.Error("refusing to act: another workshopbot is live on this guild; stop it, or start this one with --force",
			"instance", other.Own, "other_instance", other.Others[0].Instance, "other_host", other.Others[0].Host)
		return err
	}
	return fmt.Errorf("connect to Discord: %w", err)
}
