package feed

import "context"

// Split fetches the operator's own feeds with one Fetcher and every other URL (a /subscribe
// feed typed by a server member) with another, so private-address exceptions made for the
// operator's feeds never let a member probe the bot's network.
type Split struct {
	operator, others *Fetcher
	urls             map[string]bool
}

// NewSplit sends the exact URLs in operatorURLs to operator and the rest to others.
func NewSplit(operator, others *Fetcher, operatorURLs []string) *Split {
	s := &Split{operator: operator, others: others, urls: make(map[string]bool, len(operatorURLs))}
	for _, u := range operatorURLs {
		s.urls[u] = true
	}
	return s
}

// Fetch fetches rawURL with the Fetcher its origin calls for.
func (s *Split) Fetch(ctx context.Context, rawURL string, v Validators) (*Result, error) {
	if s.urls[rawURL] {
		return s.operator.Fetch(ctx, rawURL, v)
	}
	return s.others.Fetch(ctx, rawURL, v)
}

// CloseIdleConnections releases both Fetchers' kept-alive connections.
func (s *Split) CloseIdleConnections() {
	s.operator.CloseIdleConnections()
	s.others.CloseIdleConnections()
}
