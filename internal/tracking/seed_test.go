package tracking

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// fetchSeed serves testdata/seed_feed.xml (the Cairo article among unrelated news) over HTTP
// and returns its items normalised and tagged as ingest would, plus the parsed feed.
func fetchSeed(t *testing.T, now time.Time) ([]story.Story, *gofeed.Feed, *topic.Matcher) {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fd, err := gofeed.NewParser().ParseURLWithContext(srv.URL+"/seed_feed.xml", ctx)
	if err != nil {
		t.Fatalf("parse seed feed: %v", err)
	}
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatalf("NewMatcher: %v", err)
	}
	stories := story.FromFeed(story.Source{FeedURL: srv.URL + "/seed_feed.xml", Name: "Asian News Makers"}, fd, now)
	for i := range stories {
		stories[i].Topics = m.Tags(stories[i])
	}
	return stories, fd, m
}

// TestSeedArticle is the product's acceptance test: the Cairo talks article, served among
// unrelated news (one of them the Hezbollah exchange), reads as No agreement.
func TestSeedArticle(t *testing.T) {
	now := time.Date(2024, 8, 26, 9, 0, 0, 0, time.UTC)
	stories, fd, m := fetchSeed(t, now)
	cfg, _ := m.Get("ceasefire")

	var tagged []string
	for _, s := range stories {
		if s.HasTopic("ceasefire") {
			tagged = append(tagged, s.Title)
		}
	}
	if len(tagged) != 1 || !strings.Contains(tagged[0], "Cairo") {
		t.Fatalf("tagged %q, want only the Cairo article", tagged)
	}

	t.Run("as stored by FromFeed", func(t *testing.T) {
		st := Assess(cfg, stories, now, 0)
		t.Logf("label=%q sentence=%q", st.Label, st.Sentence)
		if st.Label != LabelNoDeal {
			t.Fatalf("label %q, want %q", st.Label, LabelNoDeal)
		}
		if st.Reports != 1 || st.Outlets != 1 || len(st.Evidence) == 0 {
			t.Errorf("reports=%d outlets=%d evidence=%v, want 1, 1, the article", st.Reports, st.Outlets, st.Evidence)
		}
		low := strings.ToLower(st.Sentence)
		if !strings.Contains(low, "lower level") || !strings.Contains(low, "continue") {
			t.Errorf("sentence %q does not say the talks continue at a lower level", st.Sentence)
		}
	})

	// With the article's whole text (beyond story.MaxSummaryRunes) the answer must be the same:
	// the Hezbollah passage further down must not change the label.
	t.Run("with the full article text", func(t *testing.T) {
		full := stories
		for i := range full {
			if full[i].HasTopic("ceasefire") {
				full[i].Summary = story.PlainText(fd.Items[i].Content)
			}
		}
		st := Assess(cfg, full, now, 0)
		t.Logf("label=%q sentence=%q", st.Label, st.Sentence)
		if st.Label != LabelNoDeal {
			t.Fatalf("label %q, want %q", st.Label, LabelNoDeal)
		}
		low := strings.ToLower(st.Sentence)
		if !strings.Contains(low, "lower level") || !strings.Contains(low, "continue") {
			t.Errorf("sentence %q does not say the talks continue at a lower level", st.Sentence)
		}
		if !strings.Contains(low, "without") {
			t.Errorf("sentence %q does not say the talks ended without a deal", st.Sentence)
		}
	})
}
