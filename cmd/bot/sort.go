package main

import (
	"sort"

	"github.com/heraldbot/herald/internal/story"
)

func sortNewestFirst(s []story.Story) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].Published.After(s[j].Published) })
}
