package tracking

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/topic"
)

// A short truce of stated length ("a three-day ceasefire", "a 36-hour truce") ends when its
// term runs out, whether or not a feed reports the end. The status reads such a truce as over
// once its term and expiryGrace have passed with no report since that it holds or was
// extended. Longer truces ("a six-week first phase") often outlast their term while the
// parties talk, and are left to reports of their end.
const (
	minTerm     = 12 * time.Hour
	maxTerm     = 7 * 24 * time.Hour
	expiryGrace = 24 * time.Hour
)

// numberWords are the spelled-out numbers headlines use for a truce's length, each at its
// value's index.
var numberWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve"}

// termUnits are the units of a truce's length.
var termUnits = map[string]time.Duration{"hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour,
	"days": 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour}

// truceWords name what a length can be the length of.
var truceWords = []string{"ceasefire", "ceasefires", "cease", "truce", "truces", "pause", "pauses", "lull",
	"halt", "armistice", "extension"}

// lengthOf are the words after a length that make it something else's ("five days of
// fighting").
var lengthOf = []string{"of", "after", "since", "in", "into", "on", "to"}

// truceTerm returns the short length a headline (its words, topic.Tokenize) states for a
// truce ("three-day ceasefire", "extended by 48 hours", "pause fighting for four days"; the
// longest between minTerm and maxTerm, 0 when none) and whether it speaks of an extension.
// "After five days of fighting" is the fighting's length, not the truce's.
func truceTerm(toks []string) (length time.Duration, extended bool) {
	truce := false // the headline names a truce or an extension
	for _, w := range toks {
		ext := strings.HasPrefix(w, "extend") || strings.HasPrefix(w, "extension")
		extended = extended || ext
		truce = truce || ext || slices.Contains(truceWords, w)
	}
	if !truce {
		return 0, false
	}
	for i := range toks {
		if d, ok := truceLengthAt(toks, i); ok && d >= minTerm && d <= maxTerm {
			length = max(length, d)
		}
	}
	return length, extended
}

// truceLengthAt is the length whose unit is toks[i] when it is a truce's ("four-hour pauses").
func truceLengthAt(toks []string, i int) (time.Duration, bool) {
	unit, ok := termUnits[toks[i]]
	if !ok || i == 0 || !ofTruce(toks, i) {
		return 0, false
	}
	n := slices.Index(numberWords, toks[i-1])
	if n < 0 {
		if n, ok = atoiSmall(toks[i-1]); !ok {
			return 0, false
		}
	}
	return time.Duration(n) * unit, true
}

// localPause tells whether a headline's truce is a pause of a few hours ("daily four-hour
// pauses" for civilians to flee, "a tactical pause" along a road): a local arrangement, not
// the ceasefire a topic tracks, so it sets no state however plainly it is agreed or begins.
func localPause(toks []string) bool {
	for i, w := range toks {
		if d, ok := truceLengthAt(toks, i); ok && d < minTerm {
			return true
		}
		if (w == "daily" || w == "tactical") && i+1 < len(toks) && strings.HasPrefix(toks[i+1], "pause") {
			return true
		}
	}
	return false
}

// ofTruce tells whether the length whose unit is toks[i], in a headline that names a truce,
// is the truce's: a truce word follows within three words ("three-day Victory Day ceasefire",
// but not "five days of fighting, truce holds"), or it is "by"/"for" a length ("extended by
// two days").
func ofTruce(toks []string, i int) bool {
	for j := i + 1; j <= i+3 && j < len(toks) && !slices.Contains(lengthOf, toks[j]); j++ {
		if slices.Contains(truceWords, toks[j]) {
			return true
		}
	}
	return i >= 2 && (toks[i-2] == "by" || toks[i-2] == "for")
}

// atoiSmall parses a plain number of at most three digits.
func atoiSmall(w string) (int, bool) {
	if len(w) > 3 || !isNumber(w) {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	return n, err == nil
}

// termText names a length as headlines do: "three-day", "36-hour".
func termText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if days := int(d / (24 * time.Hour)); days < len(numberWords) {
			return numberWords[days] + "-day"
		}
		return fmt.Sprintf("%d-day", int(d/(24*time.Hour)))
	}
	return fmt.Sprintf("%d-hour", int(d/time.Hour))
}

// termRanOut joins a short truce's term and the report that stated it in the headline of its
// expiry ("three-day term ran out; reported: …").
const termRanOut = " term ran out; reported: "

// term follows a short truce's stated length through infer.
type term struct {
	length   time.Duration // the length the agreement or the truce's reports state
	from     *cluster      // the development that stated it
	ends     time.Time     // when the running truce's term runs out; zero when unknown
	extended bool          // an extension of stated length moved ends
}

// lasts is the longest short length c's reports state, and whether one speaks of an extension.
func (c *cluster) lasts() (length time.Duration, extended bool) {
	for _, o := range c.obs {
		length = max(length, o.rd.Lasts)
		extended = extended || o.rd.Extends
	}
	return length, extended
}

// follow updates the term with c, accepted in state (prev the state before it): an agreement
// or a truce stating its length sets it; the truce's start starts the clock; an extension of
// stated length moves the end, one of unknown length or a report that the truce holds after its
// term makes the end unknown.
func (t *term) follow(prev, state string, c *cluster) {
	if state != topic.KindAgreement && state != topic.KindInEffect {
		*t = term{}
		return
	}
	length, extended := c.lasts() // only agreements and truces carry one (readStory)
	switch {
	case state == topic.KindInEffect && prev != topic.KindInEffect:
		if length > 0 {
			t.length, t.from = length, c
		}
		if t.length > 0 {
			t.ends = c.start().Add(t.length)
		}
	case state == topic.KindInEffect && extended && length > 0 && !t.ends.IsZero():
		t.ends, t.extended = later(t.ends, c.start()).Add(length), true
	case state == topic.KindInEffect && (extended || supports(state, c) && c.start().After(t.ends)):
		t.ends = time.Time{}
	case length > 0:
		t.length, t.from = length, c
	}
}

// ranOut tells whether the running truce's term and expiryGrace have passed by at.
func (t *term) ranOut(at time.Time) bool {
	return !t.ends.IsZero() && at.After(t.ends.Add(expiryGrace))
}

// expiry is the development of the truce running out: the reports that stated its length,
// dated when the term ended.
func (t *term) expiry() *cluster {
	ran := *t
	return &cluster{kind: topic.KindCollapsed, obs: t.from.obs, strength: t.from.strength, expired: &ran}
}

// text names the term as headlines do, and says when it was extended: "three-day",
// "four-day (extended)".
func (t *term) text() string {
	if t.extended {
		return termText(t.length) + " (extended)"
	}
	return termText(t.length)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
