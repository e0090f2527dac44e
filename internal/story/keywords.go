package story

import (
	"strings"
	"unicode"
)

// MatchesKeywords applies a feed subscription's include/exclude words (case-insensitive, whole
// words) to a story's title, summary and categories. Live posts and the /subscribe preview
// both use it, so the preview shows what will be posted.
func MatchesKeywords(s Story, include, exclude []string) bool {
	fields := strings.Fields(normaliseWords(s.Title + "\n" + s.Summary + "\n" + strings.Join(s.Categories, "\n")))
	words := make(map[string]bool, len(fields))
	for _, w := range fields {
		words[w] = true
	}
	// Phrases match on the words joined by single spaces, so "Gaza (Strip)" or a double space
	// still contains "gaza strip". Title, summary and categories are separated by a newline
	// before normalising, which only means a phrase may span them: harmless for a filter.
	text := " " + strings.Join(fields, " ") + " "
	has := func(kw string) bool {
		kwWords := strings.Fields(normaliseWords(kw))
		if len(kwWords) == 0 {
			return false
		}
		if len(kwWords) == 1 {
			return words[kwWords[0]]
		}
		return strings.Contains(text, " "+strings.Join(kwWords, " ")+" ")
	}
	for _, kw := range exclude {
		if has(kw) {
			return false
		}
	}
	if len(include) == 0 {
		return true
	}
	for _, kw := range include {
		if has(kw) {
			return true
		}
	}
	return false
}

// normaliseWords lower-cases and turns every non-letter, non-digit into a space; apostrophes
// vanish ("didn't" → "didnt") and articles stay.
//
// It is kept apart from topic.Tokenize (which keeps apostrophes inside words and drops a/an/the)
// on purpose: its output is part of every story's title alias (Aliases), a key stored with
// each channel's seen marks, so tokenizing differently would give stories already posted new
// aliases and post them again after an upgrade; and subscribers' include/exclude words were
// written against it (with articles dropped, a keyword "the hague" would match every "hague").
// Merging the two would change which stories are posted, not only how text is split.
func normaliseWords(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 32
		case r == '\'' || r == '’':
			return -1
		case r < 128 && !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			return ' '
		}
		return unicodeLower(r)
	}, s)
}

func unicodeLower(r rune) rune {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return unicode.ToLower(r)
	}
	return ' '
}

// Aliases are the other keys under which a channel remembers a story it was shown: its
// canonical link, and its outlet and title. The same article under a changed GUID, or from a
// second subscribed feed, has a new ID but the same aliases, so it is not posted again.
func (s Story) Aliases() []string {
	var out []string
	if l := strings.TrimSpace(s.Link); l != "" {
		out = append(out, "link:"+NewID("link", l))
	}
	if t := strings.Join(strings.Fields(normaliseWords(s.Title)), " "); t != "" {
		out = append(out, "title:"+NewID(strings.ToLower(strings.TrimSpace(s.Source)), t))
	}
	return out
}

// Words splits s into the lower-cased words MatchesKeywords compares (letters and digits;
// apostrophes dropped), so other filters match words exactly as keyword filters do.
func Words(s string) []string { return strings.Fields(normaliseWords(s)) }
