package briefing

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/heraldbot/herald/internal/story"
)

// clusterParams are the clustering knobs; defaultParams were tuned on testdata/headlines.tsv,
// as published and moved onto one day (TestClusteringQuality, TestClusteringSameDay; the
// search is TestClusteringSweep). Without average linkage the time penalty did all the work
// and one day's related events chained into one entry (same-day precision 0.42).
type clusterParams struct {
	// threshold is the similarity two titles published together need to report one event.
	threshold float64
	// perHour raises the threshold with the gap between the two publications: the same words
	// days apart are usually a later development (a new round of talks), not the same report.
	perHour float64
	// maxGap is the gap beyond which two stories never cluster by title.
	maxGap time.Duration
	// prior is the number of unrelated titles assumed besides the batch when weighting words by
	// rarity, so that a small batch (three reports of one event) does not devalue shared words.
	prior float64
	// minShared is how many distinctive (non-weak) tokens two titles must share.
	minShared int
	// average is the mean similarity over all cross pairs two groups need to merge (average
	// linkage): one bridging pair must not chain "Kursk incursion" and "Kursk emergency".
	average float64
}

func defaultParams() clusterParams {
	return clusterParams{threshold: 0.25, perHour: 0.02, maxGap: 36 * time.Hour, prior: 50, minShared: 2, average: 0.25}
}

// stopWords are dropped before comparing titles: function words and newsroom filler carry no
// event identity ("live", "update", "says" appear in every outlet's headlines).
const stopWords = `a an the and or but nor of to in on at by for from with without into onto
	as is are was were be been being has have had do does did will would can could may might must
	shall should it its this that these those there their they them he she his her we our you your
	i me my not no than then so if about after before over under amid against between during
	while up down out off again more most very just also who what when where which why how all
	any both each few other some such only own same too s t now new says said say tells told
	report reports reported live latest update updates breaking watch video photos analysis opinion
	exclusive here whats what's`

// weakWords count half: they recur across unrelated events of one kind.
const weakWords = `talk talks killed kill kills dead death deaths attack attacks strike strikes
	people first year years day days week official officials government minister president leader
	leaders country world news hit hits`

// synonyms maps newsroom variants onto one token (applied before stemming).
const synonyms = `earthquake=quake negotiations=talks negotiation=talks airstrike=strike
	airstrikes=strikes pm=premier`

// vocabulary holds the word lists as lookup tables, built per clustering run so that nothing
// mutable lives at package level.
type vocabulary struct {
	stop, weak map[string]bool
	synonyms   map[string]string
}

func newVocabulary() vocabulary {
	v := vocabulary{stop: map[string]bool{}, weak: map[string]bool{}, synonyms: map[string]string{}}
	for _, w := range strings.Fields(stopWords) {
		v.stop[w] = true
	}
	for _, w := range strings.Fields(weakWords) {
		v.weak[stem(w)] = true
	}
	for _, p := range strings.Fields(synonyms) {
		from, to, _ := strings.Cut(p, "=")
		v.synonyms[from] = to
	}
	return v
}

