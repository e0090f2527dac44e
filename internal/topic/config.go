// Package topic holds Herald's tracked topics: what a topic is (configuration, not code),
// which stories belong to it, and the cues the tracking package reads to tell where an
// evolving story stands.
package topic

import (
	"fmt"
	"regexp"
	"slices"
)

// The kinds of development a status cue can report, in the order a negotiation moves through
// them. They are the keys of Status.Cues and the values of its Negated/Hedged/Denied maps.
const (
	KindTalks     = "talks"     // negotiations active
	KindNoDeal    = "no_deal"   // a round ended without a deal, or talks stalled
	KindAgreement = "agreement" // a deal announced or approved
	KindInEffect  = "in_effect" // the ceasefire is in force
	KindCollapsed = "collapsed" // a ceasefire in force ended and fighting resumed
)

// Kinds returns every development kind, weakest stage first.
func Kinds() []string {
	return []string{KindTalks, KindNoDeal, KindAgreement, KindInEffect, KindCollapsed}
}

var idPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Config is one topic as operators write it in topics.yaml.
type Config struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Alias is the command name that answers for the topic (e.g. "ceasefire-status").
	Alias       string `yaml:"alias"`
	Description string `yaml:"description,omitempty"`
	Match       Match  `yaml:"match"`
	Status      Status `yaml:"status"`
}

// Match decides which stories belong to the topic, reading title, summary and categories.
// Phrases use the Phrase syntax ("word*" prefix, "~" skips up to four words).
type Match struct {
	// Any: at least one must occur (the topic's anchors, e.g. Gaza, Hamas).
	Any []string `yaml:"any"`
	// Weak anchors count like Any when two of them occur (hostages and Israel), one of
	// WeakNeeds does, and no neighbour: "Israeli hostages freed" is this topic's news,
	// "hostages freed in Papua" or "Israel signs a gas deal" are not.
	Weak []string `yaml:"weak,omitempty"`
	// WeakNeeds: a story anchored by Weak alone must name one of these.
	WeakNeeds []string `yaml:"weak_needs,omitempty"`
	// WeakAlone: with one of these in the headline ("ceasefire"), a single weak anchor will do.
	WeakAlone []string `yaml:"weak_alone,omitempty"`
	// AllOf: every group must have at least one phrase occurring too (e.g. ceasefire words),
	// so an anchor alone (a Gaza story about floods) does not match.
	AllOf [][]string `yaml:"all_of"`
	// Exclude vetoes the match when it occurs in the headline: the story is about something
	// else that merely touches the topic (a campus protest calling for a ceasefire).
	Exclude []string `yaml:"exclude"`
	// Neighbours are stories next door (Lebanon, Ukraine): one in the headline vetoes the match
	// unless the headline also names an anchor, so a Lebanon truce that mentions Gaza in
	// passing is not this topic. Tracking also ignores sentences about them.
	Neighbours []string `yaml:"neighbours"`
}

