package filter_test

import (
	"testing"

	"github.com/heraldbot/herald/internal/filter"
	"github.com/heraldbot/herald/internal/story"
)

// FuzzCompile: no input panics the compiler or the matcher, every accepted filter is within
// the limits, and its canonical form compiles to itself (what replies show can be pasted back).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"", "ceasefire", `"gaza strip" -opinion`, `NOT title:/^live:/`, `/a\/b/ author:x`,
		`category:"middle east", truce`, `/(a{1000}){1000}/`, `-`, `NOT `, `title:`, `"`, `/`,
		`/\\/`, `-"a" NOT -b`, "a\x00b", "ünïcode «quoted»",
	} {
		f.Add(s, "Title", "summary text", "Author")
	}
	f.Fuzz(func(t *testing.T, spec, title, summary, author string) {
		flt, err := filter.Compile(spec)
		if err != nil {
			return
		}
		canon := flt.String()
		if len(canon) > 3*filter.MaxLen {
			t.Fatalf("canonical form of %q is %d bytes", spec, len(canon))
		}
		again, err := filter.Compile(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not compile: %v", canon, spec, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q → %q", canon, again.String())
		}
		s := story.Story{Title: title, Summary: summary, Author: author, Categories: []string{title, author}}
		ok, why := flt.Explain(s)
		if ok == (why != "") {
			t.Fatalf("Explain(%q) = %v, %q: a drop must name its rule, a pass must not", spec, ok, why)
		}
		if again.Match(s) != ok {
			t.Fatalf("canonical %q decides differently from %q", canon, spec)
		}
	})
}
