package tracking

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// clusterSpan is how long after a development's first report further reports of the same kind
// count as the same development; a longer run of reports starts a new development, so that
// talks resuming a week after a failed round are news again.
const clusterSpan = 36 * time.Hour

// backgroundLead orders a story's recollection ("after the truce collapsed") just before the
// story itself.
const backgroundLead = time.Minute

// Strength a development needs to move the state in the weaker directions: talks resuming
// after a failed round needs a plain headline; a deal unravelling before it takes effect
// needs more than one outlet; a ceasefire in effect collapses on one plain report.
const (
	minStrength         = 0.3
	strengthCorroborate = 1.5
	strengthAgreement   = 0.6
	strengthResume      = 1.0
	strengthUnravel     = 2.0
	strengthCollapse    = 0.8
	strengthFromCollaps = 0.8
)

// observation is one story's reading of one development.
type observation struct {
	s  *story.Story
	rd reading
	at time.Time
}

// cluster is one development: the reports of one kind within clusterSpan of the first.
type cluster struct {
	kind       string
	background bool
	obs        []observation
	strength   float64
	// expired, when set, marks a short truce running out (see term): obs are the reports that
	// stated its length.
	expired *term
}

func (c *cluster) start() time.Time {
	if c.expired != nil {
		return c.expired.ends
	}
	return c.obs[0].at
}

// buildClusters groups observations by kind (foreground and background apart) and time, and
// returns the clusters ordered by their first report.
func buildClusters(obs []observation) []*cluster {
	slices.SortStableFunc(obs, compareObservations)
	open := make(map[string]*cluster)
	var out []*cluster
	for _, o := range obs {
		key := o.rd.Kind
		if o.rd.Background {
			key += "/bg"
		}
		c := open[key]
		if c == nil || o.at.Sub(c.start()) > clusterSpan {
			c = &cluster{kind: o.rd.Kind, background: o.rd.Background}
			open[key] = c
			out = append(out, c)
		}
		c.obs = append(c.obs, o)
	}
	for _, c := range out {
		c.strength = strength(c.obs)
	}
	slices.SortStableFunc(out, func(a, b *cluster) int { return a.start().Compare(b.start()) })
	return out
}

// compareObservations orders observations by time, then by outlet, story and kind: the stores
// hand stories over in any order, and the status must not depend on it.
func compareObservations(a, b observation) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	if c := strings.Compare(a.s.Source, b.s.Source); c != 0 {
		return c
	}
	if c := strings.Compare(a.s.ID, b.s.ID); c != 0 {
		return c
	}
	if c := strings.Compare(a.s.Title, b.s.Title); c != 0 {
		return c
	}
	return strings.Compare(a.rd.Kind, b.rd.Kind)
}

// strength sums each outlet's strongest report: five outlets agreeing outweigh one outlet
// repeating itself.
func strength(obs []observation) float64 {
	best := make(map[string]float64)
	for _, o := range obs {
		best[o.s.Source] = max(best[o.s.Source], o.rd.Weight)
	}
	// Summed in outlet order: map order would make the float sum, and so ties, vary by run.
	sum := 0.0
	for _, o := range slices.Sorted(maps.Keys(best)) {
		sum += best[o]
	}
	return sum
}

// step applies one development to the state and reports the new state and whether the
// development was accepted (consistent with the story so far, or strong enough to move it).
// The rules are the story's grammar: an agreement becomes a ceasefire in effect when it takes
// effect; talks during a ceasefire do not end it; only fighting resuming collapses it. A
// collapse reported without a ceasefire before it in the window needs several outlets: it
// implies a ceasefire the window does not show.
func step(state string, held float64, c *cluster) (string, bool) {
	if c.strength < minStrength {
		return state, false
	}
	if c.background {
		if state == "" {
			return c.kind, true
		}
		return state, false
	}
	k := c.kind
	if state != "" && k != state && c.weak() {
		return state, false // one outlet, a reading only the model makes and is unsure of
	}
	if k == topic.KindAgreement && state != k && c.strength < strengthAgreement {
		return state, false // an agreement needs a plain report of a deal, or several
	}
	if k == topic.KindInEffect && state != topic.KindAgreement && state != topic.KindInEffect &&
		c.strength < strengthCorroborate && !(c.reports(fineBegan, fineHolding) &&
		(state == "" || c.strength >= min(strengthResume, held) || c.names(fineBegan, fineHolding))) {
		// A ceasefire in effect needs reports that it began or holds — plainly (or in words
		// that say so: "as the ceasefire holds"), when talks without a deal came before — or
		// several outlets' word (a violation alleged implies a ceasefire, but one outlet's
		// claim is not enough).
		return state, false
	}
	switch state {
	case "":
		return k, true
	case topic.KindTalks:
		return stepFrom(state, k, k != topic.KindCollapsed || c.corroborated())
	case topic.KindNoDeal:
		return stepFrom(state, k, k == topic.KindNoDeal || k == topic.KindAgreement || k == topic.KindInEffect ||
			(k == topic.KindTalks && c.strength >= strengthResume) ||
			(k == topic.KindCollapsed && c.corroborated()))
	case topic.KindAgreement:
		switch k {
		case topic.KindInEffect:
			return k, true
		case topic.KindCollapsed:
			return stepFrom(state, k, c.strength >= strengthCollapse)
		case topic.KindNoDeal:
			return stepFrom(state, k, c.strength >= strengthUnravel)
		}
		return state, true
	case topic.KindInEffect:
		if k == topic.KindCollapsed {
			return stepFrom(state, k, c.strength >= strengthCollapse)
		}
		return state, true
	case topic.KindCollapsed:
		if k == topic.KindNoDeal {
			return state, true // talks failing after a collapse: still no ceasefire, the collapse is the news
		}
		if k == topic.KindInEffect && !c.reports(fineBegan, fineHolding) {
			return state, false // breaches alleged after the end are about the old truce
		}
		return stepFrom(state, k, k == topic.KindCollapsed || c.strength >= strengthFromCollaps)
	}
	return state, false
}

