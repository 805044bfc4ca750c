package schema

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	ok := file("CREATE TABLE t (x INTEGER);")
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string // names, in order
		wantErr string   // a part of the error
	}{
		{
			name:  "in order, other files ignored",
			files: fstest.MapFS{"migrations/0002_b.sql": ok, "migrations/0001_a.sql": ok, "migrations/README": file("x")},
			want:  []string{"0001_a.sql", "0002_b.sql"},
		},
		{name: "none", files: fstest.MapFS{}, wantErr: "no migrations/*.sql"},
		{name: "gap", files: fstest.MapFS{"migrations/0001_a.sql": ok, "migrations/0003_c.sql": ok}, wantErr: "0003_c.sql: expected number 0002"},
		{name: "repeat", files: fstest.MapFS{"migrations/0001_a.sql": ok, "migrations/0001_b.sql": ok}, wantErr: "0001_b.sql: expected number 0002"},
		{name: "starts at 2", files: fstest.MapFS{"migrations/0002_a.sql": ok}, wantErr: "0002_a.sql: expected number 0001"},
		{name: "short number", files: fstest.MapFS{"migrations/1_a.sql": ok}, wantErr: "1_a.sql: name must be NNNN_description.sql"},
		{name: "no description", files: fstest.MapFS{"migrations/0001.sql": ok}, wantErr: "0001.sql: name must be"},
		{name: "blank", files: fstest.MapFS{"migrations/0001_a.sql": file(" \n\t")}, wantErr: "0001_a.sql is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			migs, err := Load(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, m := range migs {
				got = append(got, m.Name)
				if m.Version != i+1 {
					t.Errorf("%s: version %d, want %d", m.Name, m.Version, i+1)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("names = %v, want %v", got, tt.want)
			}
		})
	}
}
