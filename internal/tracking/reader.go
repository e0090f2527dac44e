package tracking

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/story"
	"github.com/heraldbot/herald/internal/topic"
)

// Reading bounds: headlines and summaries are short by nature (the store keeps summaries of
// story.MaxSummaryRunes); the bounds keep a hostile feed from making Assess slow.
const (
	maxTitleRunes   = 400
	maxSummaryRunes = 2000
)

// Modifier windows, in words before a cue: negation and hedges bind tightly ("no deal",
// "could reach a deal"); a denial governs a whole reported clause ("denies reports that a deal
// has been reached").
const (
	negatorWindow = 3
	hedgeWindow   = 3
	denialWindow  = 6
)

// Weights of one reading: a headline states the story's news; summary sentences support it;
// reported speech, hedges and denials are weaker evidence than a plain statement.
const (
	weightSummary    = 0.6
	weightBackground = 0.5
	weightReported   = 0.85
	weightHedged     = 0.6
	weightDenied     = 0.7
)

// segmentBreaks split a clause where a second statement begins ("Lebanon truce holds as Gaza
// talks stall"), so that each part is judged on its own subject.
var segmentBreaks = []string{"but", "while", "whereas", "as", "amid", "meanwhile"}

// reader reads sentences for the developments they report, using a topic's status cues.
type reader struct {
	idx                     *phraseIndex
	negated, hedged, denied map[string]string
	hasNeighbours           bool
	// model, when the topic names one, reads headlines instead of the cues; cues then read
	// the headline as features of the model (through plain, which ignores neighbour words:
	// the topic matcher has already decided the story is on the topic).
	model *model
	plain *reader
	// fineByCue maps a cue (kind and phrase) to the finer development its words name.
	fineByCue map[[2]string]string
	// names are the words by which a headline names the topic (Match.Any, Match.Weak,
	// Status.About; newReader's reader only, not plain). A story can match on its summary
	// alone ("... Netanyahu ..." under a Brexit headline); its headline then reports someone
	// else's development.
	names []topic.Phrase
}

// newReader compiles a topic's cues and loads the model it names.
func newReader(cfg topic.Config) (*reader, error) {
	r, err := newCueReader(cfg)
	if err != nil {
		return nil, err
	}
	if r.names, err = topic.CompilePhrases(slices.Concat(cfg.Match.Any, cfg.Match.Weak, cfg.Status.About)); err != nil {
		return nil, fmt.Errorf("tracking: topic %s: names: %w", cfg.ID, err)
	}
	if cfg.Status.Model == "" {
		return r, nil
	}
	if r.model, err = loadModel(cfg.Status.Model); err != nil {
		return nil, err
	}
	plain := cfg
	plain.Match.Neighbours = nil
	r.plain, err = newCueReader(plain)
	return r, err
}

// namesTopic tells whether a headline (its words) names the topic; a topic that lists no
// names reads every headline.
func (r *reader) namesTopic(toks []string) bool {
	return len(r.names) == 0 || topic.AnyIn(r.names, toks)
}