// tokens normalises a title to its distinctive word stems: lower case, punctuation dropped,
// stop words removed (but not acronyms: "WHO" is an agency, "who" is not), stemmed, each once,
// sorted. A trailing " - Outlet" or " | Outlet" naming the story's own source is removed first.
func (v vocabulary) tokens(title, source string) []string {
	title = stripOutlet(title, source)
	if len(title) > maxTitleBytes {
		title = strings.ToValidUTF8(title[:maxTitleBytes], "")
	}
	shouting := !hasLower(title)
	out := make([]string, 0, 16)
	for _, f := range strings.FieldsFunc(title, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '.' && r != ','
	}) {
		f = strings.TrimFunc(f, isTrimmed)
		acronym := !shouting && len(f) >= 2 && len(f) <= 5 && !hasLower(f) && strings.IndexFunc(f, unicode.IsUpper) >= 0
		w := strings.Map(func(r rune) rune {
			if r == '.' || r == ',' {
				return -1
			}
			return unicode.ToLower(r)
		}, f)
		if s, ok := v.synonyms[w]; ok {
			w = s
		}
		if w == "" || (v.stop[w] && !acronym) {
			continue
		}
		out = append(out, stem(w))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isTrimmed(r rune) bool { return r == '.' || r == ',' || r == '\'' || r == '’' }

func hasLower(s string) bool { return strings.IndexFunc(s, unicode.IsLower) >= 0 }

// stripOutlet removes a trailing outlet name that aggregators and some feeds append.
func stripOutlet(title, source string) string {
	source = strings.TrimSpace(source)
	if source == "" {
		return title
	}
	title = strings.TrimSpace(title)
	for _, sep := range []string{" - ", " | ", " – ", " — "} {
		suffix := sep + source
		if n := len(title) - len(suffix); n > 0 && strings.EqualFold(title[n:], suffix) {
			return title[:n]
		}
	}
	return title
}

// maxTitleBytes bounds the text compared per title: headlines are short (stories cap titles at
// 256 runes), and a pathological one must not make clustering quadratic in its length.
const maxTitleBytes = 512

// stemLen truncates stems: six letters join "Israel"/"Israeli", "Ukraine"/"Ukrainian",
// "Democrats"/"Democratic", "monopoly"/"monopolist" — cheap, and good enough for headlines.
const stemLen = 6

// stem strips possessives and a few suffixes, then truncates to stemLen runes.
func stem(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	w = strings.Trim(w, "'’")
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		w = w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	if len(w) > 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	n := 0
	for i := range w {
		if n == stemLen {
			return w[:i]
		}
		n++
	}
	return w
}

// batch is a clustering run's titles as interned token ids, with each token's weight.
type batch struct {
	toks   [][]int // per story, sorted ids
	weight []float64
	weak   []bool
}

// newBatch tokenises the titles and weighs each token by its rarity in the batch (smoothed
// inverse document frequency, weak words halved): a shared "Starliner" says more than a
// shared "Gaza" among a day's news.
func newBatch(v vocabulary, stories []story.Story, prior float64) batch {
	ids := map[string]int{}
	var b batch
	var df []int
	b.toks = make([][]int, len(stories))
	for i, s := range stories {
		words := v.tokens(s.Title, s.Source)
		ts := make([]int, 0, len(words))
		for _, w := range words {
			id, ok := ids[w]
			if !ok {
				id = len(df)
				ids[w] = id
				df = append(df, 0)
				b.weak = append(b.weak, v.weak[w])
			}
			df[id]++
			ts = append(ts, id)
		}
		slices.Sort(ts)
		b.toks[i] = ts
	}
	n := float64(len(stories)) + prior
	b.weight = make([]float64, len(df))
	for id, d := range df {
		b.weight[id] = math.Log(n / float64(d+1))
		if b.weak[id] {
			b.weight[id] /= 2
		}
	}
	return b
}

// similarity is how much of the shorter title the longer one covers, by weight, averaged with
// their weighted Jaccard similarity; shared counts the shared non-weak tokens.
func (b batch) similarity(x, y int) (sim float64, shared int) {
	a, c := b.toks[x], b.toks[y]
	var inter, wa, wc float64
	i, j := 0, 0
	for i < len(a) || j < len(c) {
		switch {
		case j == len(c) || (i < len(a) && a[i] < c[j]):
			wa += b.weight[a[i]]
			i++
		case i == len(a) || c[j] < a[i]:
			wc += b.weight[c[j]]
			j++
		default:
			w := b.weight[a[i]]
			inter, wa, wc = inter+w, wa+w, wc+w
			if !b.weak[a[i]] {
				shared++
			}
			i++
			j++
		}
	}
	if inter == 0 {
		return 0, shared
	}
	containment := inter / min(wa, wc)
	jaccard := inter / (wa + wc - inter)
	return (containment + jaccard) / 2, shared
}

// cluster groups stories reporting the same event with defaultParams.
func cluster(stories []story.Story) [][]int { return clusterWith(stories, defaultParams()) }

// clusterWith groups stories reporting the same event: same canonical link, or similar titles
// published close enough together. It returns groups of indexes into stories, each in index
// order, groups ordered by their first member.
func clusterWith(stories []story.Story, p clusterParams) [][]int {
	b := newBatch(newVocabulary(), stories, p.prior)
	l := newLinkage(len(stories))
	byLink := map[string]int{}
	for i, s := range stories {
		if s.Link == "" {
			continue
		}
		if j, ok := byLink[s.Link]; ok {
			l.force(i, j)
		} else {
			byLink[s.Link] = i
		}
	}
	at := make([]time.Time, len(stories))
	for i, s := range stories {
		at[i] = s.Published
	}
	candidatePairs(b.toks, func(i, j int) {
		g := gap(at[i], at[j])
		if g > p.maxGap {
			return
		}
		sim, shared := b.similarity(i, j)
		if shared < p.minShared {
			return
		}
		l.add(i, j, sim-p.perHour*g.Hours(), p.threshold)
	})
	return l.merge(p.average)
}

// linkage is average-linkage agglomeration over the similar pairs: pairs at or above the
// threshold are merge candidates, best first, and two groups merge only when the mean
// similarity over all their cross pairs (absent pairs count 0) reaches the average bar.
type linkage struct {
	uf      *unionFind
	sim     map[[2]int32]float64
	edges   []scoredPair
	members map[int][]int
}

type scoredPair struct {
	i, j int
	sim  float64
}

func newLinkage(n int) *linkage {
	return &linkage{uf: newUnionFind(n), sim: map[[2]int32]float64{}, members: map[int][]int{}}
}

func pairKey(i, j int) [2]int32 {
	if i > j {
		i, j = j, i
	}
	return [2]int32{int32(i), int32(j)}
}

// force records a certain pair (a shared canonical link): merged first, whatever the titles.
func (l *linkage) force(i, j int) {
	l.sim[pairKey(i, j)] = 1
	l.edges = append(l.edges, scoredPair{i, j, math.Inf(1)})
}

// add records a pair's (time-adjusted) similarity; it is a merge candidate at or above threshold.
func (l *linkage) add(i, j int, sim, threshold float64) {
	if sim <= 0 {
		return
	}
	l.sim[pairKey(i, j)] = sim
	if sim >= threshold {
		l.edges = append(l.edges, scoredPair{i, j, sim})
	}
}

func (l *linkage) group(r int) []int {
	if m, ok := l.members[r]; ok {
		return m
	}
	return []int{r}
}

func (l *linkage) mean(a, b []int) float64 {
	var sum float64
	for _, i := range a {
		for _, j := range b {
			if s, ok := l.sim[pairKey(i, j)]; ok {
				sum += s
			}
		}
	}
	return sum / float64(len(a)*len(b))
}

// merge agglomerates best pairs first and returns the groups (see unionFind.groups).
func (l *linkage) merge(average float64) [][]int {
	slices.SortStableFunc(l.edges, func(x, y scoredPair) int {
		if x.sim != y.sim {
			if x.sim > y.sim {
				return -1
			}
			return 1
		}
		if x.i != y.i {
			return x.i - y.i
		}
		return x.j - y.j
	})
	for _, e := range l.edges {
		ra, rb := l.uf.find(e.i), l.uf.find(e.j)
		if ra == rb {
			continue
		}
		ga, gb := l.group(ra), l.group(rb)
		if !math.IsInf(e.sim, 1) && l.mean(ga, gb) < average {
			continue
		}
		l.uf.union(ra, rb)
		delete(l.members, ra)
		delete(l.members, rb)
		l.members[l.uf.find(ra)] = append(append([]int(nil), ga...), gb...)
	}
	return l.uf.groups()
}

// candidatePairs calls fn once for each pair (i<j) sharing at least one token: only they can
// be similar. An inverted index spares comparing unrelated stories.
func candidatePairs(toks [][]int, fn func(i, j int)) {
	var index [][]int // token id → stories holding it
	for i, ts := range toks {
		for _, t := range ts {
			for t >= len(index) {
				index = append(index, nil)
			}
			index[t] = append(index[t], i)
		}
	}
	// seenBy[j] == i+1 marks j as already paired with i: a stamp array instead of a pair set.
	seenBy := make([]int, len(toks))
	for i, ts := range toks {
		for _, t := range ts {
			for _, j := range index[t] {
				if j <= i || seenBy[j] == i+1 {
					continue
				}
				seenBy[j] = i + 1
				fn(i, j)
			}
		}
	}
}

func gap(a, b time.Time) time.Duration {
	if a.IsZero() || b.IsZero() {
		return 0
	}
	if d := a.Sub(b); d >= 0 {
		return d
	}
	return b.Sub(a)
}

type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &unionFind{parent: p}
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra < rb {
		u.parent[rb] = ra
	} else {
		u.parent[ra] = rb
	}
}

// groups returns the sets, each in index order, ordered by smallest member.
func (u *unionFind) groups() [][]int {
	at := map[int]int{}
	var out [][]int
	for i := range u.parent {
		r := u.find(i)
		k, ok := at[r]
		if !ok {
			k = len(out)
			at[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}
