package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/subscription"
)

// FeedHealth reads what the poller recorded about a feed: last success, last error (in the
// user's words), disabled.
type FeedHealth interface {
	GetFeedState(ctx context.Context, url string) (store.FeedState, bool, error)
}

// RetryFeed implements /retry-feed url: a paused (disabled) or failing feed that this server
// subscribes to, or one of the configured feeds behind topics and digests, is fetched now; if
// it works, polling resumes. A disabled feed otherwise stays disabled, restarts included.
func (s Subscriptions) RetryFeed(ctx context.Context, req Request) (message.Message, error) {
	raw := strings.TrimSpace(req.Options["url"])
	known, err := s.Service.KnownFeed(ctx, req.GuildID, raw)
	if err != nil {
		return message.Message{}, err
	}
	if !known {
		return message.Message{}, Errorf("Herald does not poll %s for this server; /subscriptions lists the feeds it does.", feed.RedactURL(raw))
	}
	var st store.FeedState
	ok := false
	if s.Health != nil {
		if st, ok, err = s.Health.GetFeedState(ctx, raw); err != nil {
			return message.Message{}, fmt.Errorf("commands: reading feed state: %w", err)
		}
	}
	if ok && !st.Disabled && st.Failures == 0 && !st.LastSuccess.IsZero() {
		return message.Message{Content: fmt.Sprintf("✅ %s is working (last fetched %s); nothing to retry.",
			feed.RedactURL(raw), message.RelativeAge(s.Now(), st.LastSuccess))}, nil
	}
	var ce *subscription.CheckError
	if err := s.Service.Refetch(ctx, raw); errors.As(err, &ce) {
		return message.Message{}, Errorf("Herald still cannot fetch %s: %s. It stays paused; try again later.", feed.RedactURL(raw), userText(ce.Err))
	} else if err != nil {
		return message.Message{}, err
	}
	return message.Message{Content: fmt.Sprintf("✅ %s works again: Herald polls it again, and new stories are posted where it is subscribed.", feed.RedactURL(raw))}, nil
}

// healthText is a feed's state for /subscriptions: working, failing or paused, with when it
// last worked and why it fails; "" when nothing is known yet.
func (s Subscriptions) healthText(ctx context.Context, url string) string {
	if s.Health == nil {
		return ""
	}
	st, ok, err := s.Health.GetFeedState(ctx, url)
	if err != nil || !ok {
		return ""
	}
	last := "never worked"
	if age := message.RelativeAge(s.Now(), st.LastSuccess); age != "" {
		last = "last worked " + age
	}
	why := message.Truncate(strings.TrimSpace(st.LastError), 200)
	switch {
	case st.Disabled:
		return fmt.Sprintf("⛔ paused after %d failed %s (%s; %s). `/retry-feed url:%s` tries it again.",
			st.Failures, plural(st.Failures, "attempt", "attempts"), why, last, feed.RedactURL(url))
	case st.Failures > 0:
		return fmt.Sprintf("⚠️ failing, %d %s so far (%s; %s)", st.Failures, plural(st.Failures, "attempt", "attempts"), why, last)
	case !st.LastSuccess.IsZero():
		return "✅ working, " + last
	}
	return ""
}

// sourcesText summarises the configured feeds behind topic and digest subscriptions: the
// ones failing or paused, so those channels learn why stories are missing.
func (s Subscriptions) sourcesText(ctx context.Context) string {
	var bad []string
	sources := s.Service.Sources()
	for _, src := range sources {
		if h := s.healthText(ctx, src); strings.HasPrefix(h, "⛔") || strings.HasPrefix(h, "⚠️") {
			bad = append(bad, feed.RedactURL(src)+": "+h)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("\n**Feeds behind topics and digests: %d of %d not working**\n%s\n", len(bad), len(sources), strings.Join(bad, "\n"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// retryFeedCommand defines /retry-feed.
func retryFeedCommand() Command {
	return Command{Name: "retry-feed", Description: "Try a paused feed again; if it works, Herald polls it again", DefaultMemberPermissions: ptrI(PermManageChannels),
		Contexts: serverOnly(), Private: true, Options: []Option{
			{Type: OptionString, Name: "url", Description: "The feed's URL, as /subscriptions shows it", Required: true},
		}}
}
