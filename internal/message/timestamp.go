package message

import (
	"regexp"
	"strconv"
	"time"
)

// TimestampStyle is a Discord timestamp format letter.
type TimestampStyle byte

// The styles Herald uses: Discord renders them in each reader's own time zone and language,
// and keeps the relative one current, unlike a "30m ago" frozen at send time.
const (
	TimestampRelative TimestampStyle = 'R' // "in 2 hours", "3 minutes ago"
	TimestampLong     TimestampStyle = 'f' // "5 December 2026 09:30"
	TimestampShort    TimestampStyle = 't' // "09:30"
)

// Timestamp is Discord's <t:unix:style> markup for t; "" for a zero time.
func Timestamp(t time.Time, style TimestampStyle) string {
	if t.IsZero() {
		return ""
	}
	return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":" + string(rune(style)) + ">"
}

// discordTimestamp matches the markup Timestamp writes (and Discord's other styles).
var discordTimestamp = regexp.MustCompile(`<t:(-?\d{1,12})(?::([tTdDfFsSR]))?>`)

// plainTimestamps renders Discord timestamps for the console, which has no reader's zone to
// use: as UTC date and time.
func plainTimestamps(s string) string {
	return discordTimestamp.ReplaceAllStringFunc(s, func(m string) string {
		sub := discordTimestamp.FindStringSubmatch(m)
		sec, err := strconv.ParseInt(sub[1], 10, 64)
		if err != nil {
			return m
		}
		return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04 UTC")
	})
}
