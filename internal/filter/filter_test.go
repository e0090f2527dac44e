package filter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/filter"
	"github.com/heraldbot/herald/internal/story"
)

var ceasefire = story.Story{
	Title:      "Ceasefire holds in Gaza Strip as talks resume",
	Summary:    "Negotiators met in Cairo. A live blog follows the U.S. position.",
	Categories: []string{"Middle East", "Politics"},
	Author:     "Jane Doe (Reuters)",
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec string
		ok         bool
		why        string
	}{
		{name: "empty passes", spec: "", ok: true},
		{name: "word anywhere", spec: "cairo", ok: true},
		{name: "word is whole word", spec: "cair", ok: false, why: "matches none of: cair"},
		{name: "case-insensitive", spec: "CEASEFIRE", ok: true},
		{name: "any of several", spec: "truce, ceasefire", ok: true},
		{name: "phrase", spec: `"gaza strip"`, ok: true},
		{name: "phrase in order only", spec: `"strip gaza"`, ok: false, why: `matches none of: "strip gaza"`},
		{name: "dotted word is a phrase", spec: "u.s.", ok: true},
		{name: "field title", spec: "title:cairo", ok: false, why: "matches none of: title:cairo"},
		{name: "field summary", spec: "summary:cairo", ok: true},
		{name: "field author", spec: "author:reuters", ok: true},
		{name: "field category phrase", spec: `category:"middle east"`, ok: true},
		{name: "category phrase never spans two", spec: `category:"east politics"`, ok: false, why: `matches none of: category:"east politics"`},
		{name: "NOT drops", spec: `ceasefire NOT "live blog"`, ok: false, why: `excluded by NOT "live blog"`},
		{name: "minus drops", spec: `-author:reuters`, ok: false, why: "excluded by NOT author:reuters"},
		{name: "NOT alone passes others", spec: `NOT opinion`, ok: true},
		{name: "regex", spec: `title:/^ceasefire\s+holds/`, ok: true},
		{name: "regex case-insensitive", spec: `/GAZA/`, ok: true},
		{name: "regex with escaped slash", spec: `/a\/b|cairo/`, ok: true},
		{name: "NOT regex", spec: `NOT summary:/live\s+blog/`, ok: false, why: `excluded by NOT summary:/live\s+blog/`},
		{name: "unknown field is a word", spec: "http://example.com", ok: false, why: `matches none of: "http example com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := filter.Compile(tt.spec)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.spec, err)
			}
			ok, why := f.Explain(ceasefire)
			if ok != tt.ok || why != tt.why {
				t.Errorf("Explain = %v, %q; want %v, %q", ok, why, tt.ok, tt.why)
			}
			if f.Match(ceasefire) != tt.ok {
				t.Errorf("Match disagrees with Explain")
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, spec, want string }{
		{name: "unclosed phrase", spec: `"gaza strip`, want: "phrase at 1 has no closing"},
		{name: "unclosed regex", spec: `title:/abc`, want: "regex at 7 has no closing"},
		{name: "bad regex", spec: `/a(b/`, want: "missing closing )"},
		{name: "no letters", spec: `ceasefire "!!"`, want: "has no letters or digits"},
		{name: "text after close", spec: `"a"b`, want: "put a space after the closing"},
		{name: "huge repeat", spec: `/(a{1000}){1000}/`, want: "regex"},
		{name: "long regex", spec: "/" + strings.Repeat("a", filter.MaxRegexLen+1) + "/", want: "at most 200"},
		{name: "too long", spec: strings.Repeat("a ", filter.MaxLen), want: "at most 1000"},
		{name: "too many terms", spec: strings.Repeat("w ", filter.MaxTerms+1), want: "more than 25 terms"},
		{name: "nothing after field", spec: "title:", want: "nothing after"},
		{name: "invalid utf8", spec: "\xff", want: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := filter.Compile(tt.spec)
			if !errors.Is(err, filter.ErrSyntax) {
				t.Fatalf("Compile(%q) = %v, want ErrSyntax", tt.spec, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestStringCanonical(t *testing.T) {
	t.Parallel()
	f, err := filter.Compile(`  Ceasefire,TRUCE  -"Live  Blog" NOT Title:/a\/b/ categories:"Middle-East"`)
	if err != nil {
		t.Fatal(err)
	}
	want := `ceasefire truce NOT "live blog" NOT title:/a\/b/ category:"middle east"`
	if diff := cmp.Diff(want, f.String()); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

func TestFromKeywordsAgreesWithMatchesKeywords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		include, exclude []string
	}{
		{name: "none"},
		{name: "include hit", include: []string{"cairo"}},
		{name: "include miss", include: []string{"beirut"}},
		{name: "phrase include", include: []string{"Gaza Strip"}},
		{name: "exclude hit", include: []string{"gaza"}, exclude: []string{"live blog"}},
		{name: "exclude miss", exclude: []string{"opinion"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := filter.Compile(filter.FromKeywords(tt.include, tt.exclude))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := f.Match(ceasefire), story.MatchesKeywords(ceasefire, tt.include, tt.exclude); got != want {
				t.Errorf("filter %q: Match = %v, MatchesKeywords = %v", f, got, want)
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	f, err := filter.Compile(`ceasefire truce "gaza strip" NOT "live blog" title:/^(breaking|live):/ -author:opinion`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f.Match(ceasefire)
	}
}