// weak tells whether c is a single weak reading: one outlet, read below a plain headline's
// weight by the model alone (the cues do not read it so). It does not move a state.
func (c *cluster) weak() bool {
	if c.strength >= 1 {
		return false
	}
	for _, o := range c.obs {
		if o.rd.Confirmed || o.s.Source != c.obs[0].s.Source {
			return false
		}
	}
	return true
}

// corroborated tells whether c is reported by several outlets with the weight of at least one
// plain headline: one outlet, however sure, is never corroboration.
func (c *cluster) corroborated() bool {
	if c.strength < strengthResume {
		return false
	}
	for _, o := range c.obs[1:] {
		if o.s.Source != c.obs[0].s.Source {
			return true
		}
	}
	return false
}

// reports tells whether any report of c reads as one of the fine kinds (always true when the
// topic reads by cues alone, which do not tell fine kinds apart).
func (c *cluster) reports(fines ...string) bool {
	for _, o := range c.obs {
		if o.rd.Fine == "" || slices.Contains(fines, o.rd.Fine) {
			return true
		}
	}
	return false
}

// names tells whether a report of c says in so many words that it is one of fines (Named).
func (c *cluster) names(fines ...string) bool {
	for _, o := range c.obs {
		if o.rd.Named && slices.Contains(fines, o.rd.Fine) {
			return true
		}
	}
	return false
}

func stepFrom(state, kind string, move bool) (string, bool) {
	if move {
		return kind, true
	}
	return state, false
}

// inference is what infer concludes.
type inference struct {
	state string
	// changes are the clusters that changed the state, oldest first; since the accepted
	// clusters since the last change.
	changes, since []*cluster
	// own are the accepted foreground clusters of the state's own kind since it was set,
	// oldest first: the candidates for the latest development shown.
	own []*cluster
	// against are the foreground developments since the last change that step did not accept
	// and that say otherwise: evidence the status sentence must own up to.
	against []*cluster
}

// staleAfter is how long an agreement or a ceasefire in effect stands on its own reports: when
// none has renewed it for that long (no report of it holding, no release or violation under
// it) and the talks are reported again, or reported stalled, the talks are the news. In May
// 2023 a truce reported holding on 3 May was long over when "ceasefire efforts falter" on 11 May.
const staleAfter = 5 * 24 * time.Hour

// supports tells whether an accepted cluster renews the evidence for state.
func supports(state string, c *cluster) bool {
	switch state {
	case topic.KindInEffect:
		return c.kind == topic.KindInEffect || c.reports(fineRelease)
	case topic.KindAgreement:
		return c.kind == topic.KindAgreement || c.reports(fineRelease)
	}
	return c.kind == state
}

// outdates tells whether c — talks, a stall, or a new deal — is reported when an agreement or
// a ceasefire in effect last supported at last has gone stale, or talks are reported again
// after they failed (reopens); its strength then counts towards moving on (see infer).
func outdates(state string, c *cluster, last time.Time) bool {
	if state == topic.KindNoDeal {
		return reopens(c, last)
	}
	switch {
	case state != topic.KindInEffect && state != topic.KindAgreement, c.background, c.start().Sub(last) <= staleAfter:
		return false
	}
	return c.kind == topic.KindTalks || c.kind == topic.KindNoDeal ||
		(c.kind == topic.KindAgreement && state == topic.KindInEffect)
}

// reopens tells whether c reports talks after the last report that the talks had failed: such
// reports, however thin each one, add up (see infer), so that a rejection is not the news for
// ever once delegations travel and proposals are studied again, while one weak reading alone
// does not reopen the talks.
func reopens(c *cluster, last time.Time) bool {
	return c.kind == topic.KindTalks && !c.background && c.start().After(last)
}

// thinChain tells whether c would build a ceasefire in effect on a deal that itself rests on
// one unplain report (own: the deal's reports since), without saying the ceasefire began: two
// thin readings in a row are more likely misreadings than a truce.
func thinChain(state, next string, changes, own []*cluster, c *cluster) bool {
	if state != topic.KindAgreement || next != topic.KindInEffect || len(changes) == 0 ||
		c.strength >= 1 || c.reports(fineBegan) {
		return false
	}
	for _, d := range own {
		if d.strength >= 1 {
			return false
		}
	}
	return changes[len(changes)-1].strength < 1
}

