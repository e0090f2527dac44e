package message

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// componentPrefix marks Herald's custom ids (version 1), so foreign or older ids are refused.
const componentPrefix = "h1|"

// ComponentID encodes a command invocation in a button's custom_id: route, options and when it
// was issued. It fits Discord's 100 characters for the options Herald uses (short values).
func ComponentID(route string, opts map[string]string, issued time.Time) string {
	q := url.Values{}
	for k, v := range opts {
		q.Set(k, v)
	}
	q.Set("@", strconv.FormatInt(issued.Unix(), 36))
	return Truncate(componentPrefix+route+"|"+q.Encode(), MaxComponentID)
}

// ParseComponentID turns a custom_id back into a request's route and options; ok is false for
// an id Herald did not make.
func ParseComponentID(id string) (name, sub string, opts map[string]string, issued time.Time, ok bool) {
	rest, found := strings.CutPrefix(id, componentPrefix)
	if !found {
		return "", "", nil, time.Time{}, false
	}
	route, query, found := strings.Cut(rest, "|")
	q, err := url.ParseQuery(query)
	if !found || err != nil || route == "" {
		return "", "", nil, time.Time{}, false
	}
	sec, err := strconv.ParseInt(q.Get("@"), 36, 64)
	if err != nil {
		return "", "", nil, time.Time{}, false
	}
	opts = map[string]string{}
	for k := range q {
		if k != "@" {
			opts[k] = q.Get(k)
		}
	}
	name, sub, _ = strings.Cut(route, " ")
	return name, sub, opts, time.Unix(sec, 0), true
}
