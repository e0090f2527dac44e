package delivery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DigestSchedule is the schedule of a daily digest at local time clock ("08:00", "8am") in zone:
// exactly one run per local day. robfig/cron's own CRON_TZ schedule skips a day whose time falls
// in a spring-forward gap and runs twice when a fall-back repeats it; dailySchedule does neither.
func DigestSchedule(clock, zone string) (cron.Schedule, error) {
	t, err := ParseClock(clock)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" || strings.EqualFold(zone, "local") {
		return nil, fmt.Errorf("delivery: unknown time zone %q", zone)
	}
	return dailySchedule{hour: t.Hour(), minute: t.Minute(), loc: loc}, nil
}

// CanonicalClock validates a digest's time and zone and returns the time as stored and shown,
// "HH:MM" on the 24-hour clock ("8:30 pm" → "20:30").
func CanonicalClock(clock, zone string) (string, error) {
	if _, err := DigestSchedule(clock, zone); err != nil {
		return "", err
	}
	t, _ := ParseClock(clock) // DigestSchedule parsed it already
	return t.Format("15:04"), nil
}

// dailySchedule runs once a local day at hour:minute in loc (see slotOn for DST days).
type dailySchedule struct {
	hour, minute int
	loc          *time.Location
}

// Next is the first slot strictly after t.
func (d dailySchedule) Next(t time.Time) time.Time {
	local := t.In(d.loc)
	for day := -1; day <= 2; day++ {
		if s := d.slotOn(local.Year(), local.Month(), local.Day()+day); s.After(t) {
			return s
		}
	}
	return time.Time{} // unreachable: tomorrow's slot is always after t
}

// slotOn is the day's run: the first instant whose local date is that day and whose wall
// clock is at or past hour:minute. On a spring-forward day whose time does not exist that is
// the end of the gap (01:30 → 02:00 new time); on a fall-back day that repeats the time it is
// the first occurrence. Zone changes move clocks by at most a few hours, so scanning the
// minutes within three hours of the naive instant finds it.
func (d dailySchedule) slotOn(y int, m time.Month, day int) time.Time {
	date := time.Date(y, m, day, 0, 0, 0, 0, time.UTC) // normalises day overflow
	naive := time.Date(date.Year(), date.Month(), date.Day(), d.hour, d.minute, 0, 0, d.loc)
	want := d.hour*60 + d.minute
	_, before := naive.Add(-3 * time.Hour).Zone()
	_, after := naive.Add(3 * time.Hour).Zone()
	if before == after {
		return naive // no zone change nearby: the common case, without the scan
	}
	for u := naive.Add(-3 * time.Hour).Truncate(time.Minute); !u.After(naive.Add(3 * time.Hour)); u = u.Add(time.Minute) {
		l := u.In(d.loc)
		if l.Year() == date.Year() && l.YearDay() == date.YearDay() && l.Hour()*60+l.Minute() >= want {
			return u
		}
	}
	return naive
}

// ParseClock parses a local time of day: 24-hour "20:30", "08:00" and "8:00", or 12-hour
// "8am", "8 AM", "8:30 pm", "12am" (midnight) and "12pm" (noon).
func ParseClock(clock string) (time.Time, error) {
	s := strings.ToLower(strings.Join(strings.Fields(clock), ""))
	bad := fmt.Errorf("delivery: time %q: want a time of day such as 08:00, 18:30, 8am or 8:30 pm", clock)
	ampm := ""
	if rest, ok := strings.CutSuffix(s, "am"); ok {
		s, ampm = rest, "am"
	} else if rest, ok := strings.CutSuffix(s, "pm"); ok {
		s, ampm = rest, "pm"
	}
	hs, ms, hasMinutes := strings.Cut(s, ":")
	if !hasMinutes && ampm == "" || hasMinutes && len(ms) != 2 || len(hs) < 1 || len(hs) > 2 {
		return time.Time{}, bad
	}
	h, err := strconv.Atoi(hs)
	if err != nil || hs[0] == '+' || hs[0] == '-' {
		return time.Time{}, bad
	}
	mi := 0
	if hasMinutes {
		if mi, err = strconv.Atoi(ms); err != nil || ms[0] == '+' || ms[0] == '-' || mi > 59 {
			return time.Time{}, bad
		}
	}
	switch {
	case ampm == "" && h > 23, ampm != "" && (h < 1 || h > 12):
		return time.Time{}, bad
	case ampm == "am" && h == 12:
		h = 0
	case ampm == "pm" && h != 12:
		h += 12
	}
	return time.Date(0, 1, 1, h, mi, 0, 0, time.UTC), nil
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
