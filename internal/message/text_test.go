package message

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestText(t *testing.T) {
	ts := time.Date(2024, 8, 25, 18, 2, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   Message
		want string
	}{
		{name: "content only", in: Message{Content: "  Nothing new.  "}, want: "Nothing new."},
		{
			name: "full embed",
			in: Message{Content: "Briefing", Embeds: []Embed{{
				Author: "Herald", Title: "Cairo talks end", URL: "https://x.test/a",
				Description: "See [the text](https://x.test/t).",
				Fields:      []Field{{Name: "Sources", Value: "Reuters"}, {Name: "Multi", Value: "a\nb"}, {Name: Blank, Value: "cont"}},
				Footer:      "3 outlets", Timestamp: ts, Image: "https://x.test/i.png",
			}}},
			want: "Briefing\n\nHerald\nCairo talks end\nhttps://x.test/a\n\nSee the text (https://x.test/t).\n" +
				"Sources: Reuters\nMulti:\n  a\n  b\ncont\n[image] https://x.test/i.png\n— 3 outlets · 2024-08-25 18:02:00 UTC",
		},
		{
			name: "two embeds",
			in:   Message{Embeds: []Embed{{Title: "One"}, {Description: "Two"}}},
			want: "One\n\nTwo",
		},
		{name: "timestamp only footer", in: Message{Embeds: []Embed{{Title: "T", Timestamp: ts}}}, want: "T\n— 2024-08-25 18:02:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Text(tt.in)); diff != "" {
				t.Errorf("Text (-want +got):\n%s", diff)
			}
		})
	}
}