// newCueReader compiles a topic's cues.
func newCueReader(cfg topic.Config) (*reader, error) {
	st := cfg.Status
	r := &reader{idx: newPhraseIndex(), negated: st.Negated, hedged: st.Hedged, denied: st.Denied,
		hasNeighbours: len(cfg.Match.Neighbours) > 0, fineByCue: make(map[[2]string]string)}
	fine := make(map[string][]topic.Phrase, len(st.Fine))
	for f, words := range st.Fine {
		if coarseOf(f) == "" {
			return nil, fmt.Errorf("tracking: topic %s: status.fine: %q is not a finer development (want one of %v)",
				cfg.ID, f, fineKinds()[:len(fineKinds())-1])
		}
		ps, err := topic.CompilePhrases(words)
		if err != nil {
			return nil, fmt.Errorf("tracking: topic %s: status.fine: %w", cfg.ID, err)
		}
		fine[f] = ps
	}
	for _, k := range topic.Kinds() {
		if err := r.idx.add(st.Cues[k], classCue, k); err != nil {
			return nil, err
		}
		for _, c := range st.Cues[k] {
			if f := finePhrase(fine, k, c); f != "" {
				r.fineByCue[[2]string{k, c}] = f
			}
		}
	}
	lists := []struct {
		texts []string
		c     class
	}{
		{st.Negators, classNegator}, {st.Hedges, classHedge}, {st.Denials, classDenial},
		{st.Reporting, classReporting}, {st.Background, classBackground},
		{st.Continuing, classContinuing}, {cfg.Match.Any, classAnchor},
		{cfg.Match.Neighbours, classNeighbour}, {st.Trailing, classTrailing},
		{st.Nominal, classNominal}, {st.About, classAbout}, {st.Diplomacy, classDiplomacy},
		{st.Explainers, classExplainer},
	}
	for _, l := range lists {
		if err := r.idx.add(l.texts, l.c, ""); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// reading is one development a sentence reports, after negation, hedges and denials.
type reading struct {
	Kind       string
	Fine       string // the fine kind (see fineKinds)
	Weight     float64
	Background bool // in a clause about the past ("after the truce collapsed")
	Cue        string
	Negated    bool
	Hedged     bool
	Denied     bool
	Reported   bool
	// Confirmed marks a reading the topic's cues make too: a cue reading, or a model reading
	// whose headline the cues read as the same kind. An unconfirmed model reading ("Western
	// leaders look to Qatar…" read as talks; "ceasefire over as soon as it begins" read as
	// began) still counts — the cues miss more than the model — but a status never quotes it
	// as its latest development, where it could show a headline saying something else.
	Confirmed bool
	// Named marks a reading whose cue phrase names its fine kind ("ceasefire holds" is
	// holding; "under the deal" only implies a ceasefire).
	Named bool
	// Lasts is the short length a headline of an agreement or a truce states ("three-day
	// ceasefire"), and Extends whether it speaks of an extension (see truceTerm).
	Lasts   time.Duration
	Extends bool
}

// priority orders kinds when a headline reports several: the later stage is the news
// ("truce takes effect as hostages are freed after deal").
func priority(kind string) int {
	switch kind {
	case topic.KindTalks:
		return 0
	case topic.KindNoDeal:
		return 1
	case topic.KindAgreement:
		return 2
	case topic.KindInEffect:
		return 3
	case topic.KindCollapsed:
		return 4
	}
	return -1
}

// readSentence returns the developments one sentence reports, in order of appearance.
func (r *reader) readSentence(s string) []reading {
	rds, _ := r.readSentenceFull(s)
	return rds
}

// readSentenceFull also reports whether the sentence says the process continues (and speaks of
// it: a cue or what the topic is about). Each clause is tokenized and searched once. A question
// ends where its question mark does ("How to free the captives? This is what a deal looks
// like") and asks only its last sentence ("Rocket fire disrupts the truce. How long can it
// last?"); a sentence ends at its full stop, so a gapped cue does not join two ("I've been under
// bombardment. There must be a ceasefire"); a headline of several statements ("Live: …; …")
// reads only the statements about the topic (see Status.About).
func (r *reader) readSentenceFull(s string) (rds []reading, continuing bool) {
	var segs []segment
	var sc sentenceScan
	for _, part := range splitQuestions(s) {
		var stmts []string
		asked := 0 // the statements before the sentence the question mark ends are not asked
		for _, sent := range splitSentences(part.text) {
			asked = len(stmts)
			stmts = append(stmts, splitStatements(sent)...)
		}
		for n, stmt := range stmts {
			first := len(segs)
			var about bool
			segs, about = r.statementSegments(segs, stmt, part.question && n >= asked, &sc)
			for i := first; i < len(segs) && len(stmts) > 1 && !about; i++ {
				segs[i].excluded = true
			}
		}
	}
	calling := false // the clause before is a call, an offer, a hope (it holds a hedge)
	for _, seg := range segs {
		if !seg.excluded {
			rds = r.readSegment(rds, seg.hits, seg.question, seg.listed && calling, sc.reported)
		}
		calling = slices.ContainsFunc(seg.hits, func(h hit) bool { return h.e.class == classHedge })
	}
	// "Will continue" says the talks go on only in a sentence about them or the ceasefire, not
	// in "the relationship between Saudi Arabia and Israel will continue to develop".
	return rds, sc.continuing && sc.talked
}

// segment is a clause's run of words between segment breaks, with the phrases found in it.
type segment struct {
	hits               []hit
	question, excluded bool
	// listed marks a clause that may continue the list of the clause before it ("calls for a
	// ceasefire, peace talks").
	listed bool
}

// sentenceScan is what the phrases of a whole sentence say about it.
type sentenceScan struct {
	reported, continuing, talked bool
}

// statementSegments appends one statement's segments to segs, asked when it is a question's,
// and tells whether the statement is about the topic. An explainer ("what we know", "explained") asks what
// its clause names, and the whole statement when it leads it ("Explainer: …", "What we know
// about the deal reached …"): it names a development without reporting it.
func (r *reader) statementSegments(segs []segment, stmt string, asked bool, sc *sentenceScan) (_ []segment, about bool) {
	first, leads := len(segs), false
	for ci, clause := range splitClauses(stmt) {
		opened, explained := len(segs), false
		for si, seg := range segments(topic.Tokenize(clause)) {
			hits := r.idx.find(nil, seg)
			for _, h := range hits {
				c := h.e.class
				sc.reported = sc.reported || c == classReporting
				sc.continuing = sc.continuing || c == classContinuing
				sc.talked = sc.talked || c == classCue || c == classAbout
				about = about || c == classAnchor || c == classAbout
				explained = explained || c == classExplainer
				leads = leads || (c == classExplainer && ci == 0 && si == 0 && h.Start == 0)
			}
			segs = append(segs, segment{hits: hits, question: asked, listed: ci > 0 && si == 0})
		}
		for i := opened; explained && i < len(segs); i++ {
			segs[i].question = true
		}
	}
	for i := first; leads && i < len(segs); i++ {
		segs[i].question = true
	}
	return segs, about
}

// questionPart is a run of a sentence up to and including its question mark, or the rest.
type questionPart struct {
	text     string
	question bool
}

// splitQuestions splits s after each question mark.
func splitQuestions(s string) []questionPart {
	var out []questionPart
	for {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			break
		}
		out = append(out, questionPart{text: s[:i+1], question: true})
		s = s[i+1:]
	}
	if strings.TrimSpace(strings.Trim(s, "\"'”’)")) != "" || len(out) == 0 {
		out = append(out, questionPart{text: s})
	}
	return out
}

// splitStatements splits a headline into its statements: the parts between semicolons and
// vertical bars (a live page's "…; …; …").
func splitStatements(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' })
}

// readSegment turns the hits of one segment into readings; reported speech is a property of
// the whole sentence ("..., a U.S. official said"). A clause listed after a call ("China calls
// for a ceasefire, peace talks") is hedged by it when it opens with a one-word cue: "talks
// resume" has a verb of its own.
func (r *reader) readSegment(out []reading, hits []hit, question, listed, reported bool) []reading {
	anchor, neighbour, bg := false, false, -1
	for _, h := range hits {
		switch h.e.class {
		case classAnchor:
			anchor = true
		case classNeighbour:
			neighbour = true
		case classBackground:
			if bg < 0 || h.Start < bg {
				bg = h.Start
			}
		}
	}
	if neighbour && !anchor {
		return out // about Lebanon, Ukraine...: not this topic's news
	}
	mods := modifierMap(hits)
	for _, h := range hits {
		// A hedge carries through the ceasefire it governs to the cues after it: "calls for a
		// ceasefire and peace talks" calls for both.
		if h.e.class == classAbout && governs(h, mods, classHedge, hedgeWindow) {
			mods[h.Start] |= 1 << classHedge
		}
	}
	for _, c := range pickCues(hits) {
		rd, ok := r.modify(c, mods, question || (listed && c.e.fixed == 1 && c.Start <= 1))
		if !ok {
			continue
		}
		rd.Reported = reported
		if reported {
			rd.Weight *= weightReported
		}
		if bg >= 0 && c.Start > bg {
			rd.Background = true
		}
		out = append(out, rd)
	}
	return out
}

// pickCues keeps, among overlapping cue matches, the most specific one (most literal words,
// then longest, then latest stage), so "ceasefire talks collapse" reads as failed talks, not
// a collapsed ceasefire.
func pickCues(hits []hit) []hit {
	var cues []hit
	for _, h := range hits {
		if h.e.class == classCue && !spansClause(h, hits) {
			cues = append(cues, h)
		}
	}
	slices.SortStableFunc(cues, func(a, b hit) int {
		if a.e.fixed != b.e.fixed {
			return b.e.fixed - a.e.fixed
		}
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		if pa, pb := priority(a.e.kind), priority(b.e.kind); pa != pb {
			return pb - pa
		}
		return a.Start - b.Start
	})
	var kept []hit
	n := 0
	for _, c := range cues {
		n = max(n, c.End)
	}
	taken := make([]bool, n)
	for _, c := range cues {
		free := true
		for i := c.Start; i < c.End && free; i++ {
			free = !taken[i]
		}
		if !free {
			continue
		}
		for i := c.Start; i < c.End; i++ {
			taken[i] = true
		}
		kept = append(kept, c)
	}
	slices.SortFunc(kept, func(a, b hit) int { return a.Start - b.Start })
	return kept
}

// spansClause tells whether cue c skips over a word that opens a clause about the past
// ("talks resume after the truce collapse" is no collapse of talks), or, for a cue about the
// ceasefire itself, over what the sentence is about instead ("as ceasefire talks begin" is
// talks beginning, not a ceasefire).
func spansClause(c hit, hits []hit) bool {
	ceasefire := c.e.kind == topic.KindInEffect || c.e.kind == topic.KindCollapsed
	for _, h := range hits {
		if (h.e.class == classBackground || ceasefire && h.e.class == classNominal) && c.InGap(h.Start) {
			return true
		}
	}
	return false
}

// modify applies the modifiers around cue c, hedged already when the sentence is a question or
// continues a call; ok is false when the modified cue means nothing (a denied report of talks,
// say).
func (r *reader) modify(c hit, mods []uint16, hedged bool) (reading, bool) {
	rd := reading{Kind: c.e.kind, Weight: 1, Cue: c.e.p.Text}
	rd.Denied = governs(c, mods, classDenial, denialWindow)
	rd.Negated = governs(c, mods, classNegator, negatorWindow)
	rd.Hedged = hedged || governs(c, mods, classHedge, hedgeWindow) || follows(c, mods, classTrailing)
	if follows(c, mods, classNominal) || c.e.fixed == 1 && follows(c, mods, classDiplomacy) {
		return rd, false
	}
	if rd.Denied {
		rd.Weight *= weightDenied
		if rd.Kind = r.denied[rd.Kind]; rd.Kind == "" {
			return rd, false
		}
	} else if rd.Negated {
		if rd.Kind = r.negated[rd.Kind]; rd.Kind == "" {
			return rd, false
		}
	}
	if rd.Hedged {
		rd.Weight *= weightHedged
		if rd.Kind = r.hedged[rd.Kind]; rd.Kind == "" {
			return rd, false
		}
	}
	return rd, true
}

// governs reports whether a modifier of class cl starts within window words before the cue
// or inside a gap of it ("ceasefire has not collapsed").
func governs(c hit, mods []uint16, cl class, window int) bool {
	bit, tail := uint16(1)<<cl, uint16(0)
	if cl == classHedge {
		tail = 1 << classHedgeTail
	}
	for i := max(c.Start-window, 0); i < c.End && i < len(mods); i++ {
		if (mods[i]&bit != 0 && (i < c.Start || c.InGap(i))) || (mods[i]&tail != 0 && i < c.Start) {
			return true
		}
	}
	return false
}

// follows reports whether a modifier of class cl starts right after the cue.
func follows(c hit, mods []uint16, cl class) bool {
	return c.End < len(mods) && mods[c.End]&(1<<cl) != 0
}

// modifierMap records, by word position, which modifier classes start there.
func modifierMap(hits []hit) []uint16 {
	n := 0
	for _, h := range hits {
		n = max(n, h.End)
	}
	mods := make([]uint16, n)
	for _, h := range hits {
		switch h.e.class {
		case classHedge:
			// A hedge's window counts from its last word: "calls for [a] ceasefire",
			// "offers to mediate [Israel-Gaza] negotiations".
			mods[h.Start] |= 1 << classHedge
			for i := h.Start + 1; i < h.End; i++ {
				mods[i] |= 1 << classHedgeTail
			}
		case classNegator, classDenial, classTrailing, classNominal, classDiplomacy:
			mods[h.Start] |= 1 << h.e.class
		}
	}
	return mods
}

// segments splits a clause's words before each segment break.
func segments(toks []string) [][]string {
	var out [][]string
	start := 0
	for i := 1; i < len(toks); i++ {
		if slices.Contains(segmentBreaks, toks[i]) && !(toks[i] == "as" && i+1 < len(toks) && toks[i+1] == "part") {
			out = append(out, toks[start:i])
			start = i
		}
	}
	return append(out, toks[start:])
}

// splitClauses splits a sentence at clause punctuation.
func splitClauses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', ';', ':', '—', '–', '(', ')', '|':
			return true
		}
		return false
	})
}

