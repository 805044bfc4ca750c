package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Files is one version of the program files as read: their contents, where they
// came from, and when they were saved. The database keeps the last good one
// (ProgramStore), so that a restart on a broken file starts on it.
type Files struct {
	SchedulePath, PostersPath string
	Schedule, Posters         []byte
	// Version is a hash of the paths and contents: versions compare contents,
	// not modification times.
	Version string
	// Saved is the later modification time of the two files; zero if unknown.
	Saved time.Time
	// Source is the live source schedule.yaml names, if any, and Upstream its
	// program as schedule.yaml text (bot/frab makes it): the sessions come from
	// there. The version counts them too.
	Source   string
	Upstream []byte
}

// WithSource is f with its sessions from the live source src, whose program
// is upstream; the version changes with upstream.
func (f Files) WithSource(src string, upstream []byte) Files {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00source\x00%s\x00%d\x00", f.Version, src, len(upstream))
	h.Write(upstream)
	f.Source, f.Upstream = src, upstream
	f.Version = hex.EncodeToString(h.Sum(nil))
	return f
}

// Short is the version as a moderator reads it: 7 hex digits, like git's.
func (f Files) Short() string {
	if len(f.Version) < 7 {
		return f.Version
	}
	return f.Version[:7]
}

// Source loads the program and says which version of the files it read. On
// failure the Files still name the version refused.
type Source func() (*Program, Files, error)

// FileSource reads schedule.yaml and posters.csv from disk. Each file is read
// once, and the version is the hash of what was parsed, so an edit made between
// the two cannot pass a version off as another.
func FileSource(schedulePath, postersPath string) Source {
	return func() (*Program, Files, error) {
		f, serrs, perrs := readFiles(schedulePath, postersPath)
		prog, err := parseFiles(f, serrs, perrs)
		return prog, f, err
	}
}

// readFiles reads both files, with the errors of each; a file that cannot be read
// counts in the version by its error, so that it is reported once, not at every
// look.
func readFiles(schedulePath, postersPath string) (Files, Errors, Errors) {
	f := Files{SchedulePath: schedulePath, PostersPath: postersPath}
	var serrs, perrs Errors
	f.Schedule, serrs = readFile(schedulePath, MaxScheduleSize)
	if postersPath != "" {
		f.Posters, perrs = readFile(postersPath, MaxPostersSize)
	}
	h := sha256.New()
	for _, part := range []struct {
		path string
		data []byte
		errs Errors
	}{{schedulePath, f.Schedule, serrs}, {postersPath, f.Posters, perrs}} {
		fmt.Fprintf(h, "%s\x00%d\x00", part.path, len(part.data))
		h.Write(part.data)
		if len(part.errs) > 0 {
			fmt.Fprintf(h, "\x00error\x00%s", part.errs.Error())
		}
		if fi, err := os.Stat(part.path); err == nil && fi.ModTime().After(f.Saved) {
			f.Saved = fi.ModTime()
		}
	}
	f.Version = hex.EncodeToString(h.Sum(nil))
	return f, serrs, perrs
}

// ParseFiles validates a version of the files read before (the copy the database
// keeps), as LoadProgram validates them on disk.
func ParseFiles(f Files) (*Program, error) {
	return parseFiles(f, nil, nil)
}

