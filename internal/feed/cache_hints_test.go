package feed

import (
	"net/http"
	"testing"
	"time"
)

func TestFreshness(t *testing.T) {
	now := testClock
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{name: "none"},
		{name: "max-age", headers: map[string]string{"Cache-Control": "max-age=300"}, want: 5 * time.Minute},
		{name: "max-age among others", headers: map[string]string{"Cache-Control": "public, MAX-AGE=\"60\", must-revalidate"}, want: time.Minute},
		{name: "max-age minus age", headers: map[string]string{"Cache-Control": "max-age=300", "Age": "100"}, want: 200 * time.Second},
		{name: "age beyond max-age", headers: map[string]string{"Cache-Control": "max-age=300", "Age": "900"}},
		{name: "max-age capped", headers: map[string]string{"Cache-Control": "max-age=31536000"}, want: DefaultMaxCacheHint},
		{name: "max-age overflow", headers: map[string]string{"Cache-Control": "max-age=99999999999999999"}, want: DefaultMaxCacheHint},
		{name: "no-cache", headers: map[string]string{"Cache-Control": "no-cache, max-age=300"}},
		{name: "max-age beats expires", headers: map[string]string{"Cache-Control": "max-age=60", "Expires": date(time.Hour)}, want: time.Minute},
		{name: "bad max-age falls back to expires", headers: map[string]string{"Cache-Control": "max-age=soon", "Expires": date(time.Hour)}, want: time.Hour},
		{name: "expires vs now", headers: map[string]string{"Expires": date(30 * time.Minute)}, want: 30 * time.Minute},
		{name: "expires vs date", headers: map[string]string{"Expires": date(30 * time.Minute), "Date": date(20 * time.Minute)}, want: 10 * time.Minute},
		{name: "expires past", headers: map[string]string{"Expires": date(-time.Hour)}},
		{name: "expires zero", headers: map[string]string{"Expires": "0"}},
		{name: "expires capped", headers: map[string]string{"Expires": date(1000 * time.Hour)}, want: DefaultMaxCacheHint},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			if got := freshness(h, now, DefaultMaxCacheHint); got != tc.want {
				t.Errorf("freshness = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{name: "empty"},
		{name: "seconds", value: "45", want: 45 * time.Second},
		{name: "padded seconds", value: " 45 ", want: 45 * time.Second},
		{name: "negative seconds", value: "-5"},
		{name: "capped seconds", value: "86400", want: DefaultMaxRetryAfter},
		{name: "huge seconds", value: "99999999999999999999"},
		{name: "http date", value: testClock.Add(10 * time.Minute).Format(http.TimeFormat), want: 10 * time.Minute},
		{name: "rfc850 date", value: testClock.Add(time.Hour).Format(time.RFC850), want: time.Hour},
		{name: "garbage", value: "tomorrow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.value, testClock, DefaultMaxRetryAfter); got != tc.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}
