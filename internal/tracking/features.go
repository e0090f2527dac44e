package tracking

import (
	"slices"
	"strings"

	"github.com/heraldbot/herald/internal/topic"
)

// The headline features below are plain English, not any topic's words: they let a model
// trained on one conflict's headlines tell a report from a call, a question, an explainer or a
// denial in another's.

// modalWords make what follows a wish, a possibility or a demand rather than a report.
var modalWords = []string{"call", "calls", "calling", "called", "urge", "urges", "urged", "urging", "demand",
	"demands", "demanded", "demanding", "hope", "hopes", "hoped", "hoping", "hopeful", "could", "would",
	"should", "may", "might", "if", "seek", "seeks", "seeking", "push", "pushes", "pushing", "press",
	"presses", "pressing", "want", "wants", "plea", "appeal", "appeals", "need", "needs", "possible",
	"prospect", "prospects", "signs", "sign", "chance", "chances", "odds", "bid", "efforts", "effort"}

// negationWords deny or negate what follows.
var negationWords = []string{"no", "not", "never", "without", "nor", "deny", "denies", "denied",
	"rejects", "reject", "rejected", "dismisses", "dismissed", "fail", "fails", "failed", "refuses",
	"refused", "won't", "isn't", "hasn't", "didn't", "doesn't", "don't", "can't", "cannot", "unlikely"}

// subordinators open a clause beside the headline's main news ("strikes kill 40 as talks
// begin", "after the truce ended"): words there count apart from the main clause's.
var subordinators = []string{"as", "amid", "while", "after", "despite", "following", "since", "before",
	"ahead", "during", "until", "once"}

// formWords, first in a headline or before its colon, mark a form rather than a report:
// questions, explainers, opinion, live pages, galleries.
var formWords = []string{"what", "why", "how", "who", "when", "where", "is", "are", "can", "will", "does",
	"do", "should", "explainer", "explained", "analysis", "opinion", "comment", "editorial", "letters",
	"podcast", "video", "watch", "photos", "pictures", "live", "timeline", "factbox", "q", "view"}

// headlineFeatures returns the sorted, distinct features of a headline: its words and word
// pairs, the words of its subordinate clauses apart, its form (question, explainer, live page),
// modality and negation, and what the topic's cues read in it; and the fine kind the cues
// alone read (fineNone when they read nothing).
func (r *reader) headlineFeatures(title string) (feats []string, cue cueRead) {
	feats, cue, _ = r.headlineReadings(title)
	return feats, cue
}

// headlineReadings is headlineFeatures that also returns the cues' readings it was built from.
func (r *reader) headlineReadings(title string) (feats []string, cue cueRead, rds []reading) {
	title = strings.TrimSpace(title)
	set := make(map[string]struct{}, 64)
	add := func(f string) { set[f] = struct{}{} }
	toks := topic.Tokenize(title)
	for i := range toks {
		if isNumber(toks[i]) {
			toks[i] = "<num>"
		}
	}
	addWords(add, toks)
	addForm(add, title, toks)
	rds = r.readSentence(title)
	cue = cueRead{Fine: fineNone}
	if rd, ok := bestOf(plainReadings(rds), 1); ok {
		cue = r.fineOf(rd)
	}
	for _, rd := range rds {
		f := "cue:" + rd.Kind
		add(f)
		for _, m := range []struct {
			on  bool
			tag string
		}{{rd.Negated, ":neg"}, {rd.Hedged, ":hedged"}, {rd.Denied, ":denied"}, {rd.Reported, ":reported"}, {rd.Background, ":bg"}} {
			if m.on {
				add(f + m.tag)
			}
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	slices.Sort(out)
	return out, cue, rds
}

// plainReadings drops the hedged and denied readings: "calls for a ceasefire and talks" or
// "could reach a deal" report no development (the guidelines' none), whatever kind the cues
// map them to; they stay features for the model.
func plainReadings(rds []reading) []reading {
	out := rds[:0:0]
	for _, rd := range rds {
		if !rd.Hedged && !rd.Denied {
			out = append(out, rd)
		}
	}
	return out
}

// addWords adds unigrams, bigrams, and the words of subordinate clauses marked as such.
func addWords(add func(string), toks []string) {
	sub := false
	for i, w := range toks {
		add("w:" + w)
		if st := stem(w); st != w {
			add("st:" + st)
		}
		if i > 0 {
			add("b:" + toks[i-1] + "_" + w)
		}
		if i > 0 && slices.Contains(subordinators, w) {
			sub = true
			add("x:sub:" + w)
			continue
		}
		if sub {
			add("s:" + w)
		}
		if slices.Contains(modalWords, w) {
			add("x:modal")
			if sub {
				add("x:modal:sub")
			}
		}
		if slices.Contains(negationWords, w) || strings.HasSuffix(w, "n't") {
			add("x:neg")
			if !sub {
				add("x:neg:main")
			}
		}
	}
}

// addForm adds the headline's form: a question, a labelled prefix ("Analysis:", "Live:"), its
// first word, quotes.
func addForm(add func(string), title string, toks []string) {
	if strings.HasSuffix(strings.TrimRight(title, " \"'”’)"), "?") {
		add("x:question")
	}
	if len(toks) > 0 {
		add("first:" + toks[0])
		if slices.Contains(formWords, toks[0]) {
			add("x:form")
		}
	}
	if i := strings.IndexAny(title, ":|"); i > 0 {
		pre := topic.Tokenize(title[:i])
		if len(pre) <= 4 {
			for _, w := range pre {
				add("pre:" + w)
				if slices.Contains(formWords, w) {
					add("x:form")
				}
			}
		}
	}
	if strings.ContainsAny(title, "\"“”") {
		add("x:quote")
	}
}

// stem strips an English inflection ("holds", "holding", "held" stay apart, but "talks" and
// "talk", "agreed" and "agree" meet), so that the few labelled examples of a kind count for
// its other forms.
func stem(w string) string {
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

func isNumber(w string) bool {
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return w != ""
}

// cueRead is the fine kind the cues alone read in a headline, and whether the cue's phrase
// names it (Status.Fine: "ceasefire ~ extended" names holding) rather than its kind standing
// for it ("in effect" could be a ceasefire beginning or holding).
type cueRead struct {
	Fine  string
	Named bool
}

// fineOf is the fine kind a plain cue reading reports: the finer development its phrase names
// (Status.Fine, "reject* ~ proposal" is a rejection), else the one its kind stands for.
func (r *reader) fineOf(rd reading) cueRead {
	if f, ok := r.fineByCue[[2]string{rd.Kind, rd.Cue}]; ok {
		return cueRead{Fine: f, Named: true}
	}
	return cueRead{Fine: fineOfCoarse(rd.Kind)}
}

// finePhrase is the fine kind of kind whose words (Status.Fine, compiled) the cue phrase
// uses, or "": "reject* ~ proposal" uses "reject*".
func finePhrase(fine map[string][]topic.Phrase, kind, phrase string) string {
	words := topic.Tokenize(phrase) // "*" and "~" are not letters: the phrase's plain words
	for _, f := range fineKinds() {
		if coarseOf(f) == kind && topic.AnyIn(fine[f], words) {
			return f
		}
	}
	return ""
}
