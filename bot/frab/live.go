package frab

import (
	"context"
	"fmt"
	"time"

	"workshopbot/bot"
)

// Live reads a program whose schedule.yaml says `source: {frab: URL}`: the
// file's header and overrides, with the sessions fetched from URL at each
// reload. It keeps the last good copy of the source in Store, and when the
// source is down or sends something that is not a valid program, it gives the
// program of that copy with a *bot.StaleSourceError. A schedule.yaml without
// a source is read as bot.FileSource reads it.
type Live struct {
	HTTP Doer
	// Store keeps the last good copy; nil keeps none (a command that runs once).
	Store bot.SourceStore
	// Timeout bounds one fetch; 20 s if 0.
	Timeout time.Duration
}

// Source returns the bot.Source of the files, fetching under ctx: the reloads
// of a running bot end with it.
func (l *Live) Source(ctx context.Context, schedulePath, postersPath string) bot.Source {
	return func() (*bot.Program, bot.Files, error) {
		url := bot.SourceOf(schedulePath)
		if url == "" {
			return bot.FileSource(schedulePath, postersPath)()
		}
		raw, ferr := l.fetch(ctx, url)
		var prog *bot.Program
		var files bot.Files
		if ferr == nil {
			prog, files, ferr = Load(schedulePath, postersPath, url, raw)
		}
		if ferr == nil {
			if err := l.keep(ctx, url, raw); err != nil {
				return nil, files, err
			}
			return prog, files, nil
		}
		// The source is down or not valid, or the files are: try the copy.
		var copyURL string
		var good []byte
		if l.Store != nil {
			var err error
			if copyURL, good, err = l.Store.SourceCopy(ctx); err != nil {
				return nil, files, fmt.Errorf("source %s: %w; and the last good copy: %w", url, ferr, err)
			}
		}
		if copyURL != url || good == nil {
			if files.Version == "" { // the source itself failed: name the version by the files and what came
				_, f, _ := bot.LoadProgramWithSource(schedulePath, postersPath, url, raw)
				files = f
			}
			return nil, files, fmt.Errorf("source %s: %w (no good copy of it yet)", url, ferr)
		}
		prog, files, err := Load(schedulePath, postersPath, url, good)
		if err != nil {
			return nil, files, err // the files are wrong whatever the source says
		}
		return prog, files, &bot.StaleSourceError{URL: url, Err: ferr}
	}
}

// fetch gets the source within the timeout.
func (l *Live) fetch(ctx context.Context, url string) ([]byte, error) {
	d := l.Timeout
	if d == 0 {
		d = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return Fetch(ctx, l.HTTP, url)
}

// keep stores raw as the last good copy, unless it is the copy already.
func (l *Live) keep(ctx context.Context, url string, raw []byte) error {
	if l.Store == nil {
		return nil
	}
	old, data, err := l.Store.SourceCopy(ctx)
	if err == nil && old == url && string(data) == string(raw) {
		return nil
	}
	if err := l.Store.PutSourceCopy(ctx, url, raw); err != nil {
		return fmt.Errorf("keep the copy of source %s: %w", url, err)
	}
	return nil
}

// Load makes the program of the files with raw, a copy of their live source
// url (a report reads the copy the bot kept), and says which version of the
// files and the source it read.
func Load(schedulePath, postersPath, url string, raw []byte) (*bot.Program, bot.Files, error) {
	c, err := Parse(raw)
	if err != nil {
		return nil, bot.Files{}, fmt.Errorf("read source %s: %w", url, err)
	}
	p, err := Import(c, Options{})
	if err != nil {
		return nil, bot.Files{}, fmt.Errorf("import source %s: %w", url, err)
	}
	return bot.LoadProgramWithSource(schedulePath, postersPath, url, p.WriteYAML(url))
}
