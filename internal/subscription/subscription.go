// Package subscription owns Herald's subscriptions and their workflows. Subscribing, editing
// filters, pausing and unsubscribing each touch the store, the digest schedule and the poll
// set, and this package is the one place that keeps the three in step: the slash commands and
// the dashboard are adapters that parse a request and word the reply, and never change a
// subscription themselves. It knows neither Discord nor the store's technology.
package subscription

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Store is the part of store.Store the workflows use.
type Store interface {
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	PatchSubscription(ctx context.Context, id string, change func(*store.Subscription) error) (store.Subscription, error)
	DeleteSubscription(ctx context.Context, guildID, id string) error
	ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error)
}

// Checked is what a feed check found: the feed's title and its current items, newest first.
// The poller owns the check (poller.CheckFeed), so the type is its.
type Checked = poller.Checked

// FeedChecker fetches and parses a feed the way the poller will and records its current
// items as already known, so that subscribing posts nothing old (*poller.Poller).
type FeedChecker interface {
	CheckFeed(ctx context.Context, url string) (Checked, error)
}

// PollSet is the set of feeds the poller polls (*poller.Poller).
type PollSet interface {
	AddFeed(ctx context.Context, fd poller.Feed)
	RemoveFeed(url string) bool
	Fetched(url string)
	Resume(ctx context.Context, url string) bool
}

// Scheduler is told about digest subscriptions as they come and go, so no restart is needed
// (*delivery.Digests).
type Scheduler interface {
	Add(sub store.Subscription) error
	Remove(id string)
}

// Options tunes a Service; the zero value of each field has a default.
type Options struct {
	// Limit is the most subscriptions one guild may have (default 50).
	Limit int
	// Sources are the configured feeds' URLs: topic and digest subscriptions read them, so
	// they are polled whatever the subscriptions, and /retry-feed may retry them.
	Sources []string
	Now     func() time.Time
	Logger  *slog.Logger
}

// DefaultLimit is the most subscriptions a guild may have when Options.Limit is zero.
const DefaultLimit = 50

// MaxFeedURL bounds a feed URL: Discord lets a string option carry 6000 characters, which
// would make every message quoting the URL too long to post. Real feed URLs are far shorter.
const MaxFeedURL = 1000

// Service runs the subscription workflows.
type Service struct {
	store    Store
	feeds    FeedChecker
	polls    PollSet
	schedule Scheduler
	opts     Options
}

// New builds the service over the store of record, the feed checker, the poll set and the
// digest scheduler.
func New(st Store, feeds FeedChecker, polls PollSet, schedule Scheduler, opts Options) *Service {
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, feeds: feeds, polls: polls, schedule: schedule, opts: opts}
}

// Owner is who subscribes, and where the posts go.
type Owner struct {
	GuildID, ChannelID, UserID string
}

// Refusal is a workflow refused for a reason the user can act on; Reason is written for them.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "subscription: " + r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// CheckError is a feed that could not be fetched or parsed when subscribing or retrying.
type CheckError struct {
	URL string
	Err error
}

func (e *CheckError) Error() string {
	return "subscription: checking " + feed.RedactURL(e.URL) + ": " + e.Err.Error()
}

func (e *CheckError) Unwrap() error { return e.Err }

// Sources returns the configured feeds' URLs.
func (s *Service) Sources() []string { return slices.Clone(s.opts.Sources) }

// Subscribe creates a topic or digest subscription for o; a digest is scheduled at once.
func (s *Service) Subscribe(ctx context.Context, o Owner, sub store.Subscription) (store.Subscription, error) {
	if sub.Kind == store.KindFeed {
		return sub, errors.New("subscription: feed subscriptions are made by SubscribeFeed")
	}
	created, err := s.create(ctx, o, sub)
	if err != nil {
		return created, err
	}
	if created.Kind == store.KindDigest {
		if err := s.schedule.Add(created); err != nil {
			return created, fmt.Errorf("subscription: scheduling digest: %w", err)
		}
	}
	return created, nil
}

// SubscribeFeed checks the feed at rawURL, records its current items as known and subscribes
// o to it with the include and exclude keywords; the feed joins the poll set once the
// subscription exists. It returns the subscription and the feed's items, newest first.
func (s *Service) SubscribeFeed(ctx context.Context, o Owner, rawURL string, include, exclude []string) (store.Subscription, []story.Story, error) {
	return s.SubscribeFeedWith(ctx, o, store.Subscription{Kind: store.KindFeed, FeedURL: rawURL, Include: include, Exclude: exclude})
}

