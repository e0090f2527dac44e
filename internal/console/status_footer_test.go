package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/tracking"
)

// The /status answer shows its time once (the footer said "As of …" beside the embed's
// timestamp: "— As of 5 Dec 2026 17:01 UTC · 2026-12-05 17:01:54 UTC"; Discord showed both too).
func TestStatusFooterShowsTimeOnce(t *testing.T) {
	asOf := time.Date(2026, 12, 5, 17, 1, 54, 0, time.UTC)
	tests := []struct {
		name string
		st   tracking.Status
		want string // the answer's last line
	}{
		{name: "no news", st: tracking.Status{Title: "Gaza ceasefire", Label: tracking.LabelNoNews,
			Sentence: "No reports in the last 14 days.", AsOf: asOf, Window: 14 * 24 * time.Hour},
			want: "— 2026-12-05 17:01:54 UTC"},
		{name: "with evidence", st: tracking.Status{Title: "Gaza ceasefire", Label: tracking.LabelTalks,
			Sentence: "Talks are under way.", AsOf: asOf, Window: 14 * 24 * time.Hour, Reports: 2, Outlets: 2,
			Evidence: []tracking.Development{{Headline: "Talks resume in Cairo", Stories: []string{"a", "b"}}}},
			want: "— Label based on 2 reports · 2026-12-05 17:01:54 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := message.Message{Embeds: []message.Embed{tracking.Embed(tt.st, asOf)}}
			for _, ansi := range []bool{false, true} {
				out := strings.TrimRight(Render(message.Text(m), ansi), "\n")
				last := out[strings.LastIndex(out, "\n")+1:]
				if !ansi {
					if diff := cmp.Diff(tt.want, last); diff != "" {
						t.Errorf("footer line (-want +got):\n%s", diff)
					}
				}
				if n := strings.Count(out, "17:01"); n != 1 {
					t.Errorf("ansi=%v: the time is shown %d times:\n%s", ansi, n, out)
				}
			}
		})
	}
}
