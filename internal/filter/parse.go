package filter

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/heraldbot/herald/internal/story"
)

// parser reads terms from src left to right.
type parser struct {
	src string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != ' ' && c != ',' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		p.pos++
	}
}

// term reads the next term; ok is false at the end of the input.
func (p *parser) term() (t term, ok bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return term{}, false, nil
	}
	start := p.pos
	t.not = p.negation()
	t.field = p.field()
	if err := p.atom(&t); err != nil {
		return term{}, false, err
	}
	if t.re == nil && len(t.words) == 0 {
		return term{}, false, fmt.Errorf("%w: %q at %d has no letters or digits to match", ErrSyntax, p.src[start:p.pos], start+1)
	}
	return t, true, nil
}

// negation consumes "NOT " or "-".
func (p *parser) negation() bool {
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "-") && len(rest) > 1:
		p.pos++
		return true
	case len(rest) > 4 && rest[:3] == "NOT" && (rest[3] == ' ' || rest[3] == '\t'):
		p.pos += 4
		p.skipSpace()
		return true
	}
	return false
}

// field consumes "name:" when name is a known field; anything else is left for the atom.
func (p *parser) field() Field {
	rest := p.src[p.pos:]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return FieldAny
	}
	f, ok := fieldNames[strings.ToLower(rest[:i])]
	if !ok {
		return FieldAny
	}
	p.pos += i + 1
	return f
}

func (p *parser) atom(t *term) error {
	if p.pos >= len(p.src) {
		return fmt.Errorf("%w: nothing after %q", ErrSyntax, p.src)
	}
	switch p.src[p.pos] {
	case '"':
		body, err := p.delimited('"', "phrase")
		if err != nil {
			return err
		}
		t.words = story.Words(body)
		t.src = `"` + strings.Join(t.words, " ") + `"`
		return nil
	case '/':
		body, err := p.delimited('/', "regex")
		if err != nil {
			return err
		}
		re, err := compileRegex(body)
		if err != nil {
			return err
		}
		t.re, t.src = re, "/"+strings.ReplaceAll(body, "/", `\/`)+"/"
		return nil
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(" ,\t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
	t.words = story.Words(p.src[start:p.pos])
	if len(t.words) > 1 {
		// "U.S." or "co-op" are one word to the user: match them as the phrase they split into.
		t.src = `"` + strings.Join(t.words, " ") + `"`
	} else if len(t.words) == 1 {
		t.src = t.words[0]
	}
	return nil
}

// delimited reads text between two delim bytes; a backslash escapes the delimiter in regexes.
func (p *parser) delimited(delim byte, what string) (string, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && delim == '/' && p.pos+1 < len(p.src):
			// \/ is a slash inside the regex; any other escape is the regex's own.
			if p.src[p.pos+1] != '/' {
				b.WriteByte(c)
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
			continue
		case c == delim:
			p.pos++
			if p.pos < len(p.src) && !isSeparator(rune(p.src[p.pos])) {
				return "", fmt.Errorf("%w: %s at %d: put a space after the closing %c", ErrSyntax, what, open+1, delim)
			}
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", fmt.Errorf("%w: %s at %d has no closing %c", ErrSyntax, what, open+1, delim)
}

func isSeparator(r rune) bool { return r == ',' || unicode.IsSpace(r) }
