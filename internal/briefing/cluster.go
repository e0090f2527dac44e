package briefing

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/heraldbot/herald/internal/story"
)

// Clustering thresholds, tuned on testdata/headlines.tsv (see TestClusteringQuality).
const (
	// simThreshold is the weighted Jaccard similarity of two titles' tokens above which they
	// report the same event.
	simThreshold = 0.5
	// maxGap is how far apart two reports of one event can be published: the same words a week
	// apart are a later round of the same story (new talks, a new strike), not the same event.
	maxGap = 36 * time.Hour
)

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
	leaders country world news`

// vocabulary holds the word sets as lookup tables, built per clustering run so that nothing
// mutable lives at package level.
type vocabulary struct{ stop, weak map[string]bool }

func newVocabulary() vocabulary {
	return vocabulary{stop: setOf(stopWords), weak: setOf(weakWords)}
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
		m[stem(w)] = true
	}
	return m
}

// tokens normalises a title to its distinctive word stems: lower case, punctuation dropped,
// possessives and common suffixes stripped, stop words removed, each stem once, sorted. A
// trailing " - Outlet" or " | Outlet" naming the story's own source is removed first.
func (v vocabulary) tokens(title, source string) []string {
	title = stripOutlet(title, source)
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '.'
	}) {
		w := stem(strings.Trim(strings.ReplaceAll(f, ".", ""), "'’"))
		if w == "" || v.stop[w] || v.stop[f] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// stripOutlet removes a trailing outlet name that aggregators and some feeds append.
func stripOutlet(title, source string) string {
	if source == "" {
		return title
	}
	for _, sep := range []string{" - ", " | ", " – ", " — "} {
		i := strings.LastIndex(title, sep)
		if i > 0 && strings.EqualFold(strings.TrimSpace(title[i+len(sep):]), strings.TrimSpace(source)) {
			return title[:i]
		}
	}
	return title
}

// stem is a deliberately small English suffix stripper: enough to match "strikes"/"strike",
// "talks"/"talk", "agreed"/"agrees"/"agree", "killing"/"kill" across outlets' phrasing.
func stem(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
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
	return w
}

func (v vocabulary) weight(tok string) float64 {
	if v.weak[tok] {
		return 0.5
	}
	return 1
}

// similarity is the weighted Jaccard similarity of two sorted token lists.
func (v vocabulary) similarity(a, b []string) float64 {
	var inter, union float64
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			union += v.weight(a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			union += v.weight(b[j])
			j++
		default:
			inter += v.weight(a[i])
			union += v.weight(a[i])
			i++
			j++
		}
	}
	if union == 0 {
		return 0
	}
	return inter / union
}

// cluster groups stories reporting the same event: same canonical link, or near-duplicate
// titles published within maxGap. It returns groups of indexes into stories, each group in
// input order, groups ordered by their first member.
func cluster(stories []story.Story) [][]int {
	n := len(stories)
	v := newVocabulary()
	uf := newUnionFind(n)
	toks := make([][]string, n)
	byLink := map[string]int{}
	for i, s := range stories {
		toks[i] = v.tokens(s.Title, s.Source)
		if s.Link == "" {
			continue
		}
		if j, ok := byLink[s.Link]; ok {
			uf.union(i, j)
		} else {
			byLink[s.Link] = i
		}
	}
	for _, p := range candidatePairs(toks) {
		a, b := stories[p[0]], stories[p[1]]
		if gap(a.Published, b.Published) <= maxGap && v.similarity(toks[p[0]], toks[p[1]]) >= simThreshold {
			uf.union(p[0], p[1])
		}
	}
	return uf.groups()
}

// candidatePairs lists the pairs (i<j) sharing at least one token: only they can be similar.
// An inverted index keeps this near-linear for a day's stories instead of comparing all pairs.
func candidatePairs(toks [][]string) [][2]int {
	index := map[string][]int{}
	for i, ts := range toks {
		for _, t := range ts {
			index[t] = append(index[t], i)
		}
	}
	seen := map[[2]int]bool{}
	var pairs [][2]int
	for i, ts := range toks {
		for _, t := range ts {
			for _, j := range index[t] {
				if j <= i || seen[[2]int{i, j}] {
					continue
				}
				seen[[2]int{i, j}] = true
				pairs = append(pairs, [2]int{i, j})
			}
		}
	}
	return pairs
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
