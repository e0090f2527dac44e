package message

import (
	"testing"
	"time"
)

func TestTimestamp(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name  string
		t     time.Time
		style TimestampStyle
		want  string
	}{
		{name: "relative", t: at, style: TimestampRelative, want: "<t:1796459400:R>"},
		{name: "long", t: at, style: TimestampLong, want: "<t:1796459400:f>"},
		{name: "zero", style: TimestampRelative, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Timestamp(tt.t, tt.style); got != tt.want {
				t.Errorf("Timestamp = %q, want %q", got, tt.want)
			}
		})
	}
}

// The console has no reader's zone: it shows Discord timestamps as UTC times.
func TestTextRendersTimestamps(t *testing.T) {
	t.Parallel()
	m := Message{Content: "Posted <t:1796459400:R>, updated <t:1796459400:f>; not <t:x:R>"}
	want := "Posted 2026-12-05 08:30 UTC, updated 2026-12-05 08:30 UTC; not <t:x:R>"
	if got := Text(m); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
