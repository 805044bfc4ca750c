package bot

import (
	"strconv"
	"strings"
)

// FileError is one problem in a file the organizers wrote, said so that they can
// fix it without reading code: where it is, which field, what is wrong and what
// would be valid.
type FileError struct {
	File  string // the path as the caller gave it
	Line  int    // 1-based; 0 when the problem is the whole file (too big, unreadable)
	Field string // e.g. "sessions[3].start" or "presenters"; empty for the whole file or row
	Msg   string
}

// Error formats the error as "file:line: field: message", leaving out the line
// and field when they are unknown.
func (e FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one or more files, in file order. Parsers
// report all they find, so that one edit can fix them all.
type Errors []FileError

// Error lists the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As and errors.Is see each FileError.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}
