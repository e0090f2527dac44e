package tracking

import (
	"strings"

	"github.com/heraldbot/herald/internal/topic"
)

// class is what a phrase of the index means when it matches.
type class uint8

const (
	classCue class = iota
	classNegator
	classHedge
	classDenial
	classReporting
	classBackground
	classContinuing
	classAnchor
	classNeighbour
	classTrailing
	classNominal
	classAbout
	classDiplomacy
	classExplainer
	// classHedgeTail marks the words of a hedge after its first (modifierMap): a hedge's
	// window counts from its last word, but only a hedge's first word counts inside a cue.
	classHedgeTail
)

// entry is one indexed phrase with its meaning.
type entry struct {
	p     topic.Phrase
	class class
	kind  string // for cues
	fixed int
}

// hit is one match of an indexed phrase in a clause.
type hit struct {
	topic.Hit
	e *entry
}

// phraseIndex finds every configured phrase in a clause in one pass over its words: phrases
// are indexed by their first word (exact) or its first three letters (prefix phrases), so the
// cost grows with the clause, not with the hundreds of configured cues.
type phraseIndex struct {
	exact  map[string][]*entry
	prefix map[string][]*entry
	short  []*entry // prefix phrases shorter than three letters
}

func newPhraseIndex() *phraseIndex {
	return &phraseIndex{exact: make(map[string][]*entry), prefix: make(map[string][]*entry)}
}

func (x *phraseIndex) add(texts []string, c class, kind string) error {
	ps, err := topic.CompilePhrases(texts)
	if err != nil {
		return err
	}
	for _, p := range ps {
		e := &entry{p: p, class: c, kind: kind, fixed: p.Fixed()}
		w, pre := p.First()
		switch {
		case !pre:
			x.exact[w] = append(x.exact[w], e)
		case len(w) >= 3:
			x.prefix[w[:3]] = append(x.prefix[w[:3]], e)
		default:
			x.short = append(x.short, e)
		}
	}
	return nil
}

// find appends every match in toks to dst.
func (x *phraseIndex) find(dst []hit, toks []string) []hit {
	for i, t := range toks {
		dst = x.tryAll(dst, x.exact[t], toks, i)
		if len(t) >= 3 {
			dst = x.tryAll(dst, x.prefix[t[:3]], toks, i)
		}
		for _, e := range x.short {
			w, _ := e.p.First()
			if strings.HasPrefix(t, w) {
				dst = x.tryAll(dst, []*entry{e}, toks, i)
			}
		}
	}
	return dst
}

func (x *phraseIndex) tryAll(dst []hit, es []*entry, toks []string, i int) []hit {
	for _, e := range es {
		if h, ok := e.p.At(toks, i); ok {
			dst = append(dst, hit{Hit: h, e: e})
		}
	}
	return dst
}
