package poller

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTruncateError checks the stored error text: valid UTF-8 even when the limit falls inside
// a multi-byte rune, at most maxErrorLen runes, and a cut marked with "…".
func TestTruncateError(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantCut bool
	}{
		{"short kept whole", "fetch: 503 Service Unavailable", false},
		{"exactly at the limit", strings.Repeat("x", maxErrorLen), false},
		{"ascii over the limit", strings.Repeat("error ", 200), true},
		{"limit inside a rune", "e" + strings.Repeat("é", maxErrorLen), true},
		{"one long word", strings.Repeat("ж", 10*maxErrorLen), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := truncateError(tc.in)
			if !utf8.ValidString(got) {
				t.Errorf("truncateError returned invalid UTF-8 ending %q", got[max(0, len(got)-8):])
			}
			if n := utf8.RuneCountInString(got); n > maxErrorLen {
				t.Errorf("truncateError returned %d runes, want at most %d", n, maxErrorLen)
			}
			if cut := strings.HasSuffix(got, "…"); cut != tc.wantCut {
				t.Errorf("ends with ellipsis = %v, want %v (got %d runes)", cut, tc.wantCut, utf8.RuneCountInString(got))
			}
			if !tc.wantCut && got != tc.in {
				t.Errorf("truncateError changed a text within the limit: %q", got)
			}
		})
	}
}
