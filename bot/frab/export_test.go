package frab

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"workshopbot/bot"
)

// c3voc compiles the c3voc schedule schema (testdata/c3voc, see SOURCE.md),
// with format assertions on (the default for its draft-06).
func c3voc(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw := read(t, "c3voc/schema.json")
	raw = regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAll(raw, nil) // its two "// TODO" lines
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

func loadSchedule(t *testing.T, path string) *bot.Schedule {
	t.Helper()
	s, err := bot.LoadSchedule(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reimport reads an export back as the bot's sessions, through schedule.yaml.
func reimport(t *testing.T, data []byte) *bot.Schedule {
	t.Helper()
	p := importFile(t, data, Options{})
	s, err := bot.ParseSchedule("schedule.yaml", p.WriteYAML("export.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExportValidates: the bundled DLDE program exports as frab JSON the c3voc
// schema accepts, and importing the export gives the same program back.
func TestExportValidates(t *testing.T) {
	schema := c3voc(t)
	s := loadSchedule(t, "../../schedule.yaml")
	data, err := Export(s, "https://neurips.cc/virtual/2021/workshop/21880")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema, data); err != nil {
		t.Fatalf("export does not validate: %v", err)
	}
	back := reimport(t, data)
	if got, want := rows(back.Sessions), rows(s.Sessions); !slices.Equal(got, want) {
		t.Errorf("round trip:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if back.Workshop.Name != s.Workshop.Name || back.Workshop.Location.String() != s.Workshop.Location.String() ||
		!back.Workshop.Date.Equal(s.Workshop.Date) || !strings.EqualFold(back.Workshop.ShortName, s.Workshop.ShortName) {
		t.Errorf("header %+v, want %+v", back.Workshop, s.Workshop)
	}
	// Stable: the same program exports the same bytes.
	if again, _ := Export(s, "https://neurips.cc/virtual/2021/workshop/21880"); !bytes.Equal(again, data) {
		t.Error("two exports of one program differ")
	}
	// The validator is live: an event without its guid is refused.
	var doc map[string]any
	json.Unmarshal(data, &doc)
	ev := doc["schedule"].(map[string]any)["conference"].(map[string]any)["days"].([]any)[0].(map[string]any)["rooms"].(map[string]any)["DLDE"].([]any)[0].(map[string]any)
	delete(ev, "guid")
	broken, _ := json.Marshal(doc)
	if err := validate(t, schema, broken); err == nil {
		t.Error("an event without a guid validated; is the schema compiled?")
	}
}

// TestRoundTrip: import -> check -> export -> import gives the same program,
// for the multi-room fixture and for the real exports when they are here.
func TestRoundTrip(t *testing.T) {
	schema := c3voc(t)
	inputs := map[string][]byte{"pretalx.json": read(t, "pretalx.json"), "fosdem.xml": read(t, "fosdem.xml"), "frab.xml": read(t, "frab.xml")}
	for _, f := range []string{"pretalx_democon-2022_schedule.json", "voc_frab-camp2019.json", "giggity_debconf23.xml", "frab_31c3_schedule.xml", "giggity_fosdem_2021.xml"} {
		if data, err := os.ReadFile(filepath.Join("../../../shared/import-samples", f)); err == nil {
			inputs[f] = data
		} else {
			t.Logf("real export %s not here, skipped: %v", f, err)
		}
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			first := reimport(t, data)
			out, err := Export(first, "https://example.org/schedule/")
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, schema, out); err != nil {
				t.Fatalf("export does not validate: %v", err)
			}
			second := reimport(t, out)
			if got, want := rows(second.Sessions), rows(first.Sessions); !slices.Equal(got, want) {
				t.Errorf("round trip differs:\n%s\nwant:\n%s", strings.Join(got[:min(len(got), 5)], "\n"), strings.Join(want[:min(len(want), 5)], "\n"))
			}
			if len(second.Rooms) != len(first.Rooms) || second.Workshop.Location.String() != first.Workshop.Location.String() {
				t.Errorf("rooms %d, zone %s; want %d, %s", len(second.Rooms), second.Workshop.Location, len(first.Rooms), first.Workshop.Location)
			}
		})
	}
}
