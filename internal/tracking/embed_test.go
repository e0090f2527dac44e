package tracking

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
)

func checkLimits(t *testing.T, e message.Embed) {
	t.Helper()
	if n := utf8.RuneCountInString(e.Title); n > message.MaxEmbedTitle {
		t.Errorf("title %d runes", n)
	}
	if n := utf8.RuneCountInString(e.Description); n > message.MaxEmbedDescription {
		t.Errorf("description %d runes", n)
	}
	if n := utf8.RuneCountInString(e.Footer); n > message.MaxFooter {
		t.Errorf("footer %d runes", n)
	}
	if len(e.Fields) > message.MaxEmbedFields {
		t.Errorf("%d fields", len(e.Fields))
	}
	for _, f := range e.Fields {
		if n := utf8.RuneCountInString(f.Name); n == 0 || n > message.MaxFieldName {
			t.Errorf("field name %q: %d runes", f.Name, n)
		}
		if n := utf8.RuneCountInString(f.Value); n == 0 || n > message.MaxFieldValue {
			t.Errorf("field %q value: %d runes", f.Name, n)
		}
	}
	if e.Len() > message.MaxEmbedTotal {
		t.Errorf("embed total %d runes", e.Len())
	}
}

func TestEmbed(t *testing.T) {
	cfg := ceasefireTopic(t)
	now := t0.Add(300 * time.Hour)
	st := Assess(cfg, stories([]report{
		{h: 0, outlet: "a", title: "Gaza truce talks resume in Doha"},
		{h: 50, outlet: "b", title: "Gaza talks end without agreement [update]"},
		{h: 298, outlet: "c", title: "Israel and Hamas agree Gaza ceasefire deal"},
	}), now, 0)
	e := Embed(st, now)
	checkLimits(t, e)
	tests := []struct{ name, got, want string }{
		{"title", e.Title, "Gaza ceasefire: Agreement reached"},
		{"description", e.Description, st.Sentence},
		{"latest field", e.Fields[0].Name, "Latest development"},
		{"latest link", e.Fields[0].Value, "[Israel and Hamas agree Gaza ceasefire deal](https://c.example/2)\nc · " + message.Timestamp(now.Add(-2*time.Hour), 'R')},
		{"coverage", e.Fields[len(e.Fields)-1].Value, "3 reports from 3 outlets in the last 14 days"},
		{"footer", e.Footer, "Label based on 1 report"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	tl := e.Fields[1].Value
	if !strings.Contains(tl, "(update)") || strings.Count(tl, "\n") != 2 || !strings.Contains(tl, "**12 Jan 2025** · No agreement") {
		t.Errorf("timeline %q: want three lines, brackets neutralised, dated", tl)
	}
	if e.Color != colorAgreement || !e.Timestamp.Equal(now) {
		t.Errorf("color %x timestamp %v", e.Color, e.Timestamp)
	}
	if got := StatusLine(st); !strings.HasPrefix(got, "**Agreement reached**: ") || !strings.Contains(got, st.Sentence) {
		t.Errorf("StatusLine = %q", got)
	}
}

func TestEmbedNoNews(t *testing.T) {
	cfg := ceasefireTopic(t)
	st := Assess(cfg, nil, t0, 0)
	e := Embed(st, t0)
	checkLimits(t, e)
	if e.Title != "Gaza ceasefire: No recent news" || len(e.Fields) != 1 ||
		e.Description != "No reports on the Gaza ceasefire or the hostage talks in the last 14 days." {
		t.Errorf("embed %+v", e)
	}
}

// The latest development links its headline unless the link is too long to fit the field
// whole: a cut link would leave broken Markdown.
func TestLatestLineLink(t *testing.T) {
	d := Development{Headline: "Talks resume in Doha", Outlets: []string{"a"}, Time: t0}
	tests := []struct {
		name, link, want string
	}{
		{"linked", "https://a.example/1", "[Talks resume in Doha](https://a.example/1)\na · " + message.Timestamp(t0, 'R')},
		{"no link", "", "Talks resume in Doha\na · " + message.Timestamp(t0, 'R')},
		{"link at the limit", "https://a.example/" + strings.Repeat("x", maxLinkRunes-18),
			"[Talks resume in Doha](https://a.example/" + strings.Repeat("x", maxLinkRunes-18) + ")\na · " + message.Timestamp(t0, 'R')},
		{"link too long", "https://a.example/" + strings.Repeat("x", 1100), "Talks resume in Doha\na · " + message.Timestamp(t0, 'R')},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Link = tc.link
			if got := latestLine(d); got != tc.want {
				t.Errorf("latestLine = %.120q, want %.120q", got, tc.want)
			}
		})
	}
}

// FuzzEmbed feeds arbitrary headlines, outlets and summaries through Assess and Embed: no
// panic, and the embed always fits Discord's limits.
func FuzzEmbed(f *testing.F) {
	f.Add("Gaza ceasefire takes effect", "a", "Hostages freed.", strings.Repeat("x", 3000))
	f.Add(strings.Repeat("Gaza talks end without agreement ", 200), strings.Repeat("outlet ", 500), "", "")
	f.Add("[x](y) ** _ ` ~ |", "\xff", "?", "é")
	cfg := ceasefireTopic(f)
	f.Fuzz(func(t *testing.T, title, outlet, summary, title2 string) {
		var rs []report
		for i := 0; i < 7; i++ {
			rs = append(rs, report{h: float64(i * 40), outlet: outlet + string(rune('a'+i)), title: []string{title, title2}[i%2], summary: summary})
		}
		now := t0.Add(300 * time.Hour)
		st := Assess(cfg, stories(rs), now, 0)
		checkLimits(t, Embed(st, now))
		if n := utf8.RuneCountInString(StatusLine(st)); n > 600 {
			t.Errorf("status line %d runes", n)
		}
	})
}
