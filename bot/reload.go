package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// Source loads the program and says which version of the files it read. Versions
// compare contents, not modification times.
type Source func() (*Program, string, error)

// FileSource reads schedule.yaml and posters.csv from disk.
func FileSource(schedulePath, postersPath string) Source {
	return func() (*Program, string, error) {
		version, err := Version(schedulePath, postersPath, nil)
		if err != nil {
			return nil, "", err
		}
		prog, err := LoadProgram(schedulePath, postersPath)
		return prog, version, err
	}
}

// Version is a hash of the files' contents and of extra (a live source's
// copy): it changes when any of them does. An empty path is no file.
func Version(schedulePath, postersPath string, extra []byte) (string, error) {
	h := sha256.New()
	for _, p := range []string{schedulePath, postersPath} {
		if p == "" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
	}
	if extra != nil {
		fmt.Fprintf(h, "source\x00%d\x00", len(extra))
		h.Write(extra)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Reloader applies changed files to a running bot: a valid new version is put in
// force, an invalid one is refused (the last good program stays) and reported to
// the moderators once per bad version.
type Reloader struct {
	bot *Bot
	src Source

	mu      sync.Mutex
	good    string // version in force
	lastBad string // last refused version, reported already
	stale   bool   // the live source is down, and the moderators were told
}

// NewReloader returns a Reloader for b, whose program in force came from version.
// It becomes b's way to apply an edit at once (/workshop delay).
func NewReloader(b *Bot, src Source, version string) *Reloader {
	r := &Reloader{bot: b, src: src, good: version}
	b.mu.Lock()
	b.reloader = r
	b.mu.Unlock()
	return r
}

// Check reads the files and applies them if they changed. It reports whether a new
// program was put in force.
func (r *Reloader) Check(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	prog, version, err := r.src()
	var stale *StaleSourceError
	switch {
	case errors.As(err, &stale) && prog != nil:
		// The last good copy of the source is a good program: it is applied
		// like any, and the moderators hear of the outage once.
		err = nil
		r.sourceDown(ctx, stale)
	case err == nil && r.stale:
		r.stale = false
		r.bot.log.Info("live source read again")
		r.bot.notifyModerators(ctx, "✅ The program's source can be read again; the bot follows it.")
	}
	if version == r.good && version != "" {
		return false
	}
	if err != nil {
		if version == r.lastBad && version != "" {
			return false
		}
		r.lastBad = version
		var lines []string
		var fe Errors
		if errors.As(err, &fe) {
			for _, e := range fe {
				r.bot.log.Error("reload refused", "file", e.File, "line", e.Line, "field", e.Field, "msg", e.Msg)
				lines = append(lines, e.Error())
			}
		} else {
			r.bot.log.Error("reload refused", "err", err)
			lines = append(lines, err.Error())
		}
		r.bot.notifyModerators(ctx, "⚠️ The edited program files were not applied; the last good program stays in force:\n```\n"+
			Truncate(strings.Join(lines, "\n"), MaxContent-200)+"\n```")
		return false
	}
	r.good, r.lastBad = version, ""
	r.bot.SetProgram(prog)
	r.bot.log.Info("program reloaded", "version", version[:12], "sessions", len(prog.Schedule.Sessions), "posters", len(prog.Posters))
	return true
}

// SourceDown tells the moderators that the live source could not be used and
// the program of its last good copy is in force, unless they were told since
// it was last good. main calls it when the bot starts on the copy.
func (r *Reloader) SourceDown(ctx context.Context, stale *StaleSourceError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sourceDown(ctx, stale)
}

// sourceDown is SourceDown with r.mu held.
func (r *Reloader) sourceDown(ctx context.Context, stale *StaleSourceError) {
	if r.stale {
		return
	}
	r.stale = true
	r.bot.log.Warn("live source not read; running on its last good copy", "url", stale.URL, "err", stale.Err)
	r.bot.notifyModerators(ctx, "⚠️ The program's source could not be used; the bot keeps running on its last good copy "+
		"and will take the source again when it is back. You will not be told again until then:\n```\n"+
		Truncate(stale.Err.Error(), MaxContent-400)+"\n```")
}
