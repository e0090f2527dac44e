package story

import (
	"strings"
	"testing"
)

// simpleHTMLCases are tag shapes whose end the fast path must find exactly where the
// tokenizer does, and shapes it must leave to the tokenizer.
var simpleHTMLCases = []struct {
	name   string
	in     string
	simple bool // the fast path handles it
}{
	{"paragraphs", "<p>Hello <b>bold</b> world</p><p>next</p>", true},
	{"attributes", `<a href="https://x/?a=1&amp;b=2" title='it''s > here' data-x=y>link</a> after`, true},
	{"quoted gt", `<img alt="a > b" src=x.jpg>caption`, true},
	{"unquoted slash", `<p a=/>text</p>`, true},
	{"self closing", "one<br/>two<br />three<hr/>", true},
	{"upper case", "<P CLASS=x>Hi</P><BR>", true},
	{"leading equals key", `<p =x>t</p>`, true},
	{"odd keys", `<a "x' y=>t</a><b /c>u</b>`, true},
	{"space before equals", `<a href = "x" >t</a>`, true},
	{"entities", "Tom &amp; Jerry&nbsp;&#8212; &lt;3", true},
	{"carriage returns", "a\r\nb\rc<p>d\r</p>", true},
	{"lt as text", "3 <4 and a<<b>x</b> <", true},
	{"end tag attributes", "<p>x</p class=y>z", true},
	{"nul in text and name", "a\x00b<p\x00>c", true},
	{"long name", "<averyveryverylongtagname>x</averyveryverylongtagname>", true},
	{"comment", "a<!-- hidden -->b", false},
	{"doctype", "<!DOCTYPE html>x", false},
	{"processing instruction", "<?xml x?>y", false},
	{"empty end tag", "a</>b", false},
	{"bogus end tag", "a</ p>b", false},
	{"script", "a<script>var x = '<b>';</script>b", false},
	{"style upper", "a<STYLE>p{}</STYLE>b", false},
	{"title", "<title>x<b>y</b></title>", false},
	{"textarea", "<textarea><p>z</p></textarea>", false},
	{"stray end script", "a</script>b", false},
	{"svg", "<svg><text>x</text></svg>y", false},
	{"cut in name", "text <p", false},
	{"cut in attribute", `text <a href="x`, false},
	{"cut after equals", "text <a href=", false},
	{"end tag cut", "a</", false},
}

func TestStripSimpleTags(t *testing.T) {
	for _, tc := range simpleHTMLCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := stripSimpleTags(tc.in)
			if ok != tc.simple {
				t.Fatalf("stripSimpleTags(%q) ok = %v, want %v", tc.in, ok, tc.simple)
			}
			if want := refStripTags(tc.in); ok && got != want {
				t.Errorf("stripSimpleTags(%q) = %q, tokenizer %q", tc.in, got, want)
			}
		})
	}
}

func FuzzStripSimpleTags(f *testing.F) {
	for _, tc := range simpleHTMLCases {
		f.Add(tc.in)
	}
	f.Add(strings.Repeat(`<div class="a"><p>x &amp; y</p></div>`, 5))
	f.Fuzz(func(t *testing.T, in string) {
		if got, ok := stripSimpleTags(in); ok {
			if want := refStripTags(in); got != want {
				t.Errorf("stripSimpleTags(%q) = %q, tokenizer %q", in, got, want)
			}
		}
	})
}