// abbreviations end with a full stop that does not end a sentence.
var abbreviations = []string{"mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sen", "rep", "gov", "no"}

// splitSentences splits text into sentences at ., ! or ? followed by a space and a capital,
// digit or quote, leaving abbreviations like "U.S." and "Mr." intact.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if c := text[i]; (c != '.' && c != '!' && c != '?') || text[i+1] != ' ' {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(text[i+2:]); !startsSentence(r) {
			continue
		}
		if text[i] == '.' && isAbbreviation(text[start:i]) {
			continue
		}
		if s := strings.TrimSpace(text[start : i+1]); s != "" {
			out = append(out, s)
		}
		start = i + 1
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func startsSentence(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"'“‘", r)
}

// isAbbreviation reports whether the word before a full stop is an abbreviation ("U.S", "Mr").
func isAbbreviation(before string) bool {
	w := before
	if i := strings.LastIndexByte(w, ' '); i >= 0 {
		w = w[i+1:]
	}
	if strings.Contains(w, ".") {
		return true
	}
	if r, n := utf8.DecodeRuneInString(w); n == len(w) && unicode.IsUpper(r) {
		return true
	}
	return slices.Contains(abbreviations, strings.ToLower(w))
}

// storyReading is what one story says: its main development and the older ones it recalls.
type storyReading struct {
	main       reading
	ok         bool
	background []reading
	continuing string // a sentence saying the process goes on
}

