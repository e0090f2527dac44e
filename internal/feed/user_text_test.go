package feed

import (
	"context"
	"strings"
	"testing"
)

// TestUserMessageHidesResolverDetails is issue 11 item 8: a feed on an unknown host was
// answered with "dial tcp: lookup … on 127.0.0.53:53: no such host", the resolver's address
// included. The user's words name the host and nothing of the machine Herald runs on.
func TestUserMessageHidesResolverDetails(t *testing.T) {
	_, err := newTestFetcher(Options{}).Fetch(context.Background(), "http://herald-test.invalid/feed", Validators{})
	fe := asFetchError(t, err, ClassDNS)
	got := fe.UserMessage()
	if got != "the server name herald-test.invalid could not be found" {
		t.Errorf("UserMessage = %q", got)
	}
	for _, leak := range []string{"lookup", ":53", "dial", "127.0.0", "feed:"} {
		if strings.Contains(got, leak) {
			t.Errorf("UserMessage %q shows %q", got, leak)
		}
	}
}

func TestClassTextCoversEveryClass(t *testing.T) {
	classes := []ErrorClass{ClassDNS, ClassTimeout, ClassRefused, ClassNetwork, ClassTLS, ClassHTTP, ClassGone,
		ClassRateLimit, ClassBlocked, ClassTooLarge, ClassNotFeed, ClassRedirects, ClassInvalid}
	seen := map[string]ErrorClass{}
	for _, c := range classes {
		text := ClassText(c)
		if prev, dup := seen[text]; dup {
			t.Errorf("classes %s and %s share the text %q", prev, c, text)
		}
		seen[text] = c
		if e := (&Error{Class: c, URL: "https://news.example/rss"}); e.UserMessage() == "" {
			t.Errorf("%s: empty UserMessage", c)
		}
	}
}
