package discord

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"workshopbot/bot"
)

func TestComponentsLayout(t *testing.T) {
	tr := &Transport{log: slog.New(slog.DiscardHandler)}
	many := func(n int) []bot.Button {
		var bs []bot.Button
		for i := range n {
			bs = append(bs, bot.Button{ID: fmt.Sprint("b:", i), Label: fmt.Sprint("B", i), Style: bot.ButtonPrimary})
		}
		return bs
	}
	for _, tc := range []struct {
		name    string
		buttons []bot.Button
		rows    []int // buttons per row
	}{
		{"none", nil, []int{}},
		{"one", many(1), []int{1}},
		{"twelve", many(12), []int{5, 5, 2}},
		{"thirty", many(30), []int{5, 5, 5, 5, 5}},
		{"bad ids", []bot.Button{{ID: "", Label: "x"}, {ID: strings.Repeat("i", 101), Label: "y"}, {ID: "ok", Label: "z"}}, []int{1}},
	} {
		rows := tr.components(tc.buttons)
		var got []int
		for _, r := range rows {
			if r.Type != componentActionRow {
				t.Errorf("%s: row type %d", tc.name, r.Type)
			}
			got = append(got, len(r.Components))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.rows) && !(len(got) == 0 && len(tc.rows) == 0) {
			t.Errorf("%s: rows %v, want %v", tc.name, got, tc.rows)
		}
		if rows == nil {
			t.Errorf("%s: components is nil; an edit must send [] to remove buttons", tc.name)
		}
	}
	b := tr.components([]bot.Button{{ID: "x", Label: strings.Repeat("é", 90), Style: 9, Disabled: true}})[0].Components[0]
	if b.Style != int(bot.ButtonSecondary) || utf8.RuneCountInString(b.Label) > bot.MaxButtonLabel || !b.Disabled || b.Type != componentButton {
		t.Errorf("button = %+v: want secondary style for an unknown one, label cut to %d, disabled", b, bot.MaxButtonLabel)
	}
	data, _ := json.Marshal(tr.edit(bot.Message{Content: "no buttons"}))
	if want := `{"content":"no buttons","components":[],"allowed_mentions":{"parse":[]}}`; string(data) != want {
		t.Errorf("edit body %s, want %s", data, want)
	}
}

func TestChoicesData(t *testing.T) {
	var cs []bot.Choice
	cs = append(cs, bot.Choice{Name: "no value"}, bot.Choice{Name: "long value", Value: strings.Repeat("v", 101)})
	for i := range 30 {
		cs = append(cs, bot.Choice{Name: strings.Repeat("n", 120), Value: fmt.Sprint(i)})
	}
	data, _ := json.Marshal(choicesData(cs))
	var got struct {
		Choices []choice `json:"choices"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Choices) != bot.MaxChoices || got.Choices[0].Value != "0" || utf8.RuneCountInString(got.Choices[0].Name) > bot.MaxChoiceText {
		t.Errorf("choices = %d, first %+v: want 25, the unusable ones left out, names cut to 100", len(got.Choices), got.Choices[0])
	}
	if data, _ := json.Marshal(choicesData(nil)); string(data) != `{"choices":[]}` {
		t.Errorf("no choices = %s, want {\"choices\":[]}", data)
	}
}

// TestSameCommandsReregistersRestrictedOnes: commands registered by an earlier
// version with default_member_permissions are overwritten, so that moderators
// whose role lacks that permission see them.
func TestSameCommandsReregistersRestrictedOnes(t *testing.T) {
	want, err := buildCommands([]bot.CommandSpec{{Name: "questions next", Description: "Next", Moderator: true}})
	if err != nil {
		t.Fatal(err)
	}
	var have []commandJSON
	old := `[{"type":1,"name":"questions","description":"questions: next","default_member_permissions":"8589934592",` +
		`"options":[{"type":1,"name":"next","description":"Next"}]}]`
	if err := json.Unmarshal([]byte(old), &have); err != nil {
		t.Fatal(err)
	}
	if sameCommands(have, want) {
		t.Errorf("sameCommands = true for a command still restricted to MANAGE_EVENTS")
	}
}
