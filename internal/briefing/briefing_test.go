package briefing

import (
	"fmt"
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

// flat lists each entry as "section: headline", in rendering order.
func flat(b Briefing) []string {
	var out []string
	for _, s := range b.Sections {
		for _, e := range s.Entries {
			out = append(out, s.Title+": "+e.Headline)
		}
	}
	return out
}

func withTopic(s story.Story, topics ...string) story.Story {
	s.Topics = topics
	return s
}

func TestBuildRanksAndGroups(t *testing.T) {
	titles := map[string]string{"mideast": "Middle East", "markets": "Markets"}
	tests := []struct {
		name  string
		in    []story.Story
		opts  Options
		want  []string
		wantN int // member stories
	}{
		{
			name: "newer first",
			in:   []story.Story{st("a", "AP", "Wildfire forces evacuations in California", 5*time.Hour), st("b", "AP", "Nikkei rebounds after record rout", time.Hour)},
			want: []string{"Top stories: Nikkei rebounds after record rout", "Top stories: Wildfire forces evacuations in California"},
		},
		{
			name: "more outlets outrank a newer single report",
			in: []story.Story{
				st("n", "AP", "Typhoon Shanshan makes landfall in Japan", 2*time.Hour),
				st("p1", "Reuters", "Powell says time has come for Fed to cut rates", 4*time.Hour),
				st("p2", "CNBC", "Powell says the time has come for the Fed to cut rates", 4*time.Hour),
				st("p3", "Bloomberg", "Powell Says Time Has Come for Fed to Cut Rates", 4*time.Hour),
			},
			want: []string{"Top stories: Powell says time has come for Fed to cut rates", "Top stories: Typhoon Shanshan makes landfall in Japan"},
		},
		{
			name: "topic match outranks a newer untopical story and sections follow rank",
			in: []story.Story{
				st("x", "AP", "Paralympics open in Paris", time.Hour),
				withTopic(st("y", "AP", "Gaza ceasefire talks resume in Cairo", 3*time.Hour), "mideast"),
				withTopic(st("z", "AP", "Nikkei rebounds after record rout", 20*time.Hour), "markets"),
			},
			opts: Options{TopicTitles: titles},
			want: []string{"Middle East: Gaza ceasefire talks resume in Cairo", "Top stories: Paralympics open in Paris", "Markets: Nikkei rebounds after record rout"},
		},
		{
			name: "unknown topic shows its id",
			in:   []story.Story{withTopic(st("y", "AP", "Starliner crew to return on SpaceX", time.Hour), "space")},
			opts: Options{TopicTitles: titles},
			want: []string{"space: Starliner crew to return on SpaceX"},
		},
		{
			name: "max entries keeps the best",
			in: []story.Story{
				st("a", "AP", "Wildfire forces evacuations in California", 5*time.Hour),
				st("b", "AP", "Nikkei rebounds after record rout", time.Hour),
				st("c", "AP", "Paralympics open in Paris", 3*time.Hour),
			},
			opts: Options{MaxEntries: 2},
			want: []string{"Top stories: Nikkei rebounds after record rout", "Top stories: Paralympics open in Paris"},
		},
		{
			name:  "repeated story ids count once",
			in:    []story.Story{st("a", "AP", "Paralympics open in Paris", time.Hour), st("a", "AP", "Paralympics open in Paris", time.Hour)},
			want:  []string{"Top stories: Paralympics open in Paris"},
			wantN: 1,
		},
		{name: "no candidates", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Now = fixedNow
			b := Build(tt.in, opts)
			if diff := cmp.Diff(tt.want, flat(b)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if tt.wantN > 0 && len(b.StoryIDs()) != tt.wantN {
				t.Errorf("StoryIDs = %v, want %d ids", b.StoryIDs(), tt.wantN)
			}
		})
	}
}

func TestBuildDefaultsAndStoryIDs(t *testing.T) {
	var in []story.Story
	distinct := distinctHeadlines()
	for i := range 14 {
		in = append(in, st(fmt.Sprintf("s%02d", i), "AP", distinct[i], time.Duration(i)*time.Hour))
	}
	in = append(in, st("dup", "Reuters", distinct[0]+" - Reuters", 0))
	b := Build(in, Options{Now: fixedNow, StatusLines: []string{"Ceasefire: talks ongoing"}})
	if b.Title != "Your briefing" || len(b.StatusLines) != 1 || !b.Now.Equal(now0) {
		t.Errorf("defaults: title %q, status %v, now %v", b.Title, b.StatusLines, b.Now)
	}
	if n := len(flat(b)); n != DefaultMaxEntries {
		t.Errorf("entries = %d, want %d", n, DefaultMaxEntries)
	}
	ids := b.StoryIDs()
	want := []string{"s00", "dup"}
	if diff := cmp.Diff(want, ids[:2]); diff != "" {
		t.Errorf("first entry's story ids (-want +got):\n%s", diff)
	}
	if len(ids) != DefaultMaxEntries+1 {
		t.Errorf("StoryIDs has %d ids, want %d", len(ids), DefaultMaxEntries+1)
	}
}

// distinctHeadlines are headlines of unrelated events.
func distinctHeadlines() []string {
	return []string{
		"Telegram founder Pavel Durov arrested at French airport",
		"Typhoon Shanshan makes landfall in southern Japan",
		"Nvidia shares fall despite record revenue",
		"Paralympics open in Paris with ceremony on the Champs-Elysees",
		"Bank of England cuts interest rates to 5%",
		"Sweden reports first case of new mpox strain",
		"Harris picks Minnesota Gov. Tim Walz as running mate",
		"Google unveils Pixel 9 phones",
		"Hurricane Ernesto makes landfall in Bermuda",
		"Canada's railways lock out workers",
		"Alain Delon, French film legend, dies at 88",
		"Greek firefighters battle wildfire near Athens",
		"Thai court dismisses Prime Minister Srettha Thavisin",
		"Apple sets September 9 date for iPhone 16 event",
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		name string
		ago  time.Duration
		want string
	}{
		{"seconds", 30 * time.Second, "just now"},
		{"future clamps", -time.Hour, "just now"},
		{"minutes", 5 * time.Minute, "5m ago"},
		{"hours", 3*time.Hour + 59*time.Minute, "3h ago"},
		{"47 hours", 47 * time.Hour, "47h ago"},
		{"days", 72 * time.Hour, "3d ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Age(now0, now0.Add(-tt.ago)); got != tt.want {
				t.Errorf("Age = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Age(now0, time.Time{}); got != "" {
		t.Errorf("Age(zero) = %q, want empty", got)
	}
}
