package topic

import (
	"fmt"
	"strings"

	"github.com/heraldbot/herald/internal/story"
)

// Matcher tags stories with the topics they belong to. It is immutable once built and safe
// for concurrent use.
type Matcher struct {
	topics []Config
	rules  []rules
	byID   map[string]int
	alias  map[string]int
}

// rules is one topic's Match, compiled.
type rules struct {
	any, weak, weakNeeds, weakAlone, exclude, neighbours []Phrase
	allOf                                                [][]Phrase
	// background are the words that open a clause about the past (Status.Background): an
	// anchor named only after one ("… after Hamas attack") does not outweigh a neighbour.
	background []Phrase
}

// NewMatcher validates cfgs (ids unique and well-formed, aliases unique, phrases valid) and
// compiles their match rules.
func NewMatcher(cfgs []Config) (*Matcher, error) {
	m := &Matcher{byID: make(map[string]int), alias: make(map[string]int)}
	for i, c := range cfgs {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if _, dup := m.byID[c.ID]; dup {
			return nil, fmt.Errorf("topic: duplicate id %q", c.ID)
		}
		m.byID[c.ID] = i
		if c.Alias != "" {
			if j, dup := m.alias[c.Alias]; dup {
				return nil, fmt.Errorf("topic: alias %q used by %q and %q", c.Alias, cfgs[j].ID, c.ID)
			}
			m.alias[c.Alias] = i
		}
		r, err := compileRules(c.Match)
		if err != nil {
			return nil, fmt.Errorf("topic %s: %w", c.ID, err)
		}
		if r.background, err = CompilePhrases(c.Status.Background); err != nil {
			return nil, fmt.Errorf("topic %s: %w", c.ID, err)
		}
		if err := compileStatus(c.Status); err != nil {
			return nil, fmt.Errorf("topic %s: %w", c.ID, err)
		}
		m.rules = append(m.rules, r)
	}
	m.topics = append([]Config(nil), cfgs...)
	return m, nil
}

func compileRules(mt Match) (rules, error) {
	var r rules
	var err error
	if r.any, err = CompilePhrases(mt.Any); err != nil {
		return r, err
	}
	if r.weak, err = CompilePhrases(mt.Weak); err != nil {
		return r, err
	}
	if r.weakNeeds, err = CompilePhrases(mt.WeakNeeds); err != nil {
		return r, err
	}
	if r.weakAlone, err = CompilePhrases(mt.WeakAlone); err != nil {
		return r, err
	}
	if r.exclude, err = CompilePhrases(mt.Exclude); err != nil {
		return r, err
	}
	if r.neighbours, err = CompilePhrases(mt.Neighbours); err != nil {
		return r, err
	}
	for _, g := range mt.AllOf {
		ps, err := CompilePhrases(g)
		if err != nil {
			return r, err
		}
		if len(ps) > 0 {
			r.allOf = append(r.allOf, ps)
		}
	}
	return r, nil
}

// compileStatus only checks that every status phrase parses, so a typo fails at start-up.
func compileStatus(s Status) error {
	lists := [][]string{s.Negators, s.Hedges, s.Denials, s.Explainers, s.Reporting, s.Background, s.Continuing,
		s.Trailing, s.Nominal, s.Diplomacy, s.About}
	for _, cues := range s.Cues {
		lists = append(lists, cues)
	}
	for _, words := range s.Fine {
		lists = append(lists, words)
	}
	for _, l := range lists {
		if _, err := CompilePhrases(l); err != nil {
			return err
		}
	}
	return nil
}

// Tags returns the ids of the topics s belongs to, in configuration order.
func (m *Matcher) Tags(s story.Story) []string {
	title := Tokenize(s.Title)
	all := Tokenize(s.Title + " . " + s.Summary + " . " + strings.Join(s.Categories, " . "))
	var out []string
	for i, r := range m.rules {
		if r.matches(title, all) {
			out = append(out, m.topics[i].ID)
		}
	}
	return out
}

func (r rules) matches(title, all []string) bool {
	anchored := AnyIn(r.any, all) ||
		(r.weaklyAnchored(title, all) && !AnyIn(r.neighbours, all))
	if !anchored || AnyIn(r.exclude, title) {
		return false
	}
	// The topic's words must be in the headline, or in the summary of a headline that names
	// an anchor: real feeds' descriptions mention the war's talks under unrelated headlines.
	where := title
	if AnyIn(r.any, title) {
		where = all
	}
	for _, g := range r.allOf {
		if !AnyIn(g, where) {
			return false
		}
	}
	if !AnyIn(r.neighbours, title) {
		return true
	}
	fg := r.foreground(title)
	return AnyIn(r.any, fg) || AnyIn(r.any, title) && AnyIn(r.weakAlone, fg)
}

// foreground is the headline before a clause about the past. With a neighbour named, an
// anchor named only there does not make the story this topic's: "Iran prisoner swap in
// spotlight after Hamas attacks Israel" is about Iran. It still does when the foreground
// names a ceasefire (Match.WeakAlone): "Democrats slammed for calling for ceasefire after
// Hamas attack" is about Gaza's.
func (r rules) foreground(title []string) []string {
	for _, p := range r.background {
		if s, _ := p.Find(title); s > 0 {
			title = title[:s]
		}
	}
	return title
}

// Topics returns the configured topics in order.
func (m *Matcher) Topics() []Config { return append([]Config(nil), m.topics...) }

// Get returns the topic with id.
func (m *Matcher) Get(id string) (Config, bool) {
	i, ok := m.byID[id]
	if !ok {
		return Config{}, false
	}
	return m.topics[i], true
}

// ByAlias returns the topic whose command alias is alias.
func (m *Matcher) ByAlias(alias string) (Config, bool) {
	i, ok := m.alias[alias]
	if !ok {
		return Config{}, false
	}
	return m.topics[i], true
}

// weaklyAnchored: two weak anchors and a needed phrase, or one in a headline that names
// the thing itself (a ceasefire).
func (r rules) weaklyAnchored(title, all []string) bool {
	n := countIn(r.weak, all)
	return (n >= 2 && AnyIn(r.weakNeeds, all)) || (n >= 1 && AnyIn(r.weakAlone, title))
}

// countIn counts the phrases of ps that occur in toks.
func countIn(ps []Phrase, toks []string) int {
	n := 0
	for _, p := range ps {
		if s, _ := p.Find(toks); s >= 0 {
			n++
		}
	}
	return n
}