// SubscribeFeedWith is SubscribeFeed for a subscription the caller shaped further (its
// Style: filter, mention, layout, placement); sub.FeedURL is the feed.
func (s *Service) SubscribeFeedWith(ctx context.Context, o Owner, sub store.Subscription) (store.Subscription, []story.Story, error) {
	raw := strings.TrimSpace(sub.FeedURL)
	if err := validFeedURL(raw); err != nil {
		return store.Subscription{}, nil, err
	}
	sub.Kind, sub.FeedURL = store.KindFeed, raw
	if err := s.precheck(ctx, o, sub); err != nil {
		return sub, nil, err
	}
	checked, err := s.feeds.CheckFeed(ctx, raw)
	if err != nil {
		return sub, nil, &CheckError{URL: raw, Err: err}
	}
	created, err := s.create(ctx, o, sub)
	if err != nil {
		return created, nil, err
	}
	s.poll(ctx, raw, checked.Title)
	return created, checked.Items, nil
}

func validFeedURL(raw string) error {
	if n := utf8.RuneCountInString(raw); n > MaxFeedURL {
		return refuse("That URL is %d characters long; feed URLs may have at most %d.", n, MaxFeedURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return refuse("That is not a feed URL: it must start with http:// or https://.")
	}
	return nil
}

// poll puts a feed just fetched successfully into the poll set, enabled: a feed disabled
// earlier works again.
func (s *Service) poll(ctx context.Context, url, title string) {
	s.polls.AddFeed(ctx, poller.Feed{URL: url, Name: title})
	s.polls.Fetched(url)
	s.polls.Resume(ctx, url)
}

// precheck refuses early (before fetching a feed) what create would refuse: DMs, the guild's
// limit, a duplicate in the channel. create re-checks duplicates atomically in the store.
func (s *Service) precheck(ctx context.Context, o Owner, sub store.Subscription) error {
	if o.GuildID == "" {
		return refuse("Subscriptions work in server channels, not in direct messages.")
	}
	existing, err := s.store.ListSubscriptions(ctx, store.SubscriptionFilter{GuildID: o.GuildID})
	if err != nil {
		return fmt.Errorf("subscription: listing subscriptions: %w", err)
	}
	if len(existing) >= s.opts.Limit {
		return refuse("This server already has %d subscriptions, the most allowed. Remove one with /unsubscribe first.", s.opts.Limit)
	}
	sub.ChannelID = o.ChannelID
	for _, e := range existing {
		// Subscribing again is how members try to change a subscription: name the command
		// that does (the reply links it).
		switch {
		case e.SameTarget(sub) && sub.Kind == store.KindFeed:
			return refuse("This channel already has that subscription: /subscription edit changes its filters, mention, look or placement; " +
				"/subscriptions shows its feed's health; /retry-feed tries a paused feed again.")
		case e.SameTarget(sub) && sub.Kind == store.KindTopic:
			return refuse("This channel already has that subscription: /subscription edit changes its filter, mention, look or placement.")
		case e.SameTarget(sub):
			return refuse("This channel already has that subscription.")
		}
	}
	return nil
}

func (s *Service) create(ctx context.Context, o Owner, sub store.Subscription) (store.Subscription, error) {
	if err := s.precheck(ctx, o, sub); err != nil {
		return sub, err
	}
	sub.GuildID, sub.ChannelID, sub.CreatedBy, sub.CreatedAt = o.GuildID, o.ChannelID, o.UserID, s.opts.Now()
	created, err := s.store.CreateSubscription(ctx, sub)
	if errors.Is(err, store.ErrDuplicate) {
		return sub, refuse("This channel already has that subscription.")
	}
	if err != nil {
		return sub, fmt.Errorf("subscription: creating subscription: %w", err)
	}
	return created, nil
}

// Unsubscribe removes the guild's subscription id: a digest leaves the schedule, and a feed
// nobody subscribes to any more (and not a configured one) leaves the poll set.
func (s *Service) Unsubscribe(ctx context.Context, guildID, id string) (store.Subscription, error) {
	sub, err := s.Find(ctx, guildID, id)
	if err != nil {
		return sub, err
	}
	if err := s.store.DeleteSubscription(ctx, guildID, sub.ID); err != nil {
		return sub, fmt.Errorf("subscription: deleting subscription: %w", err)
	}
	switch sub.Kind {
	case store.KindDigest:
		s.schedule.Remove(sub.ID)
	case store.KindFeed:
		s.release(ctx, sub.FeedURL)
	}
	return sub, nil
}

// release stops polling url unless a configured feed or another subscription still needs it.
// When the subscriptions cannot be listed the feed stays polled: a wasted fetch is better than
// a subscription that silently stops.
func (s *Service) release(ctx context.Context, url string) {
	if slices.Contains(s.opts.Sources, url) {
		return
	}
	subs, err := s.store.ListSubscriptions(ctx, store.SubscriptionFilter{Kind: store.KindFeed})
	if err != nil {
		s.opts.Logger.Warn("subscription: listing feed subscriptions; the feed stays polled", "feed_url", feed.RedactURL(url), "error", err)
		return
	}
	if slices.ContainsFunc(subs, func(o store.Subscription) bool { return o.FeedURL == url }) {
		return
	}
	s.polls.RemoveFeed(url)
}

// SetPaused pauses or resumes the guild's subscription id: a paused subscription posts
// nothing until it is resumed. Its feed stays polled, so resuming needs no first fetch.
func (s *Service) SetPaused(ctx context.Context, guildID, id string, paused bool) (store.Subscription, error) {
	return s.Edit(ctx, guildID, id, func(sub *store.Subscription) error {
		sub.Paused = paused
		return nil
	})
}

// SetFilters replaces the keyword filters of the guild's feed subscription id.
func (s *Service) SetFilters(ctx context.Context, guildID, id string, include, exclude []string) (store.Subscription, error) {
	return s.Edit(ctx, guildID, id, func(sub *store.Subscription) error {
		if sub.Kind != store.KindFeed {
			return refuse("Only feed subscriptions have keyword filters.")
		}
		sub.Include, sub.Exclude = include, exclude
		return nil
	})
}

// Edit applies change to the guild's subscription id and stores it (/subscription edit); a
// change that returns an error stores nothing. The store applies change to its current copy
// in one step, so a delivery recording its progress at the same moment loses neither write.
func (s *Service) Edit(ctx context.Context, guildID, id string, change func(*store.Subscription) error) (store.Subscription, error) {
	found, err := s.Find(ctx, guildID, id)
	if err != nil {
		return found, err
	}
	var changeErr error
	sub, err := s.store.PatchSubscription(ctx, found.ID, func(cur *store.Subscription) error {
		if cur.GuildID != guildID {
			return store.ErrNotFound
		}
		changeErr = change(cur)
		return changeErr
	})
	switch {
	case changeErr != nil:
		return found, changeErr
	case err != nil:
		return found, fmt.Errorf("subscription: updating subscription: %w", err)
	}
	return sub, nil
}

// Find returns the subscription id among the guild's: an id of another guild is not found.
func (s *Service) Find(ctx context.Context, guildID, id string) (store.Subscription, error) {
	id = strings.TrimSpace(id)
	subs, err := s.List(ctx, store.SubscriptionFilter{GuildID: guildID})
	if err != nil {
		return store.Subscription{}, err
	}
	for _, sub := range subs {
		if sub.ID == id {
			return sub, nil
		}
	}
	return store.Subscription{}, refuse("No subscription %q in this server. /subscriptions lists them.", id)
}

// List returns the subscriptions passing f, oldest first.
func (s *Service) List(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	subs, err := s.store.ListSubscriptions(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("subscription: listing subscriptions: %w", err)
	}
	return subs, nil
}

// KnownFeed reports whether url is a feed of one of the guild's feed subscriptions or one of
// the configured feeds: retrying must not become a way to make Herald fetch any URL.
func (s *Service) KnownFeed(ctx context.Context, guildID, url string) (bool, error) {
	if slices.Contains(s.opts.Sources, url) {
		return true, nil
	}
	subs, err := s.List(ctx, store.SubscriptionFilter{GuildID: guildID, Kind: store.KindFeed})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(subs, func(sub store.Subscription) bool { return sub.FeedURL == url }), nil
}

// Refetch fetches a known feed now (/retry-feed); when it works the feed is polled again,
// enabled if it had been disabled.
func (s *Service) Refetch(ctx context.Context, url string) error {
	checked, err := s.feeds.CheckFeed(ctx, url)
	if err != nil {
		return &CheckError{URL: url, Err: err}
	}
	s.poll(ctx, url, checked.Title)
	return nil
}

// PollSubscribed adds the feeds of every feed subscription to the poll set (at start-up).
func (s *Service) PollSubscribed(ctx context.Context) error {
	subs, err := s.List(ctx, store.SubscriptionFilter{Kind: store.KindFeed})
	if err != nil {
		return err
	}
	for _, sub := range subs {
		s.polls.AddFeed(ctx, poller.Feed{URL: sub.FeedURL})
	}
	return nil
}
