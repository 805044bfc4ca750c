// Package schema loads a store's migrations, the files that make its schema:
// migrations/NNNN_description.sql, numbered from 0001 without gaps, each run
// inside the store's migration transaction (so without BEGIN or COMMIT), and
// never edited once shipped: a change is a new file. bot/sqlite and
// bot/postgres each embed their own files, in their own SQL, with the same
// numbers. It must never import package bot or a store.
package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one schema change; a database is at version N once migration
// N has run.
type Migration struct {
	Version int
	Name    string // the file name, 0001_reminders.sql
	SQL     string
}

// Load reads migrations/*.sql from fsys and checks their numbering.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("load migrations: no migrations/*.sql")
	}
	sort.Strings(names)
	migs := make([]Migration, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		num, rest, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || rest == ".sql" {
			return nil, fmt.Errorf("load migrations: %s: name must be NNNN_description.sql", base)
		}
		if v != i+1 {
			return nil, fmt.Errorf("load migrations: %s: expected number %04d: migrations are numbered 0001, 0002, ... without gaps or repeats", base, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load migrations: %w", err)
		}
		if strings.TrimSpace(string(body)) == "" {
			return nil, fmt.Errorf("load migrations: %s is empty", base)
		}
		migs = append(migs, Migration{Version: v, Name: base, SQL: string(body)})
	}
	return migs, nil
}
