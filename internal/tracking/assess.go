package tracking

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// maxTimeline is how many key developments a status lists.
const maxTimeline = 5

// maxCachedReadings bounds an Assessor's memory of story readings: about a month of a busy
// topic's stories; when full the cache starts over.
const maxCachedReadings = 50_000

// Assessor assesses one topic. Build it once per topic and reuse it: it remembers what each
// story says (stories do not change once stored), so repeated commands read only new stories.
// It is safe for concurrent use.
type Assessor struct {
	cfg topic.Config
	r   *reader

	mu    sync.Mutex
	cache map[string]cachedReading
}

// cachedReading is a story's reading with the headline it was read from, so a reused ID with
// different text is read afresh.
type cachedReading struct {
	title string
	sr    storyReading
}

// NewAssessor compiles cfg's status cues.
func NewAssessor(cfg topic.Config) (*Assessor, error) {
	r, err := newReader(cfg)
	if err != nil {
		return nil, fmt.Errorf("tracking: topic %s: %w", cfg.ID, err)
	}
	return &Assessor{cfg: cfg, r: r, cache: make(map[string]cachedReading)}, nil
}

// Assess tells where cfg's story stands at now from the stories published in the window
// before now (DefaultWindow when window <= 0). Only stories tagged with the topic count (see
// topic.Matcher.Tags). A topic whose cues do not compile — NewMatcher rejects those at start-up
// — gets a status saying so instead of a label.
func Assess(cfg topic.Config, stories []story.Story, now time.Time, window time.Duration) Status {
	a, err := NewAssessor(cfg)
	if err != nil {
		return Status{Topic: cfg.ID, Title: cfg.Title, Label: LabelNoNews, Sentence: err.Error(), AsOf: now, Window: window}
	}
	return a.Assess(stories, now, window)
}

// Assess is the package-level Assess with compiled cues.
func (a *Assessor) Assess(stories []story.Story, now time.Time, window time.Duration) Status {
	if window <= 0 {
		window = DefaultWindow
	}
	st := Status{Topic: a.cfg.ID, Title: a.cfg.Title, AsOf: now, Window: window}
	from := now.Add(-window)
	outlets := make(map[string]bool)
	var obs []observation
	var newest *story.Story
	for i := range stories {
		s := &stories[i]
		if !s.HasTopic(a.cfg.ID) || !s.Published.After(from) || s.Published.After(now) {
			continue
		}
		st.Reports++
		outlets[s.Source] = true
		obs = a.observe(obs, s)
		if newest == nil || s.Published.After(newest.Published) ||
			(s.Published.Equal(newest.Published) && s.ID < newest.ID) {
			newest = s
		}
	}
	st.Outlets = len(outlets)
	inf := infer(buildClusters(obs), now)
	state := inf.state
	st.Label = LabelOf(state)
	quiet := st.Reports > 0 && state == ""
	if quiet {
		// On the topic but no development reported: the talks are the default state, and the
		// newest report is the evidence. With a model, which reads calls and commentary as
		// nothing, that report is not shown as the latest development, and the sentence says
		// nothing happened.
		st.Label = LabelTalks
		d := Development{Kind: topic.KindTalks, Label: LabelTalks, Headline: newest.Title,
			Link: newest.Link, Outlets: []string{newest.Source}, Time: newest.Published, Stories: []string{newest.ID}}
		st.Evidence = []Development{d}
		if a.r.model == nil {
			st.Latest = d
		}
	}
	if c := shownLatest(inf.own); c != nil {
		st.Latest = a.development(c)
	}
	st.Timeline = a.timeline(inf.changes)
	for _, c := range inf.since {
		st.Evidence = append(st.Evidence, a.development(c))
	}
	st.Sentence = a.sentence(state, st, inf.since) + a.caveat(inf)
	if quiet && a.r.model != nil {
		st.Sentence = a.quietSentence(st)
	}
	return st
}

// quietSentence says that the topic's reports in the window report no development.
func (a *Assessor) quietSentence(st Status) string {
	return a.lead("quiet", "No development reported in the last {days} days; {reports} reports from {outlets} outlets discuss the topic",
		"{days}", windowDays(st), "{reports}", strconv.Itoa(st.Reports), "{outlets}", strconv.Itoa(st.Outlets)) + "."
}