// readStory reads a story's headline, then its summary when the headline reports nothing; a
// headline that does not name the topic reports nothing of it, whatever its summary says.
// With a model, the headline alone decides (summaries open with background as often as with
// news), and the summary is read only for a sentence saying the process continues.
func (r *reader) readStory(s story.Story) storyReading {
	toks := topic.Tokenize(story.Truncate(s.Title, maxTitleRunes))
	if !r.namesTopic(toks) {
		return storyReading{}
	}
	sr := r.readHeadline(s)
	if !sr.ok || !slices.Contains([]string{topic.KindAgreement, topic.KindInEffect, topic.KindCollapsed}, sr.main.Kind) {
		return sr
	}
	if localPause(toks) {
		return storyReading{} // a few hours' pause for civilians is not the ceasefire
	}
	if sr.main.Kind != topic.KindCollapsed {
		sr.main.Lasts, sr.main.Extends = truceTerm(toks)
	}
	return sr
}

// readHeadline is readStory for a story that names the topic.
func (r *reader) readHeadline(s story.Story) storyReading {
	if r.model != nil {
		return r.readWithModel(s)
	}
	var sr storyReading
	title := r.readSentence(story.Truncate(s.Title, maxTitleRunes))
	sr.main, sr.ok = bestOf(title, 1)
	sr.main.Confirmed = true // read by the cues themselves
	sr.background = backgroundOf(title, nil)
	var sum []reading
	for _, sent := range splitSentences(story.Truncate(s.Summary, maxSummaryRunes)) {
		rds, cont := r.readSentenceFull(sent)
		sum = append(sum, rds...)
		sr.background = backgroundOf(rds, sr.background)
		if sr.continuing == "" && cont {
			sr.continuing = sent
		}
	}
	if !sr.ok {
		sr.main, sr.ok = heaviestOf(sum, weightSummary)
		sr.main.Confirmed = true
	}
	return sr
}

