package feed

import (
	"net/url"
	"strings"
)

// RedactURL hides the password of a feed URL such as https://user:secret@host/feed: private
// feeds carry basic-auth credentials in the URL, and the URL reaches logs, stored feed errors
// and the failure notices posted to Discord. Any other URL is returned unchanged.
func RedactURL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw // no userinfo: the common case costs no parse
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}
