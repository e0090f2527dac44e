package briefing

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
)

var now0 = time.Date(2024, 8, 15, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return now0 }

func st(id, source, title string, ago time.Duration) story.Story {
	return story.Story{ID: id, Source: source, Title: title, Link: "https://" + id + ".test/a",
		Published: now0.Add(-ago)}
}

func TestThreeOutletsOneEntry(t *testing.T) {
	stories := []story.Story{
		st("r1", "Reuters", "Israel and Hamas to resume ceasefire talks in Cairo on Thursday", 3*time.Hour),
		st("a1", "AP", "Ceasefire talks between Israel and Hamas resume in Cairo", 2*time.Hour),
		st("b1", "BBC News", "Israel-Hamas ceasefire talks resume in Cairo - BBC News", time.Hour),
		st("x1", "AP", "Wildfire forces thousands to evacuate in California", time.Hour),
	}
	stories[2].Summary = "Mediators from Egypt, Qatar and the US meet negotiators."
	b := Build(stories, Options{Now: fixedNow})
	if len(b.Sections) != 1 {
		t.Fatalf("sections = %d, want 1", len(b.Sections))
	}
	var got []Source
	for _, e := range b.Sections[0].Entries {
		if len(e.StoryIDs) == 3 {
			got = e.Sources
		}
	}
	want := []Source{{"Reuters", "https://r1.test/a"}, {"AP", "https://a1.test/a"}, {"BBC News", "https://b1.test/a"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sources of the ceasefire entry (-want +got):\n%s", diff)
	}
	if n := len(b.Sections[0].Entries); n != 2 {
		t.Errorf("entries = %d, want 2", n)
	}
	for i, m := range Render(b) {
		if err := message.Validate(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		t.Log(message.Text(m))
	}
}
