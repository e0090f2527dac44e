// Package redact is Herald's one URL redactor: feed URLs (private feeds carry basic-auth
// credentials), REDIS_URL and the errors that quote them reach logs, stored feed errors and
// messages posted to Discord, and every one of those goes through URL or PasswordIn.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces a password.
const Mask = "xxxxx"

// URL hides the password of raw's userinfo (https://user:secret@host → https://user:xxxxx@host).
// A URL without a password is returned unchanged, so a feed URL reads as the user typed it; an
// unparseable one is masked by hand rather than returned with its password.
func URL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw // no userinfo: the common case costs no parse
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return byHand(raw)
	}
	if u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}

// byHand masks the password of a URL url.Parse refused: the text between the first ':' of the
// authority and its last '@'.
func byHand(raw string) string {
	scheme := strings.Index(raw, "://")
	if scheme < 0 {
		return raw
	}
	rest := raw[scheme+3:]
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	colon := strings.Index(authority[:at], ":")
	if colon < 0 {
		return raw
	}
	return raw[:scheme+3] + rest[:colon+1] + Mask + rest[at:]
}

// PasswordIn returns text with the password of raw (a URL the text may quote, as url.Parse's
// errors do) replaced by Mask.
func PasswordIn(text, raw string) string {
	scheme := strings.Index(raw, "://")
	if scheme < 0 {
		return text
	}
	at := strings.LastIndex(raw, "@")
	if at <= scheme {
		return text
	}
	userinfo := raw[scheme+3 : at]
	if c := strings.Index(userinfo, ":"); c >= 0 && c+1 < len(userinfo) {
		return strings.ReplaceAll(text, userinfo[c+1:], Mask)
	}
	return text
}
