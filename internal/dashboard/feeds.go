package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
)

type feedRow struct {
	Title, URL, RawURL, Health, Class, LastSuccess, LastError, NextPoll string
}

type feedsBody struct {
	Rows        []feedRow
	RetryAction string
}

// classWords says what a feed error class means for the person reading the page.
var classWords = map[string]string{
	"dns": "the feed's host name does not resolve", "timeout": "the feed server did not answer in time",
	"refused": "the feed server refused the connection", "network": "a network error",
	"tls": "the feed's HTTPS certificate was not accepted", "http_status": "the feed server answered with an error",
	"gone": "the feed was removed (410 Gone)", "rate_limited": "the feed server asked Herald to slow down",
	"blocked": "the feed is on a private address, which Herald refuses", "too_large": "the feed is too large",
	"not_a_feed": "the address is not a feed", "too_many_redirects": "the feed redirects too many times",
	"invalid_url": "the feed URL is not valid",
}

// feedRows renders the states of urls (in order), including feeds not polled yet.
func feedRows(states []store.FeedState, urls []string, now time.Time) []feedRow {
	byURL := map[string]store.FeedState{}
	for _, st := range states {
		byURL[st.URL] = st
	}
	rows := make([]feedRow, 0, len(urls))
	for _, u := range urls {
		st, ok := byURL[u]
		row := feedRow{Title: st.Title, URL: feed.RedactURL(u), RawURL: u, LastSuccess: when(st.LastSuccess, now), NextPoll: when(st.NextPoll, now)}
		switch {
		case !ok:
			row.Health, row.Class, row.NextPoll = "not polled yet", "waiting", "soon"
		case st.Disabled:
			row.Health, row.Class, row.NextPoll = fmt.Sprintf("disabled after %d failures", st.Failures), "bad", "not until retried"
		case st.Failures > 0:
			row.Health, row.Class = fmt.Sprintf("failing: %d in a row, backing off", st.Failures), "bad"
		default:
			row.Health, row.Class = "healthy", "ok"
		}
		if st.LastError != "" {
			row.LastError = st.LastError
			if w, ok := classWords[st.ErrorClass]; ok {
				row.LastError = w + " (" + st.LastError + ")"
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// guildFeeds lists the feed URLs of the server's feed subscriptions, sorted.
func (d *Dashboard) guildFeeds(r *http.Request, guildID string) ([]string, error) {
	return d.opts.Store.GuildFeedURLs(r.Context(), guildID)
}

func (d *Dashboard) feedsPage(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	urls, err := d.guildFeeds(r, g.ID)
	var states []store.FeedState
	if err == nil {
		states, err = d.opts.Store.ListFeedStates(r.Context())
	}
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	data := d.base(r.Context(), sess, "Feed health")
	data.Guild, data.Tab = &g, "feeds"
	data.Body = feedsBody{Rows: feedRows(states, urls, d.opts.Now()), RetryAction: "/dashboard/g/" + g.ID + "/feeds/retry"}
	d.render(w, http.StatusOK, "feeds", data)
}

// allFeedsPage is the operators' view of every feed Herald polls or has polled.
func (d *Dashboard) allFeedsPage(w http.ResponseWriter, r *http.Request, sess store.Session) {
	if !d.isOperator(sess.UserID) {
		d.fail(w, r, http.StatusForbidden, "Only Herald's operators see every feed.", nil)
		return
	}
	states, err := d.opts.Store.ListFeedStates(r.Context())
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	urls := make([]string, len(states))
	for i, st := range states {
		urls[i] = st.URL
	}
	sort.Strings(urls)
	data := d.base(r.Context(), sess, "All feeds")
	data.Body = feedsBody{Rows: feedRows(states, urls, d.opts.Now()), RetryAction: "/dashboard/feeds/retry"}
	d.render(w, http.StatusOK, "feeds", data)
}

// retryFeed polls one of this server's feeds now.
func (d *Dashboard) retryFeed(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	urls, err := d.guildFeeds(r, g.ID)
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Nothing was changed.", err)
		return
	}
	u := r.PostForm.Get("url")
	if !slices.Contains(urls, u) {
		d.fail(w, r, http.StatusForbidden, "That feed is not one of this server's subscriptions. Nothing was changed.", nil)
		return
	}
	d.retry(w, r, sess, u, "/dashboard/g/"+g.ID+"/feeds")
}

func (d *Dashboard) retryAnyFeed(w http.ResponseWriter, r *http.Request, sess store.Session) {
	if !d.isOperator(sess.UserID) {
		d.fail(w, r, http.StatusForbidden, "Only Herald's operators may retry any feed.", nil)
		return
	}
	d.retry(w, r, sess, r.PostForm.Get("url"), "/dashboard/feeds")
}

func (d *Dashboard) retry(w http.ResponseWriter, r *http.Request, sess store.Session, u, next string) {
	if d.opts.Feeds == nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Feeds cannot be retried from this process.", nil)
		return
	}
	err := d.opts.Feeds.Retry(r.Context(), u)
	switch {
	case errors.Is(err, poller.ErrUnknownFeed):
		d.fail(w, r, http.StatusNotFound, "Herald does not poll that feed (any more).", nil)
		return
	case err != nil:
		d.fail(w, r, http.StatusInternalServerError, "The feed could not be retried; it was logged.", err)
		return
	}
	d.opts.Logger.Info("dashboard: feed retry", "user_id", sess.UserID, "feed_url", feed.RedactURL(u))
	d.flash(r.Context(), sess, "Polling "+feed.RedactURL(u)+" now. Reload in a few seconds to see the result.")
	http.Redirect(w, r, next, http.StatusSeeOther)
}