// heaviestOf picks, for a summary, the kind its sentences support most (a summary is read for
// its weight of evidence, not its most dramatic clause), scaled by scale.
func heaviestOf(rds []reading, scale float64) (reading, bool) {
	sums := make(map[string]float64)
	first := make(map[string]reading)
	for _, rd := range rds {
		if rd.Background {
			continue
		}
		sums[rd.Kind] += rd.Weight
		if _, ok := first[rd.Kind]; !ok {
			first[rd.Kind] = rd
		}
	}
	best, ok := reading{}, false
	for _, k := range topic.Kinds() {
		if w, has := sums[k]; has && (!ok || w >= sums[best.Kind]) {
			best, ok = first[k], true
		}
	}
	best.Weight = min(best.Weight, 1) * scale
	return best, ok
}

// bestOf picks the latest-stage foreground reading, heaviest on ties, scaled by scale.
func bestOf(rds []reading, scale float64) (reading, bool) {
	best, ok := reading{}, false
	for _, rd := range rds {
		if rd.Background {
			continue
		}
		if !ok || priority(rd.Kind) > priority(best.Kind) ||
			(rd.Kind == best.Kind && rd.Weight > best.Weight) {
			best, ok = rd, true
		}
	}
	best.Weight *= scale
	return best, ok
}

