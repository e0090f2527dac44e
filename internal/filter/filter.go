// Package filter compiles the story filters users type in Discord ("ceasefire -opinion
// title:/^live:/ NOT author:reuters") into matchers that also say which rule dropped a story,
// so "why was this not posted here?" has an answer that names the rule.
//
// Syntax, terms separated by spaces (or commas):
//
//	word              whole word, case-insensitive, in title, summary, categories or author
//	"two words"       a phrase (the words in a row)
//	/re2 regex/       an RE2 regular expression, case-insensitive (at most MaxRegexLen bytes)
//	field:ATOM        only in one field: title, summary, category, author
//	NOT ATOM, -ATOM   the story must not match ATOM
//
// A story passes when it matches no NOT term and, if there are other terms, at least one of
// them: the include/exclude lists Herald always had, plus phrases, regexes and fields.
package filter

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/story"
)

// Limits keep a filter cheap to evaluate on every story of every poll and short enough to
// show in Discord: a filter is typed in a slash-command option and echoed in replies.
const (
	MaxLen      = 1000 // bytes of the whole filter
	MaxTerms    = 25
	MaxRegexLen = 200 // bytes of one regex
	// MaxRegexProg bounds a regex's compiled program: RE2 runs in time linear in the text,
	// times this size, so the bound is what keeps a hostile pattern harmless.
	MaxRegexProg = 2000
)

// ErrSyntax is wrapped by every error Compile returns.
var ErrSyntax = errors.New("filter: invalid filter")

// Field is where a term looks.
type Field string

// Fields a term may name; FieldAny looks in all of them.
const (
	FieldAny      Field = ""
	FieldTitle    Field = "title"
	FieldSummary  Field = "summary"
	FieldCategory Field = "category"
	FieldAuthor   Field = "author"
)

var fieldNames = map[string]Field{
	"title": FieldTitle, "summary": FieldSummary, "category": FieldCategory,
	"categories": FieldCategory, "author": FieldAuthor,
}

// Filter is a compiled filter; the zero value and nil pass every story.
type Filter struct {
	terms []term
}

type term struct {
	not   bool
	field Field
	words []string       // a word or phrase, normalised like story.Words
	re    *regexp.Regexp // or a regex
	src   string         // the term as the user should see it
}

// Compile parses spec. An empty spec compiles to a filter that passes everything.
func Compile(spec string) (*Filter, error) {
	if len(spec) > MaxLen {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrSyntax, len(spec), MaxLen)
	}
	if !utf8.ValidString(spec) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrSyntax)
	}
	p := parser{src: spec}
	f := &Filter{}
	for {
		t, ok, err := p.term()
		if err != nil {
			return nil, err
		}
		if !ok {
			return f, nil
		}
		if len(f.terms) == MaxTerms {
			return nil, fmt.Errorf("%w: more than %d terms", ErrSyntax, MaxTerms)
		}
		f.terms = append(f.terms, t)
	}
}

// FromKeywords is the filter equivalent to a subscription's include and exclude word lists,
// so subscriptions made before filters existed read the same in replies and editors.
func FromKeywords(include, exclude []string) string {
	var parts []string
	for _, w := range include {
		parts = append(parts, quoteIfNeeded(w))
	}
	for _, w := range exclude {
		parts = append(parts, "-"+quoteIfNeeded(w))
	}
	return strings.Join(parts, " ")
}

func quoteIfNeeded(w string) string {
	words := story.Words(w)
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return `"` + strings.Join(words, " ") + `"`
}

// Empty reports whether the filter passes every story.
func (f *Filter) Empty() bool { return f == nil || len(f.terms) == 0 }

// String is the filter in canonical form (one space between terms), as replies show it.
func (f *Filter) String() string {
	if f.Empty() {
		return ""
	}
	parts := make([]string, len(f.terms))
	for i, t := range f.terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

func (t term) String() string {
	s := t.src
	if t.field != FieldAny {
		s = string(t.field) + ":" + s
	}
	if t.not {
		s = "NOT " + s
	}
	return s
}

// Match reports whether s passes the filter.
func (f *Filter) Match(s story.Story) bool {
	ok, _ := f.Explain(s)
	return ok
}

// Explain reports whether s passes and, when it does not, the rule that dropped it, in words
// for a Discord reply: `excluded by NOT title:"live blog"` or `matches none of: ceasefire, truce`.
func (f *Filter) Explain(s story.Story) (ok bool, why string) {
	if f.Empty() {
		return true, ""
	}
	txt := newText(s)
	var wanted []string
	matchedWanted := false
	for _, t := range f.terms {
		hit := t.match(txt)
		switch {
		case t.not && hit:
			return false, "excluded by " + t.String()
		case !t.not:
			wanted = append(wanted, t.String())
			matchedWanted = matchedWanted || hit
		}
	}
	if len(wanted) == 0 || matchedWanted {
		return true, ""
	}
	return false, "matches none of: " + strings.Join(wanted, ", ")
}

func (t term) match(txt *text) bool {
	fields := []Field{t.field}
	if t.field == FieldAny {
		fields = []Field{FieldTitle, FieldSummary, FieldCategory, FieldAuthor}
	}
	for _, fl := range fields {
		if t.re != nil {
			if t.re.MatchString(txt.raw(fl)) {
				return true
			}
			continue
		}
		if txt.has(fl, t.words) {
			return true
		}
	}
	return false
}

// text is a story's fields, split into words once per story and filter.
type text struct {
	s     story.Story
	words map[Field]string // " w1 w2 … " per field, for phrase and word lookups
}

func newText(s story.Story) *text { return &text{s: s, words: map[Field]string{}} }

func (t *text) raw(f Field) string {
	switch f {
	case FieldTitle:
		return t.s.Title
	case FieldSummary:
		return t.s.Summary
	case FieldCategory:
		return strings.Join(t.s.Categories, "\n")
	case FieldAuthor:
		return t.s.Author
	}
	return ""
}

func (t *text) has(f Field, words []string) bool {
	w, ok := t.words[f]
	if !ok {
		if f == FieldCategory {
			// Each category on its own, so a phrase never spans two of them.
			var parts []string
			for _, c := range t.s.Categories {
				parts = append(parts, strings.Join(story.Words(c), " "))
			}
			w = " " + strings.Join(parts, " \x00 ") + " "
		} else {
			w = " " + strings.Join(story.Words(t.raw(f)), " ") + " "
		}
		t.words[f] = w
	}
	return strings.Contains(w, " "+strings.Join(words, " ")+" ")
}

// compileRegex compiles a user's regex case-insensitively within the size limits.
func compileRegex(pat string) (*regexp.Regexp, error) {
	if len(pat) > MaxRegexLen {
		return nil, fmt.Errorf("%w: regex /%s/ is %d characters, at most %d", ErrSyntax, pat, len(pat), MaxRegexLen)
	}
	re, err := syntax.Parse(pat, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil, fmt.Errorf("%w: regex /%s/: %s", ErrSyntax, pat, syntaxReason(err))
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil || len(prog.Inst) > MaxRegexProg {
		return nil, fmt.Errorf("%w: regex /%s/ is too complex (repeat counts too large)", ErrSyntax, pat)
	}
	out, err := regexp.Compile("(?i)" + pat)
	if err != nil {
		return nil, fmt.Errorf("%w: regex /%s/: %s", ErrSyntax, pat, syntaxReason(err))
	}
	return out, nil
}

// syntaxReason drops the package prefix of regexp/syntax errors ("error parsing regexp: ").
func syntaxReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code) + " " + "`" + se.Expr + "`"
	}
	return err.Error()
}
