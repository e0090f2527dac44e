package message

import (
	"fmt"
	"time"
)

// RelativeAge renders how long ago t was, as news readers expect ("just now", "5m ago",
// "3h ago", "2d ago"); a zero t renders as "".
func RelativeAge(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
}