// parseFiles checks the schedule and the posters together; serrs and perrs are
// the errors of reading each file, if any. On failure the error is an Errors
// with the problems of both files, so that an organizer sees everything at once.
func parseFiles(f Files, serrs, perrs Errors) (*Program, error) {
	errs := serrs
	var sched *Schedule
	if len(errs) == 0 && f.Source != "" {
		sched, errs = parseScheduleWithSource(f.SchedulePath, f.Schedule, f.Source, f.Upstream)
	} else if len(errs) == 0 {
		sched, errs = parseSchedule(f.SchedulePath, f.Schedule)
	}
	// A schedule with errors is still good enough to check posters against,
	// unless it has no poster sessions to show for itself: then every poster
	// would repeat one of its errors.
	against := sched
	if len(errs) > 0 && len(posterSessions(sched)) == 0 {
		against = nil
	}
	var posters []Poster
	if f.PostersPath != "" {
		if len(perrs) == 0 {
			posters, perrs = parsePosters(f.PostersPath, f.Posters, against)
		}
		errs = append(errs, perrs...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &Program{Schedule: sched, Posters: posters}, nil
}

// ProgramStore keeps the files of the last program put in force.
type ProgramStore interface {
	// LastGoodProgram returns the files last recorded; ok is false if none.
	LastGoodProgram(ctx context.Context) (f Files, ok bool, err error)
	// PutLastGoodProgram records f; it is on disk when it returns.
	PutLastGoodProgram(ctx context.Context, f Files) error
}

// StartProgram chooses the program a bot starts on. If the files validate, it is
// theirs, recorded in ps as the last good one. If they do not but ps holds a last
// good program, it is that one, and broken holds the files' errors: the bot runs
// on, and its Reloader applies the files once they are fixed. With no last good
// program, err is the files' errors. ps may be nil (no fallback). A live source
// that is down gives its last good copy's program and a *StaleSourceError as
// broken.
func StartProgram(ctx context.Context, src Source, ps ProgramStore) (prog *Program, in Files, broken, err error) {
	prog, files, ferr := src()
	// A live source that is down gives the program of its last good copy, with
	// the error: that program is good, and broken says why it is the copy.
	var stale *StaleSourceError
	if ferr == nil || errors.As(ferr, &stale) && prog != nil {
		if ps != nil {
			if err := ps.PutLastGoodProgram(ctx, files); err != nil {
				return nil, Files{}, nil, fmt.Errorf("start: record the program in force: %w", err)
			}
		}
		return prog, files, ferr, nil
	}
	if ps == nil {
		return nil, Files{}, nil, ferr
	}
	last, ok, err := ps.LastGoodProgram(ctx)
	if err != nil {
		return nil, Files{}, nil, errors.Join(ferr, fmt.Errorf("start: read the last good program: %w", err))
	}
	if !ok {
		return nil, Files{}, nil, ferr
	}
	prog, err = ParseFiles(last)
	if err != nil {
		// Recorded by an older bot whose checks were laxer: nothing to start on.
		return nil, Files{}, nil, errors.Join(ferr, fmt.Errorf("start: the last good program (version %s) does not validate either: %w", last.Short(), err))
	}
	return prog, last, ferr, nil
}

// maxRefusedErrors is how many errors a refusal shows; check lists them all.
const maxRefusedErrors = 10

// Reloader applies changed files to a running bot: a valid new version is put in
// force, an invalid one is refused (the last good program stays) and reported to
// the moderators once per bad version, naming the version and its first errors;
// a new version with the same errors is only said to be still refused.
type Reloader struct {
	bot  *Bot
	src  Source
	keep ProgramStore // nil: versions in force are not recorded

	mu      sync.Mutex
	copy    copyTarget // where /workshop delay writes instead of the file, if set
	good    string     // version in force
	lastBad string     // last refused version, reported already
	refused refusal    // what the last report said
	stale   bool       // the live source is down, and the moderators were told
}

// refusal is the errors last reported to the moderators and the version they
// were reported for.
type refusal struct {
	errs  string
	files Files
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

// Keep records every version r puts in force in ps, for StartProgram.
func (r *Reloader) Keep(ps ProgramStore) *Reloader {
	r.mu.Lock()
	r.keep = ps
	r.mu.Unlock()
	return r
}

// copyTarget is a rehearsal's copy of schedule.yaml: /workshop delay edits it,
// and from the first edit on the reloader follows it (EditCopy).
type copyTarget struct {
	schedule, posters string
}

// EditCopy makes /workshop delay write its edits to schedulePath, a copy beside
// the rehearsal's database, and the reloader read that copy (with postersPath)
// from the first edit on: a rehearsal never rewrites the organizer's
// schedule.yaml.
func (r *Reloader) EditCopy(schedulePath, postersPath string) *Reloader {
	r.mu.Lock()
	r.copy = copyTarget{schedule: schedulePath, posters: postersPath}
	r.mu.Unlock()
	return r
}

// editTarget is where an edit of the schedule at path goes: path itself, or the
// rehearsal's copy.
func (r *Reloader) editTarget(path string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.copy.schedule != "" {
		return r.copy.schedule
	}
	return path
}

// followCopy makes the reloader read the rehearsal's copy from now on.
func (r *Reloader) followCopy() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.src = FileSource(r.copy.schedule, r.copy.posters)
}

// Check reads the files and applies them if they changed. It reports whether a new
// program was put in force.
func (r *Reloader) Check(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	prog, files, err := r.src()
	version := files.Version
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
		r.refuse(ctx, files, err)
		return false
	}
	if r.keep != nil {
		// Not fatal: the program is good, only a restart on a broken file would
		// start on an older one.
		if err := r.keep.PutLastGoodProgram(ctx, files); err != nil {
			r.bot.log.Error("reload: record the program in force", "version", files.Short(), "err", err)
		}
	}
	r.good, r.lastBad, r.refused = version, "", refusal{}
	r.bot.SetProgram(prog)
	r.bot.log.Info("program reloaded", "version", files.Short(), "sessions", len(prog.Schedule.Sessions), "posters", len(prog.Posters))
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

// refuse logs a refused version's errors and tells the moderators: the version,
// its first errors, and a nonce of its own; or, when the errors are the ones
// reported last, only that this version is still refused.
func (r *Reloader) refuse(ctx context.Context, f Files, err error) {
	// Errors are the same whatever line they moved to: a line added above them
	// does not make them new.
	var lines, same []string
	var fe Errors
	if errors.As(err, &fe) {
		for _, e := range fe {
			r.bot.log.Error("reload refused", "version", f.Short(), "file", e.File, "line", e.Line, "field", e.Field, "msg", e.Msg)
			lines = append(lines, e.Error())
			same = append(same, e.File+"\x00"+e.Field+"\x00"+e.Msg)
		}
	} else {
		r.bot.log.Error("reload refused", "version", f.Short(), "err", err)
		lines = append(lines, err.Error())
		same = append(same, err.Error())
	}
	all := strings.Join(same, "\n")
	msg := Message{Channel: ChannelModerators, Nonce: "refused:" + f.Short()}
	if r.refused.errs == all && r.refused.files.Version != "" {
		msg.Content = fmt.Sprintf("⚠️ %s is still refused, same errors as the edit %s; the last good program stays in force.",
			versionText(f), savedText(r.refused.files))
		r.post(ctx, msg)
		return
	}
	r.refused = refusal{errs: all, files: f}
	shown := lines[:min(len(lines), maxRefusedErrors)]
	more := ""
	if n := len(lines) - len(shown); n > 0 {
		more = fmt.Sprintf("\n…and %s: run `workshopbot check` to see them all.", plural(n, "more error"))
	}
	head := fmt.Sprintf("⚠️ %s was not applied; the last good program stays in force. %s:\n```\n",
		versionText(f), firstErrors(len(shown), len(lines)))
	msg.Content = head + Truncate(strings.Join(shown, "\n"), MaxContent-len(head)-len(more)-10) + "\n```" + more
	r.post(ctx, msg)
}

func (r *Reloader) post(ctx context.Context, m Message) {
	if _, err := r.bot.out.Post(ctx, m); err != nil {
		r.bot.log.Error("notify moderators", "err", err, "text", m.Content)
	}
}

// versionText names a version of the files: "The edit of schedule.yaml and
// posters.csv saved <t:…:t> (version 1a2b3c4)".
func versionText(f Files) string {
	names := filepath.Base(f.SchedulePath)
	if f.PostersPath != "" {
		names += " and " + filepath.Base(f.PostersPath)
	}
	if f.SchedulePath == "" {
		names = "program files"
	}
	return fmt.Sprintf("The edit of %s %s (version %s)", names, savedText(f), f.Short())
}

// savedText is when a version was saved, as Discord shows a time to each reader.
func savedText(f Files) string {
	if f.Saved.IsZero() {
		return "of version " + f.Short()
	}
	return "saved at " + stamp(f.Saved, 't')
}

func firstErrors(shown, all int) string {
	if shown == all {
		return strings.ToUpper(plural(all, "error")[:1]) + plural(all, "error")[1:]
	}
	return fmt.Sprintf("The first %d of %d errors", shown, all)
}