// lead is the topic's configured opening of the status sentence for key (Status.Sentences;
// fallback when none is configured), its fields filled from pairs as strings.NewReplacer's.
func (a *Assessor) lead(key, fallback string, pairs ...string) string {
	text, ok := a.cfg.Status.Sentences[key]
	if !ok {
		text = fallback
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// windowDays is the status window in whole days, as the sentences' {days} says it.
func windowDays(st Status) string { return strconv.Itoa(int(st.Window / (24 * time.Hour))) }

// caveat qualifies the sentence when the evidence is thin (the development that set the state
// comes from one outlet's single hedged or uncertain report) or conflicting (later reports of
// weight say otherwise), so that the status never sounds surer than its evidence.
func (a *Assessor) caveat(inf inference) string {
	if len(inf.changes) == 0 {
		return ""
	}
	var out string
	if thin(inf) {
		out = " Only one report says so, and not plainly; treat it as unconfirmed."
	}
	var strongest *cluster
	for _, c := range inf.against {
		if c.strength >= 1 && (strongest == nil || c.strength > strongest.strength) {
			strongest = c
		}
	}
	if strongest != nil {
		d := a.development(strongest)
		out += fmt.Sprintf(" Reports since disagree: “%s” (%s, %s) reads as %s.", message.Truncate(strings.TrimRight(d.Headline, ".!"), 160),
			outletList(d.Outlets), d.Time.UTC().Format("2 Jan"), strings.ToLower(string(d.Label)))
	}
	return out
}

// thin tells whether the state rests on one report that is not plain: the one that set it,
// with nothing of the same kind since.
func thin(inf inference) bool {
	set := inf.changes[len(inf.changes)-1]
	if set.strength >= 1 || len(set.obs) > 1 {
		return false
	}
	for _, c := range inf.own {
		if c != set {
			return false
		}
	}
	return true
}

// shownLatest picks the development a status quotes as its latest: the newest of the state's
// own developments with a report the cues read as that development too (reading.Confirmed). A
// development only the model reads so may count towards the state, but quoting it could show
// a headline that says nothing of the kind, or the opposite; with none, the status quotes
// nothing rather than contradict its label.
func shownLatest(own []*cluster) *cluster {
	for i := len(own) - 1; i >= 0; i-- {
		for _, o := range own[i].obs {
			if o.rd.Confirmed {
				return own[i]
			}
		}
	}
	return nil
}

// observe appends what one story reports.
func (a *Assessor) observe(obs []observation, s *story.Story) []observation {
	sr := a.read(s)
	if sr.ok {
		obs = append(obs, observation{s: s, rd: sr.main, at: s.Published})
	}
	for _, rd := range sr.background {
		obs = append(obs, observation{s: s, rd: rd, at: s.Published.Add(-backgroundLead)})
	}
	return obs
}

// development describes a cluster by its plainest report.
func (a *Assessor) development(c *cluster) Development {
	best := c.obs[0]
	seen := make(map[string]bool)
	d := Development{Kind: c.kind, Label: LabelOf(c.kind), Time: c.start(), Strength: c.strength}
	for _, o := range c.obs {
		if better(o.rd, best.rd) {
			best = o
		}
		if !seen[o.s.Source] {
			seen[o.s.Source] = true
			d.Outlets = append(d.Outlets, o.s.Source)
		}
		if !slices.Contains(d.Stories, o.s.ID) {
			d.Stories = append(d.Stories, o.s.ID)
		}
	}
	d.Headline, d.Link = best.s.Title, best.s.Link
	if c.expired != nil {
		d.Headline = c.expired.text() + termRanOut + best.s.Title
	}
	return d
}

// better tells whether a report states its development more plainly than another: confirmed
// by the cues first, then heavier.
func better(a, b reading) bool {
	if a.Confirmed != b.Confirmed {
		return a.Confirmed
	}
	return a.Weight > b.Weight
}

// timeline lists the last maxTimeline changes of state.
func (a *Assessor) timeline(changes []*cluster) []Development {
	if len(changes) > maxTimeline {
		changes = changes[len(changes)-maxTimeline:]
	}
	out := make([]Development, 0, len(changes))
	for _, c := range changes {
		out = append(out, a.development(c))
	}
	return out
}

// sentence says where things stand: the configured opening for the state, completed from the
// evidence — what the reports say happens next when talks failed, else the latest headline.
func (a *Assessor) sentence(state string, st Status, since []*cluster) string {
	key := state
	if st.Reports == 0 {
		key = "none"
	} else if key == "" {
		key = topic.KindTalks
	}
	lead := a.lead(key, string(LabelOf(key)), "{days}", windowDays(st))
	if key == "none" {
		return lead + "."
	}
	if key == topic.KindNoDeal {
		if next := a.whatNext(since); next != "" {
			return lead + "; " + next
		}
	}
	if st.Latest.Headline == "" {
		if len(since) > 0 && since[0].expired != nil {
			return a.expiredSentence(since[0])
		}
		return lead + "."
	}
	return fmt.Sprintf("%s; latest: “%s” (%s, %s).", lead, message.Truncate(strings.TrimRight(st.Latest.Headline, ".!"), 200),
		outletList(st.Latest.Outlets), st.Latest.Time.UTC().Format("2 Jan"))
}

// expiredSentence says that the short truce c ran out: nothing reports its end, so the
// collapse lead ("fighting has resumed") would say more than the reports do.
func (a *Assessor) expiredSentence(c *cluster) string {
	return a.lead("expired", "The {term} ceasefire reported on {date} has run its term",
		"{term}", c.expired.text(), "{date}", c.obs[0].at.UTC().Format("2 Jan")) + "."
}

// whatNext finds, newest report first, a sentence saying the process continues, trimmed of its
// concessive opening ("Despite the absence of a deal, ...").
func (a *Assessor) whatNext(since []*cluster) string {
	for i := len(since) - 1; i >= 0; i-- {
		obs := since[i].obs
		for j := len(obs) - 1; j >= 0; j-- {
			if c := a.read(obs[j].s).continuing; c != "" {
				return clip(lowerFirst(dropConcessive(a.continuingPart(c))), 280)
			}
		}
	}
	return ""
}

// concessives open a clause that only restates what the lead already says.
var concessives = []string{"despite", "although", "though", "while", "however", "but", "still", "nevertheless"}

func dropConcessive(s string) string {
	first := strings.ToLower(strings.Trim(strings.SplitN(s, " ", 2)[0], ","))
	if !slices.Contains(concessives, first) {
		return s
	}
	if i := strings.Index(s, ","); i > 0 && i < len(s)-1 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// commonStarts are sentence openings safe to lower-case when quoted mid-sentence; anything
// else may be a name and keeps its capital.
var commonStarts = []string{"discussions", "talks", "negotiations", "negotiators", "mediators", "the",
	"lower-level", "officials", "teams", "working", "both", "further", "they", "it", "efforts", "a"}

func lowerFirst(s string) string {
	w := strings.ToLower(strings.SplitN(s, " ", 2)[0])
	if !slices.Contains(commonStarts, w) {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// clip shortens s to at most n runes at a word boundary, ending the sentence either way.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) <= n {
		if !strings.HasSuffix(s, ".") {
			s += "."
		}
		return s
	}
	cut := string(rs[:n-1])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// read returns what s says, from the cache when s was read before.
func (a *Assessor) read(s *story.Story) storyReading {
	if s.ID == "" {
		return a.r.readStory(*s)
	}
	a.mu.Lock()
	c, ok := a.cache[s.ID]
	a.mu.Unlock()
	if ok && c.title == s.Title {
		return c.sr
	}
	sr := a.r.readStory(*s)
	a.mu.Lock()
	if len(a.cache) >= maxCachedReadings {
		clear(a.cache)
	}
	a.cache[s.ID] = cachedReading{title: s.Title, sr: sr}
	a.mu.Unlock()
	return sr
}

// continuingPart narrows a sentence to its ";"-separated part that says the process goes on
// ("Talks ended without a deal; teams remain in Cairo" quotes only the second part).
func (a *Assessor) continuingPart(sentence string) string {
	parts := strings.Split(sentence, "; ")
	if len(parts) == 1 {
		return sentence
	}
	for _, p := range parts {
		if _, cont := a.r.readSentenceFull(p); cont {
			return p
		}
	}
	return sentence
}
