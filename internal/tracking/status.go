// Package tracking tells where an evolving story stands: it reads each story on a topic for
// the development it reports (talks, no deal, agreement, ceasefire in effect, collapse),
// clusters reports of one development across outlets, and infers the current state from the
// sequence of developments. It is deterministic and offline: every label comes with the
// stories that justify it.
package tracking

import (
	"time"

	"github.com/heraldbot/herald/internal/topic"
)

// Label is the status shown to users.
type Label string

// The labels, exactly as users see them.
const (
	LabelTalks     Label = "Talks ongoing"
	LabelNoDeal    Label = "No agreement"
	LabelAgreement Label = "Agreement reached"
	LabelInEffect  Label = "Ceasefire in effect"
	LabelCollapsed Label = "Ceasefire collapsed"
	LabelNoNews    Label = "No recent news"
)

// DefaultWindow is how far back Assess looks when given no window.
const DefaultWindow = 14 * 24 * time.Hour

// LabelOf maps a development kind (topic.Kinds) to the label it implies.
func LabelOf(kind string) Label {
	switch kind {
	case topic.KindTalks:
		return LabelTalks
	case topic.KindNoDeal:
		return LabelNoDeal
	case topic.KindAgreement:
		return LabelAgreement
	case topic.KindInEffect:
		return LabelInEffect
	case topic.KindCollapsed:
		return LabelCollapsed
	}
	return LabelNoNews
}

// Development is one development of the story as reported by one or more outlets.
type Development struct {
	Kind  string // a topic kind
	Label Label
	// Headline and Link are those of the report that states it most plainly.
	Headline string
	Link     string
	Outlets  []string
	// Time is when the development was first reported.
	Time time.Time
	// Stories are the IDs of the reports, earliest first.
	Stories []string
	// Strength sums, over outlets, each outlet's strongest report (1 = one plain headline).
	Strength float64
}

// Status is where a topic stands.
type Status struct {
	Topic    string // topic id
	Title    string // topic title
	Label    Label
	Sentence string
	// Latest is the most recent development (zero when there is none).
	Latest Development
	// Timeline holds up to five key developments, oldest first.
	Timeline []Development
	// Reports and Outlets count the topic's stories in the window and their distinct sources.
	Reports int
	Outlets int
	AsOf    time.Time
	Window  time.Duration
	// Evidence holds the developments that justify the label: the one that set it and those
	// consistent with it since, each with its story IDs.
	Evidence []Development
}
