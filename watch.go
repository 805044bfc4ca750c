package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the watched files must be quiet before they are read: an
// editor's save is several events (write, chmod, rename), and a half-written file
// would be refused and reported for nothing.
const settle = 150 * time.Millisecond

// watchFiles calls changed soon after any of paths is written, created, renamed
// over or removed, until ctx ends; wait returns once the watch has stopped. It
// watches the directories, not the files: many editors save by writing a new file
// and renaming it over the old one, and a watch on the file would follow the old
// one away. Empty paths are left out.
func watchFiles(ctx context.Context, paths []string, changed func(), log *slog.Logger) (wait func(), err error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch files: %w", err)
	}
	names := map[string]bool{}
	dirs := map[string]bool{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("watch %s: %w", p, err)
		}
		names[abs] = true
		dir := filepath.Dir(abs)
		if dirs[dir] {
			continue
		}
		if err := w.Add(dir); err != nil {
			w.Close()
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
		dirs[dir] = true
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer w.Close()
		timer := time.NewTimer(settle)
		timer.Stop()
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if names[filepath.Clean(ev.Name)] && ev.Op != fsnotify.Chmod { // a chmod alone changes no content
					timer.Reset(settle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				// An overflow loses events, not the watch: look at the files anyway.
				log.Warn("watch files", "err", err)
				timer.Reset(settle)
			case <-timer.C:
				changed()
			}
		}
	}()
	return func() { <-done }, nil
}
