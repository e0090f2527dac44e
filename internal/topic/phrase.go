package topic

import (
	"fmt"
	"strings"
	"unicode"
)

// maxGap is how many words a "~" in a phrase may skip: enough for "reach a ceasefire and
// hostage deal" to match "reach ~ deal", few enough that unrelated clauses do not join.
const maxGap = 4

// Tokenize lower-cases s and splits it into words, the unit every phrase matches against.
// Hyphens and slashes split words ("Israel-Hamas" is two words), apostrophes stay inside them
// ("didn't"), and the articles a/an/the are dropped so that phrases need not spell them out.
func Tokenize(s string) []string {
	s = strings.ToLower(s) // once per text: words are then substrings, not copies
	out := make([]string, 0, len(s)/6+1)
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.Trim(s[start:end], "'’")
		start = -1
		if w == "" || w == "a" || w == "an" || w == "the" {
			return
		}
		if strings.Contains(w, "’") {
			w = strings.ReplaceAll(w, "’", "'")
		}
		out = appendWord(out, w)
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || ((r == '\'' || r == '’') && start >= 0) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

// Phrase is a compiled match rule: words in order, where "word*" matches any word starting
// with "word", "word+" matches the word and its regular inflections ("end+" is end, ends,
// ended, ending, but not endeavour; "sign+" is not signal) and "~" skips up to four words.
// Rules are data so that topics and status cues live in configuration, not code.
type Phrase struct {
	Text  string
	words []string
}

// appendWord appends w to words, joining "cease" and "fire(s)" into one word: American outlets
// write "cease-fire", others "ceasefire", and a phrase's "cease fire" (or "ceasefire*") must
// match both. A phrase word may end in "*".
func appendWord(words []string, w string) []string {
	if n := len(words); n > 0 && words[n-1] == "cease" {
		if base := strings.TrimSuffix(w, "*"); base == "fire" || base == "fires" {
			words[n-1] = "cease" + w
			return words
		}
	}
	return append(words, w)
}

// CompilePhrase parses a rule such as "reach* ~ deal" or "cease fire".
func CompilePhrase(text string) (Phrase, error) {
	var words []string
	for _, f := range strings.Fields(text) {
		if f == "~" {
			if len(words) == 0 || words[len(words)-1] == "~" {
				return Phrase{}, fmt.Errorf("topic: phrase %q: misplaced ~", text)
			}
			words = append(words, f)
			continue
		}
		mark := ""
		if n := len(f) - 1; f[n] == '*' || f[n] == '+' {
			f, mark = f[:n], f[n:]
		}
		toks := Tokenize(f)
		if len(toks) == 0 {
			continue
		}
		toks[len(toks)-1] += mark
		for _, w := range toks {
			words = appendWord(words, w)
		}
	}
	if len(words) == 0 || words[len(words)-1] == "~" {
		return Phrase{}, fmt.Errorf("topic: phrase %q: no words", text)
	}
	return Phrase{Text: text, words: words}, nil
}

// CompilePhrases compiles every rule of texts.
func CompilePhrases(texts []string) ([]Phrase, error) {
	out := make([]Phrase, 0, len(texts))
	for _, t := range texts {
		p, err := CompilePhrase(t)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Hit is one match of a phrase: toks[Start:End], where the words skipped by "~" are those
// whose bit (i-Start) is set in Gaps (spans longer than 64 words never occur: gaps are short).
type Hit struct {
	Start, End int
	Gaps       uint64
}

// InGap reports whether toks[i] was skipped by a "~" of the match.
func (h Hit) InGap(i int) bool {
	d := i - h.Start
	return d >= 0 && d < 64 && h.Gaps&(1<<uint(d)) != 0
}

// Find returns the index of the first word of the first match of p in toks and the index just
// past it, or -1, -1.
func (p Phrase) Find(toks []string) (start, end int) {
	h, ok := p.Locate(toks, 0)
	if !ok {
		return -1, -1
	}
	return h.Start, h.End
}

// Locate returns the first match of p in toks starting at or after toks[from].
func (p Phrase) Locate(toks []string, from int) (Hit, bool) {
	if len(p.words) == 0 {
		return Hit{}, false
	}
	for i := max(from, 0); i < len(toks); i++ {
		if !wordMatch(p.words[0], toks[i]) {
			continue
		}
		if e, gaps := matchAt(p.words[1:], toks, i+1, 1); e >= 0 {
			return Hit{Start: i, End: e, Gaps: gaps}, true
		}
	}
	return Hit{}, false
}

// Fixed is the number of literal words of p: the more, the more specific the phrase.
func (p Phrase) Fixed() int {
	n := 0
	for _, w := range p.words {
		if w != "~" {
			n++
		}
	}
	return n
}

// matchAt matches words against toks from position i (offset off from the match start) and
// returns the end of the match and the gap bits, or -1.
func matchAt(words, toks []string, i, off int) (int, uint64) {
	if len(words) == 0 {
		return i, 0
	}
	if words[0] == "~" {
		var bits uint64
		for skip := 0; skip <= maxGap && i+skip <= len(toks); skip++ {
			if skip > 0 && off+skip-1 < 64 {
				bits |= 1 << uint(off+skip-1)
			}
			if e, g := matchAt(words[1:], toks, i+skip, off+skip); e >= 0 {
				return e, g | bits
			}
		}
		return -1, 0
	}
	if i >= len(toks) || !wordMatch(words[0], toks[i]) {
		return -1, 0
	}
	return matchAt(words[1:], toks, i+1, off+1)
}

func wordMatch(pat, tok string) bool {
	if n := len(pat) - 1; n >= 0 {
		switch pat[n] {
		case '*':
			return strings.HasPrefix(tok, pat[:n])
		case '+':
			return inflects(pat[:n], tok)
		}
	}
	return pat == tok
}

// inflects tells whether tok is base or one of its regular English inflections: -s, -es, -ed
// (-d after e), -ing (dropping a final e).
func inflects(base, tok string) bool {
	rest, ok := strings.CutPrefix(tok, base)
	if !ok {
		return strings.HasSuffix(base, "e") && tok == base[:len(base)-1]+"ing"
	}
	switch rest {
	case "", "s", "es", "ed", "ing":
		return true
	case "d":
		return strings.HasSuffix(base, "e")
	}
	return false
}

// AnyIn reports whether any of ps occurs in toks.
func AnyIn(ps []Phrase, toks []string) bool {
	for _, p := range ps {
		if s, _ := p.Find(toks); s >= 0 {
			return true
		}
	}
	return false
}

// First returns the phrase's first word and whether it is a prefix ("word*" or "word+", mark
// removed; a "word+" phrase is indexed as a prefix and checked for its inflections),
// so callers can index many phrases by the word they start with.
func (p Phrase) First() (word string, prefix bool) {
	if len(p.words) == 0 {
		return "", false
	}
	w := p.words[0]
	if n := len(w) - 1; w[n] == '*' || w[n] == '+' {
		return w[:n], true
	}
	return w, false
}

// At matches p at exactly toks[i].
func (p Phrase) At(toks []string, i int) (Hit, bool) {
	if len(p.words) == 0 || i < 0 || i >= len(toks) || !wordMatch(p.words[0], toks[i]) {
		return Hit{}, false
	}
	e, gaps := matchAt(p.words[1:], toks, i+1, 1)
	if e < 0 {
		return Hit{}, false
	}
	return Hit{Start: i, End: e, Gaps: gaps}, true
}
