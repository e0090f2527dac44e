package dashboard

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/store"
)

// What the deliveries page looks at: one subscription's newest stories of the last week.
const (
	deliveriesWindow = 7 * 24 * time.Hour
	deliveriesLimit  = 30
)

type pickRow struct {
	ID, Channel, What string
	Current           bool
}

type storyRow struct {
	Published, Title, Link, Source, Verdict, Class string
}

type subDeliveries struct {
	Channel, What, Notice string
	Rows                  []storyRow
}

type deliveriesBody struct {
	Subs   []pickRow
	Sub    *subDeliveries
	Window string
}

func (d *Dashboard) deliveriesPage(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	ctx := r.Context()
	sub, ok, err := d.pickLive(r, g.ID)
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	if !ok && r.URL.Query().Get("subscription") != "" {
		d.fail(w, r, http.StatusNotFound, "No live subscription with that id in this server.", nil)
		return
	}
	body := deliveriesBody{Window: "7 days"}
	data := d.base(ctx, sess, "Deliveries")
	data.Guild, data.Tab, data.Body = &g, "deliveries", &body
	if !ok {
		d.render(w, http.StatusOK, "deliveries", data)
		return
	}
	names, _, err := d.channelNames(ctx, g.ID, false)
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord could not list this server's channels. Please try again.", err)
		return
	}
	// The picker offers the live subscriptions of the same channel: a server may have hundreds,
	// and every subscription's own page links here.
	subs, err := d.liveSubscriptions(r, store.SubscriptionFilter{GuildID: g.ID, ChannelID: sub.ChannelID})
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	for _, s := range subs {
		body.Subs = append(body.Subs, pickRow{ID: s.ID, Channel: nameOr(names, s.ChannelID), What: d.describe(s), Current: s.ID == sub.ID})
	}
	if body.Sub, err = d.explainSub(r, sub, nameOr(names, sub.ChannelID)); err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	d.render(w, http.StatusOK, "deliveries", data)
}

// pickLive returns the live (feed or topic) subscription the page explains: the one the
// request names (?subscription=), read alone, else the server's oldest; ok is false when there
// is none.
func (d *Dashboard) pickLive(r *http.Request, guildID string) (store.Subscription, bool, error) {
	id := r.URL.Query().Get("subscription")
	if id == "" {
		subs, err := d.liveSubscriptions(r, store.SubscriptionFilter{GuildID: guildID})
		if err != nil || len(subs) == 0 {
			return store.Subscription{}, false, err
		}
		return subs[0], true, nil
	}
	sub, err := d.opts.Store.GetSubscription(r.Context(), guildID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Subscription{}, false, nil
	case err != nil:
		return store.Subscription{}, false, err
	}
	return sub, isLive(sub), nil
}

func isLive(s store.Subscription) bool { return s.Kind == store.KindFeed || s.Kind == store.KindTopic }

// liveSubscriptions lists the feed and topic subscriptions passing f.
func (d *Dashboard) liveSubscriptions(r *http.Request, f store.SubscriptionFilter) ([]store.Subscription, error) {
	all, err := d.opts.Store.ListSubscriptions(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(s store.Subscription) bool { return !isLive(s) }), nil
}

// explainSub says, for each of sub's recent stories, whether it was posted and if not why:
// delivery's one verdict (delivery.Explainer), the same /subscription why gives in Discord.
func (d *Dashboard) explainSub(r *http.Request, sub store.Subscription, channelName string) (*subDeliveries, error) {
	ctx, now := r.Context(), d.opts.Now()
	q := store.StoryQuery{FeedURL: sub.FeedURL, Topic: sub.Topic, Since: now.Add(-deliveriesWindow), Limit: deliveriesLimit}
	stories, err := d.opts.Store.RecentStories(ctx, q)
	if err != nil {
		return nil, err
	}
	verdicts, err := d.opts.Verdicts.Explain(ctx, sub, stories)
	if err != nil {
		return nil, err
	}
	out := &subDeliveries{Channel: channelName, What: d.describe(sub)}
	if out.Notice, err = d.subNotice(r, sub); err != nil {
		return nil, err
	}
	for i, s := range stories {
		out.Rows = append(out.Rows, storyRow{Published: when(s.Published, now), Title: s.Title, Link: safeLink(s.Link),
			Source: s.Source, Verdict: verdicts[i].Text("#" + channelName), Class: verdictClass(verdicts[i].Outcome)})
	}
	return out, nil
}

// verdictClass is how a verdict looks: posted, out for good, stopped, or still to come.
func verdictClass(o delivery.Outcome) string {
	switch o {
	case delivery.Posted:
		return "ok"
	case delivery.NotFor, delivery.Dropped:
		return "muted"
	case delivery.Stopped:
		return "bad"
	}
	return "waiting"
}

// subNotice warns about what stops every story: a stopped channel, a pause, a failing feed.
func (d *Dashboard) subNotice(r *http.Request, sub store.Subscription) (string, error) {
	switch {
	case sub.Broken != "":
		return "Delivery stopped: " + sub.Broken + ". Fix the channel, then delete and re-create the subscription.", nil
	case sub.Paused:
		return "This subscription is paused: nothing is posted until it is resumed.", nil
	case sub.Kind != store.KindFeed:
		return "", nil
	}
	st, ok, err := d.opts.Store.GetFeedState(r.Context(), sub.FeedURL)
	if err != nil || !ok || st.Failures == 0 {
		return "", err
	}
	rows := feedRows([]store.FeedState{st}, []string{sub.FeedURL}, d.opts.Now())
	return "The feed " + feed.RedactURL(sub.FeedURL) + " is " + rows[0].Health + ": " + rows[0].LastError +
		". New stories cannot arrive until it recovers (see Feed health).", nil
}

// safeLink keeps http(s) links only: a feed's link is untrusted text.
func safeLink(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}
