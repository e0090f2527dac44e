package delivery

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DigestSchedule is the cron schedule of a daily digest at local time hhmm ("08:00") in zone:
// robfig/cron evaluates it in that zone, so 08:00 Europe/London is 08:00 local on both sides of
// a DST change.
func DigestSchedule(hhmm, zone string) (cron.Schedule, error) {
	t, err := ParseClock(hhmm)
	if err != nil {
		return nil, err
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return nil, fmt.Errorf("delivery: unknown time zone %q", zone)
	}
	spec := fmt.Sprintf("CRON_TZ=%s %d %d * * *", zone, t.Minute(), t.Hour())
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("delivery: schedule %q: %w", spec, err)
	}
	return sched, nil
}

// ParseClock parses a local time of day "HH:MM" (24-hour; "8:00" accepted).
func ParseClock(hhmm string) (time.Time, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(hhmm))
	if err != nil {
		return time.Time{}, fmt.Errorf("delivery: time %q: want HH:MM, 24-hour, such as 08:00 or 18:30", hhmm)
	}
	return t, nil
}

// PreviousSlot is the latest scheduled time at or before now (within the last 48 hours), or the
// zero time when there is none.
func PreviousSlot(sched cron.Schedule, now time.Time) time.Time {
	var prev time.Time
	for t := sched.Next(now.Add(-48 * time.Hour)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		prev = t
	}
	return prev
}

// MissedSlot says which slot, if any, to deliver at start-up: the previous slot when it came
// after the last delivered one and the subscription's creation, and is less than grace late.
func MissedSlot(sched cron.Schedule, lastRun, created, now time.Time, grace time.Duration) (time.Time, bool) {
	prev := PreviousSlot(sched, now)
	if prev.IsZero() || !prev.After(lastRun) || prev.Before(created) {
		return time.Time{}, false
	}
	return prev, now.Sub(prev) < grace
}
