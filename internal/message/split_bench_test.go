package message

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSplit splits a large over-limit message: 8,000 runes of content and 30 embeds with
// 3,000-rune descriptions and 10 fields each.
func BenchmarkSplit(b *testing.B) {
	m := Message{Content: lines(100, 80)}
	for i := range 30 {
		m.Embeds = append(m.Embeds, Embed{Title: fmt.Sprintf("Story %d", i), Description: strings.Repeat("word ", 600),
			Fields: fields(10, "name", "value")})
	}
	b.ReportAllocs()
	for b.Loop() {
		Split(m)
	}
}
