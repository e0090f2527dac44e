package story

import (
	"strings"
	"testing"
)

func TestMatchesKeywords(t *testing.T) {
	tests := []struct {
		name             string
		title            string
		include, exclude []string
		want             bool
	}{
		{"no filters", "Anything", nil, nil, true},
		{"include whole word, case-insensitive", "CEASEFIRE holds", []string{"ceasefire"}, nil, true},
		{"include is not a substring match", "Ceasefires elsewhere", []string{"ceasefire"}, nil, false},
		{"punctuation separates words", "Talks: ceasefire, finally!", []string{"ceasefire"}, nil, true},
		{"phrase", "Aid enters the Gaza Strip", []string{"gaza strip"}, nil, true},
		{"phrase needs adjacent words", "Gaza aid convoy reaches the strip", []string{"gaza strip"}, nil, false},
		{"exclude wins", "Opinion: ceasefire", []string{"ceasefire"}, []string{"opinion"}, false},
		{"exclude alone", "Opinion: anything", nil, []string{"OPINION"}, false},
		{"unicode letters", "Zürich votes on tram fares", []string{"zürich"}, nil, true},
		{"apostrophes dropped", "Israel's cabinet meets", []string{"israels"}, nil, true},
		{"phrase across punctuation", "Aid reaches Gaza (Strip) north", []string{"gaza strip"}, nil, true},
		{"phrase with curly quotes", "Zürich’s ‘tram’ fares", []string{"zürichs tram fares"}, nil, true},
		{"category counts", "Budget passes", []string{"politics"}, nil, true},
		{"blank keyword matches nothing", "Anything", []string{"  "}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Story{Title: tc.title, Categories: []string{"Politics"}}
			if got := MatchesKeywords(s, tc.include, tc.exclude); got != tc.want {
				t.Errorf("MatchesKeywords(%q, %q, %q) = %v, want %v", tc.title, tc.include, tc.exclude, got, tc.want)
			}
		})
	}
}

func FuzzMatchesKeywords(f *testing.F) {
	f.Add("Ceasefire holds in Gaza", "ceasefire", "opinion")
	f.Add("Zürich’s ‘tram’ fares", "zürich", "")
	f.Fuzz(func(t *testing.T, title, include, exclude string) {
		s := Story{Title: title}
		got := MatchesKeywords(s, []string{include}, []string{exclude})
		if got && strings.TrimSpace(normaliseWords(include)) == "" {
			t.Errorf("a blank include %q matched %q", include, title)
		}
		if MatchesKeywords(s, nil, []string{title}) && strings.TrimSpace(normaliseWords(title)) != "" {
			t.Errorf("a story matching its own title as exclude was kept: %q", title)
		}
	})
}