// inferrer is infer's state between developments.
type inferrer struct {
	inference
	lastSupport, rejected time.Time
	pending               float64 // strength of the developments since the state went stale
	held                  float64 // the strongest development of the state since it was set
	oneSided              bool    // a one-sided truce was refused since the state was set (see unilateral)
	term                  term    // a short truce's stated length (see term)
}

// infer runs the developments through step, and ends a short truce whose term ran out before
// the next development or by now.
func infer(cs []*cluster, now time.Time) inference {
	var f inferrer
	for _, c := range cs {
		f.expire(c.start())
		f.add(c)
	}
	f.expire(now)
	return f.inference
}

// add runs one development through step and the rules of weight around it.
func (f *inferrer) add(c *cluster) {
	state := f.state
	next, ok := step(state, f.held, c)
	if ok && unilateral(state, next, c, f.rejected) {
		ok, f.oneSided = false, true
	}
	if ok && freshCollapse(state, next, f.changes, c) {
		ok = false
	}
	if ok && f.oneSided && state == topic.KindNoDeal && next == topic.KindCollapsed {
		next = state // the one-sided truce ending: there was no agreed one to collapse
	}
	if ok && thinChain(state, next, f.changes, f.own, c) {
		ok = false
	}
	if outdates(state, c, f.lastSupport) {
		if f.pending += c.strength; f.pending >= resumeAfter(state) {
			next, ok = c.kind, true
		}
	}
	if !ok {
		if !c.background && c.kind != state && c.strength >= minStrength {
			f.against = append(f.against, c)
		}
		return
	}
	if next != state {
		f.change(c, next)
	}
	if c.kind == next {
		f.held = max(f.held, c.strength)
	}
	f.since = append(f.since, c)
	f.term.follow(state, next, c)
	if c.kind == topic.KindNoDeal && !c.background && rejects(c) {
		f.rejected = c.obs[len(c.obs)-1].at
	}
	if supports(next, c) {
		f.lastSupport, f.pending = c.obs[len(c.obs)-1].at, 0
	}
	if !c.background && c.kind == next {
		f.own = append(f.own, c) // a development of the state itself: talks during a truce are not its news
	}
}

// change records that c moved the state to next.
func (f *inferrer) change(c *cluster, next string) {
	f.state = next
	f.changes = append(f.changes, c)
	f.since, f.against, f.own = f.since[:0], f.against[:0], f.own[:0]
	f.pending, f.held, f.oneSided = 0, 0, false
}

// expire ends a running short truce whose term and grace ran out by at: no report since says
// it holds or was extended (a three-day truce a week later is over, reported or not).
func (f *inferrer) expire(at time.Time) {
	if f.state != topic.KindInEffect || !f.term.ranOut(at) {
		return
	}
	c := f.term.expiry()
	f.change(c, topic.KindCollapsed)
	f.since = append(f.since, c)
	f.term = term{}
}

// unilateralSpan is how soon after a party rejected a ceasefire a report that one began is
// read as one side's truce, not an agreed one.
const unilateralSpan = 3 * 24 * time.Hour

// unilateral tells whether c would put a ceasefire in effect straight after a party rejected
// one (rejected: the last rejection's time), with no agreement between: a truce one side
// declared and the other rejected is no agreed ceasefire (Putin's Christmas truce of January
// 2023: ordered, rejected by Kyiv the same day, "begins" in a dozen outlets). Its end is then
// no collapse either: "Moscow's ceasefire ends with no let up in fighting" leaves no agreement.
func unilateral(state, next string, c *cluster, rejected time.Time) bool {
	return state == topic.KindNoDeal && next == topic.KindInEffect && !rejected.IsZero() &&
		c.start().Sub(rejected) < unilateralSpan
}

// collapseNews is how long a collapse stays the news against a single outlet's talks: right
// after a truce ends, talk of talks is everywhere and no round has begun.
const collapseNews = 48 * time.Hour

// freshCollapse tells whether c would turn a collapse of the last collapseNews into talks on
// less than several outlets' word.
func freshCollapse(state, next string, changes []*cluster, c *cluster) bool {
	return state == topic.KindCollapsed && next == topic.KindTalks && len(changes) > 0 &&
		c.start().Sub(changes[len(changes)-1].start()) < collapseNews && c.strength < strengthCorroborate
}

// resumeAfter is the strength of the reports it takes to move on from state once they outdate
// it: thin talks add up after a failed round, but a ceasefire or a deal that went quiet gives
// way only to corroborated talks (on a real feed, misread commentary adds up too).
func resumeAfter(state string) float64 {
	if state == topic.KindInEffect || state == topic.KindAgreement {
		return strengthCorroborate
	}
	return strengthResume
}

// rejects tells whether a report of c reads as a party's rejection (with a model only: the
// cues alone do not tell a rejection from a stall).
func rejects(c *cluster) bool {
	for _, o := range c.obs {
		if o.rd.Fine == fineRejected {
			return true
		}
	}
	return false
}
