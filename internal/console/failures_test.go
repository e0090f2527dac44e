package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
)

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    poller.Failure
		want []string // phrases the line must hold: host, what went wrong, what to do
	}{
		{name: "private address", f: poller.Failure{URL: "http://127.0.0.1:8000/feed.xml", Class: feed.ClassBlocked,
			Err: "feed: blocked: http://127.0.0.1:8000/feed.xml: feed: destination address is not public: 127.0.0.1"},
			want: []string{"127.0.0.1:8000", "private, loopback or link-local", "HERALD_ALLOW_PRIVATE_FEEDS=configured", "HERALD_ALLOW_PRIVATE_HOSTS"}},
		{name: "offline", f: poller.Failure{URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Class: feed.ClassDNS,
			Err: "feed: dns: https://feeds.bbci.co.uk/news/world/rss.xml: dial tcp: lookup feeds.bbci.co.uk: no such host"},
			want: []string{"feeds.bbci.co.uk:", "could not be resolved", "No network", "without an HTTP proxy"}},
		{name: "timeout", f: poller.Failure{URL: "https://a.example/f", Class: feed.ClassTimeout, Err: "feed: timeout: x"},
			want: []string{"a.example:", "no answer in time", "Check the network"}},
		{name: "404", f: poller.Failure{URL: "https://a.example/f", Class: feed.ClassHTTP, Err: "feed: http_status: https://a.example/f: feed: server said 404 Not Found"},
			want: []string{"a.example:", "answered 404 Not Found", "Check the feed's URL"}},
		{name: "not a feed", f: poller.Failure{URL: "https://a.example/", Class: feed.ClassNotFeed, Err: "feed: not_a_feed: https://a.example/: feed: parse: html page"},
			want: []string{"a.example:", "not a feed", "RSS, Atom or JSON"}},
		{name: "disabled", f: poller.Failure{URL: "https://a.example/f", Class: poller.ClassDisabled, Err: "feed: gone: https://a.example/f: feed: server said 410 Gone"},
			want: []string{"a.example:", "disabled after repeated failures", "410 Gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.f)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

func TestPollReport(t *testing.T) {
	var out bytes.Buffer
	PollReport(&out, poller.Summary{Feeds: 12, Polled: 11, Failed: 1, NewStories: 0, Stories: 209,
		Failures: []poller.Failure{{URL: "https://a.example/f", Class: feed.ClassRefused}}}, 209)
	want := "  ✗ a.example: connection refused, nothing is listening there. Check the URL's host and port.\n" +
		"polled 11/12 feeds, 0 new (209 stored)\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
