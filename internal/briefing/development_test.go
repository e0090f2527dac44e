package briefing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

func TestDevelopmentEmbed(t *testing.T) {
	one := st("r1", "Reuters", "Ceasefire agreed in Cairo", time.Hour)
	if diff := cmp.Diff(StoryEmbed(one, now0), DevelopmentEmbed([]story.Story{one}, now0)); diff != "" {
		t.Errorf("a single report is its StoryEmbed (-want +got):\n%s", diff)
	}
	var many []story.Story
	for i := range 30 {
		many = append(many, st(fmt.Sprintf("s%02d", i), fmt.Sprintf("Outlet %02d %s", i, strings.Repeat("x", 60)),
			"Ceasefire agreed in Cairo "+strings.Repeat("long ", 60), time.Duration(30-i)*time.Minute))
	}
	e := DevelopmentEmbed(many, now0)
	if err := message.Validate(message.Message{Embeds: []message.Embed{e}}); err != nil {
		t.Fatalf("30 outlets: %v", err)
	}
	if !strings.Contains(e.Description, "**Reported by** [Outlet 00") || !strings.Contains(e.Description, "+24 more") {
		t.Errorf("30 outlets: description %q, want the first six linked and +24 more", e.Description)
	}
}