func backgroundOf(rds, dst []reading) []reading {
	for _, rd := range rds {
		if rd.Background {
			rd.Weight *= weightBackground
			dst = append(dst, rd)
		}
	}
	return dst
}

// confident is the probability at which a model reading weighs as much as a plain headline
// read by the cues.
const confident = 0.8

// readWithModel reads the headline with the model: its most probable kind, weighted by the
// probability of the state kind it implies.
func (r *reader) readWithModel(s story.Story) storyReading {
	var sr storyReading
	feats, cue, rds := r.plain.headlineReadings(story.Truncate(s.Title, maxTitleRunes))
	fine, p := r.model.decide(r.model.predict(feats), cue)
	if kind := coarseOf(fine); kind != "" {
		sr.main, sr.ok = reading{Kind: kind, Fine: fine, Weight: min(p/confident, 1)}, true
		sr.main.Confirmed = confirms(rds, kind)
		sr.main.Named = cue.Named && cue.Fine == fine
	}
	for _, sent := range splitSentences(story.Truncate(s.Summary, maxSummaryRunes)) {
		if _, cont := r.readSentenceFull(sent); cont {
			sr.continuing = sent
			break
		}
	}
	return sr
}

// confirms tells whether the cues' readings of a headline (after negation and hedges) read
// kind in its foreground.
func confirms(rds []reading, kind string) bool {
	for _, rd := range rds {
		if !rd.Background && rd.Kind == kind {
			return true
		}
	}
	return false
}
