package feed

import (
	"fmt"
	"net/url"
)

// UserMessage says what went wrong in words a channel member understands. Error() is for logs:
// it carries the resolver's address ("lookup x on 127.0.0.53:53"), socket details and the URL,
// none of which a user can act on or should see.
func (e *Error) UserMessage() string {
	switch e.Class {
	case ClassDNS:
		if host := hostOf(e.URL); host != "" {
			return fmt.Sprintf("the server name %s could not be found", host)
		}
	case ClassHTTP:
		if e.Status != 0 {
			return fmt.Sprintf("the feed's server answered with an error (HTTP %d)", e.Status)
		}
	}
	return ClassText(e.Class)
}

// ClassText is the user's wording of a failure class, for feed notices and /subscriptions,
// which know the class a feed last failed with but not the error itself.
func ClassText(c ErrorClass) string {
	switch c {
	case ClassDNS:
		return "the feed's server name could not be found"
	case ClassTimeout:
		return "the feed's server did not answer in time"
	case ClassRefused:
		return "the feed's server refused the connection"
	case ClassTLS:
		return "the feed's server has an HTTPS certificate that cannot be trusted"
	case ClassHTTP:
		return "the feed's server answered with an error"
	case ClassGone:
		return "the feed's server says the feed is gone for good (HTTP 410)"
	case ClassRateLimit:
		return "the feed's server asked Herald to slow down (HTTP 429)"
	case ClassBlocked:
		return "the feed is on a private network address, which Herald does not fetch"
	case ClassTooLarge:
		return "the feed is larger than Herald accepts"
	case ClassNotFeed:
		return "the address does not serve an RSS, Atom or JSON feed"
	case ClassRedirects:
		return "the address redirects too many times"
	case ClassInvalid:
		return "the address is not a valid http(s) URL"
	}
	return "the feed's server could not be reached"
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