// Status holds the cues tracking reads in each relevant sentence.
type Status struct {
	// Model names the trained headline reader (internal/tracking/models/<name>.json) that tells
	// what each headline reports; the cues below then serve as its features. Empty: the cues
	// alone read the headlines.
	Model string `yaml:"model,omitempty"`
	// Cues maps a kind (see Kinds) to the phrases that report it.
	Cues map[string][]string `yaml:"cues"`
	// Negators, within a few words before a cue, negate it ("no deal", "failed to agree").
	Negators []string `yaml:"negators"`
	// Hedges make a cue a possibility, not a fact ("could", "close to", "hopes").
	Hedges []string `yaml:"hedges"`
	// Denials before a cue report it as denied ("denies a deal was reached").
	Denials []string `yaml:"denials"`
	// Explainers mark a clause that explains rather than reports ("what we know about the
	// deal", "the truce, explained"): its cues are read as asked, like a question's.
	Explainers []string `yaml:"explainers,omitempty"`
	// Reporting marks reported speech ("says", "according to"): kept, with less weight.
	Reporting []string `yaml:"reporting"`
	// Background words open a clause about the past ("after", "following"): its cues are
	// older developments, not the news of the story.
	Background []string `yaml:"background"`
	// Negated, Hedged and Denied map a cue's kind to what it means once so modified
	// ("a deal" negated is no deal); a kind absent from the map is dropped.
	Negated map[string]string `yaml:"negated"`
	Hedged  map[string]string `yaml:"hedged"`
	Denied  map[string]string `yaml:"denied"`
	// Trailing words right after a cue make it a possibility ("talks could collapse",
	// "ceasefire may hold"): the cue is read as hedged.
	Trailing []string `yaml:"trailing"`
	// Nominal words right after a cue make it the name of something else ("ceasefire calls",
	// "truce vote", "ceasefire protest"): the cue reports nothing and is not read.
	Nominal []string `yaml:"nominal"`
	// Diplomacy names what talks are about when they are diplomacy over the war rather than
	// negotiation of the topic ("for talks on the Israel-Hamas war", "talks on the conflict"):
	// right after a one-word talks cue, the cue reports nothing.
	Diplomacy []string `yaml:"diplomacy,omitempty"`
	// About names the process itself (ceasefire, truce, hostages). In a headline of several
	// statements ("Live: …; …; …"), a statement naming neither an anchor nor one of these is
	// about other news ("EU trade deal talks collapse") and is not read.
	About []string `yaml:"about"`
	// Continuing phrases mark a sentence saying the process goes on ("continue at lower
	// levels"); the status sentence quotes it when the label is No agreement.
	Continuing []string `yaml:"continuing"`
	// Fine maps a finer development (proposal, rejected) to the words that, in a cue phrase of
	// the kind it belongs to, report it: "accept* ~ proposal" is talks, and more precisely a
	// proposal answered. The trained reader has seen few of these; the words carry them.
	Fine map[string][]string `yaml:"fine,omitempty"`
	// Sentences maps a label kind (Kinds, plus "none" for no reports, "quiet" for reports
	// with no development and "expired" for a short truce whose stated term ran out, with
	// {term} and {date}) to the opening of the status sentence.
	Sentences map[string]string `yaml:"sentences"`
}

// Validate checks one topic on its own; NewMatcher checks the set.
func (c Config) Validate() error {
	if !idPattern.MatchString(c.ID) {
		return fmt.Errorf("topic: id %q must match %s", c.ID, idPattern)
	}
	if c.Title == "" {
		return fmt.Errorf("topic %s: title is empty", c.ID)
	}
	if c.Alias != "" && !idPattern.MatchString(c.Alias) {
		return fmt.Errorf("topic %s: alias %q must match %s", c.ID, c.Alias, idPattern)
	}
	if len(c.Match.Any) == 0 {
		return fmt.Errorf("topic %s: match.any is empty", c.ID)
	}
	return c.Status.validate(c.ID)
}

func (s Status) validate(id string) error {
	kinds := Kinds()
	for k := range s.Cues {
		if !slices.Contains(kinds, k) {
			return fmt.Errorf("topic %s: status.cues: unknown kind %q (want one of %v)", id, k, kinds)
		}
	}
	for name, m := range map[string]map[string]string{"negated": s.Negated, "hedged": s.Hedged, "denied": s.Denied} {
		for from, to := range m {
			if !slices.Contains(kinds, from) || (to != "" && !slices.Contains(kinds, to)) {
				return fmt.Errorf("topic %s: status.%s: %q -> %q: unknown kind", id, name, from, to)
			}
		}
	}
	for k := range s.Sentences {
		if k != "none" && k != "quiet" && k != "expired" && !slices.Contains(kinds, k) {
			return fmt.Errorf("topic %s: status.sentences: unknown kind %q", id, k)
		}
	}
	return nil
}
