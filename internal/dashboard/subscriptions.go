package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldbot/herald/internal/commands"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

type subRow struct {
	ID, Channel, What, State string
	Paused                   bool
}

type subscriptionsBody struct {
	Total    int
	Rows     []subRow
	Pages    []pageLink
	Channels []channel
	Topics   []commands.TopicInfo
}

// pageLink is one link of a paged table.
type pageLink struct {
	N       int
	Current bool
}

// perPage bounds a table's rows: a phone-sized page, and a render cost independent of how
// many subscriptions a server has.
const perPage = 100

// requestedPage returns the 0-based page the request asks for (?page=N, 1-based), bounded so
// that its offset cannot overflow; a page past the last shows the last.
func requestedPage(r *http.Request) int {
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		return 0
	}
	return min(p, maxPage) - 1
}

// maxPage bounds ?page=: far more than any server's subscriptions fill.
const maxPage = 1_000_000

// pageLinks links every page of n rows, marking page (0-based); none when one page holds them.
func pageLinks(page, n int) []pageLink {
	pages := max(1, (n+perPage-1)/perPage)
	var links []pageLink
	if pages > 1 {
		for i := 1; i <= pages; i++ {
			links = append(links, pageLink{N: i, Current: i == page+1})
		}
	}
	return links
}

func (d *Dashboard) subscriptionsPage(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	ctx := r.Context()
	page := requestedPage(r)
	subs, total, err := d.opts.Store.SubscriptionPage(ctx, g.ID, page*perPage, perPage)
	if err == nil && len(subs) == 0 && page > 0 && total > 0 { // past the last page: show the last
		page = (total - 1) / perPage
		subs, total, err = d.opts.Store.SubscriptionPage(ctx, g.ID, page*perPage, perPage)
	}
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	names, postable, err := d.channelNames(ctx, g.ID, false)
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord could not list this server's channels. Please try again.", err)
		return
	}
	body := subscriptionsBody{Total: total, Pages: pageLinks(page, total), Channels: postable, Topics: d.opts.Topics}
	for _, s := range subs {
		body.Rows = append(body.Rows, subRow{ID: s.ID, Channel: nameOr(names, s.ChannelID), What: d.describe(s),
			State: subState(s), Paused: s.Paused})
	}
	data := d.base(ctx, sess, "Subscriptions")
	data.Guild, data.Tab, data.Body = &g, "subscriptions", body
	d.render(w, http.StatusOK, "subscriptions", data)
}

func subState(s store.Subscription) string {
	switch {
	case s.Broken != "":
		return "stopped: " + s.Broken
	case s.Paused:
		return "paused"
	default:
		return "active"
	}
}

// create makes a subscription through the slash commands' own handlers, as if the user had
// typed /subscribe in the chosen channel, which must be one of this server's.
func (d *Dashboard) create(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	ctx := r.Context()
	_, postable, err := d.channelNames(ctx, g.ID, true)
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord could not list this server's channels. Nothing was changed; please try again.", err)
		return
	}
	channelID := r.PostForm.Get("channel")
	if !slices.ContainsFunc(postable, func(c channel) bool { return c.ID == channelID }) {
		d.fail(w, r, http.StatusBadRequest, "Choose one of this server's text channels. Nothing was changed.", nil)
		return
	}
	kind := r.PostForm.Get("kind")
	opts := map[string]string{}
	for _, k := range []string{"url", "include", "exclude", "topic", "time", "timezone"} {
		if v := strings.TrimSpace(r.PostForm.Get(k)); v != "" {
			opts[k] = v
		}
	}
	req := d.request(sess, g, "subscribe", kind, channelID, opts)
	var m message.Message
	switch kind {
	case "feed":
		m, err = d.opts.Subscriptions.Feed(ctx, req)
	case "topic":
		m, err = d.opts.Subscriptions.Topic(ctx, req)
	case "digest":
		m, err = d.opts.Subscriptions.Digest(ctx, req)
	default:
		d.fail(w, r, http.StatusBadRequest, "Unknown kind of subscription. Nothing was changed.", nil)
		return
	}
	d.finish(w, r, sess, g, "/dashboard/g/"+g.ID+"/", m, err)
}

type subscriptionBody struct {
	ID, Channel, What, State, Kind, Include, Exclude, Created, LastRun string
	Paused                                                             bool
	Style                                                              *styleRows
}

// styleRows are a live subscription's choices about its posts, as the page lists them: the
// filter, who is pinged (and for which stories), the template and where posts go.
type styleRows struct {
	Filter, Mention, MentionFilter, Template, Color, Place string
}

// styleOf words sub's style for the page; nil for a digest, which has none. Empty choices say
// what the default does, so the page never leaves a member guessing.
func styleOf(sub store.Subscription) *styleRows {
	if sub.Kind != store.KindFeed && sub.Kind != store.KindTopic {
		return nil
	}
	st := sub.Style
	rows := &styleRows{Filter: orText(st.Filter, "none: every story"), Mention: "nobody",
		MentionFilter: orText(st.MentionFilter, "every post"), Template: orText(st.Template, "default layout"),
		Color: "Discord's default", Place: "a message per post in the channel"}
	switch {
	case st.MentionRole != "":
		rows.Mention = "the role with id " + st.MentionRole
	case st.MentionUser != "":
		rows.Mention = "the member with id " + st.MentionUser
	}
	if st.Color != 0 {
		rows.Color = fmt.Sprintf("#%06X", st.Color)
	}
	rows.Place = placeWords(st, rows.Place)
	return rows
}

// placeWords says where posts go (store.PostStyle.Places, as the confirmations say it); def
// for a plain channel post.
func placeWords(st store.PostStyle, def string) string {
	if parts := st.Places(); len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	return def
}

// describe says what sub delivers in /subscriptions' words, with Discord's mention markup
// (which a web page cannot resolve) written as "role 123…" or "member 123…".
func (d *Dashboard) describe(sub store.Subscription) string {
	text := d.opts.Subscriptions.Describe(sub)
	text = roleMarkup.ReplaceAllString(text, "role $1")
	return userMarkup.ReplaceAllString(text, "member $1")
}

// Discord's role and user mention markup.
var (
	roleMarkup = regexp.MustCompile(`<@&([0-9]{17,20})>`)
	userMarkup = regexp.MustCompile(`<@!?([0-9]{17,20})>`)
)

func orText(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// subscriptionPage shows one of the server's subscriptions, with its filters to edit.
func (d *Dashboard) subscriptionPage(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	ctx := r.Context()
	s, err := d.opts.Store.GetSubscription(ctx, g.ID, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.fail(w, r, http.StatusNotFound, "No subscription with that id in this server.", nil)
		return
	case err != nil:
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	names, _, err := d.channelNames(ctx, g.ID, false)
	if err != nil {
		d.fail(w, r, http.StatusBadGateway, "Discord could not list this server's channels. Please try again.", err)
		return
	}
	now := d.opts.Now()
	data := d.base(ctx, sess, "Subscription")
	data.Guild, data.Tab = &g, "subscriptions"
	data.Body = subscriptionBody{ID: s.ID, Channel: nameOr(names, s.ChannelID), What: d.describe(s), State: subState(s),
		Kind: string(s.Kind), Include: strings.Join(s.Include, ", "), Exclude: strings.Join(s.Exclude, ", "),
		Created: when(s.CreatedAt, now), LastRun: when(s.LastRun, now), Paused: s.Paused, Style: styleOf(s)}
	d.render(w, http.StatusOK, "subscription", data)
}

// change pauses, resumes or deletes one of this server's subscriptions; the service finds it
// among the server's own, so another server's id is refused.
func (d *Dashboard) change(w http.ResponseWriter, r *http.Request, sess store.Session, g guild) {
	ctx := r.Context()
	req := d.request(sess, g, "unsubscribe", "", "", map[string]string{"subscription": r.PathValue("id")})
	var m message.Message
	var err error
	next := "/dashboard/g/" + g.ID + "/"
	switch r.PathValue("action") {
	case "pause":
		m, err = d.opts.Subscriptions.SetPaused(ctx, req, true)
	case "resume":
		m, err = d.opts.Subscriptions.SetPaused(ctx, req, false)
	case "delete":
		m, err = d.opts.Subscriptions.Unsubscribe(ctx, req)
	case "filters":
		req.Options["include"], req.Options["exclude"] = r.PostForm.Get("include"), r.PostForm.Get("exclude")
		m, err = d.opts.Subscriptions.SetFilters(ctx, req)
		next += "subscriptions/" + url.PathEscape(r.PathValue("id"))
	default:
		d.fail(w, r, http.StatusNotFound, "Unknown action. Nothing was changed.", nil)
		return
	}
	d.finish(w, r, sess, g, next, m, err)
}

// request is the command request the slash command would carry: the user's id, the server,
// and Manage Channels, which guildWrite has just confirmed with Discord.
func (d *Dashboard) request(sess store.Session, g guild, name, sub, channelID string, opts map[string]string) commands.Request {
	return commands.Request{ID: "dashboard", Name: name, Sub: sub, Options: opts, GuildID: g.ID, ChannelID: channelID,
		UserID: sess.UserID, Permissions: commands.PermManageChannels}
}

// finish shows the service's answer: a success as a notice on the next page, a refusal (the
// same words as in Discord) as an error page.
func (d *Dashboard) finish(w http.ResponseWriter, r *http.Request, sess store.Session, g guild, next string, m message.Message, err error) {
	var ue *commands.UserError
	switch {
	case errors.As(err, &ue):
		d.fail(w, r, http.StatusUnprocessableEntity, ue.Msg, nil)
		return
	case errors.Is(err, store.ErrUnavailable):
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Nothing was changed; please try again in a minute.", err)
		return
	case err != nil:
		d.fail(w, r, http.StatusInternalServerError, "Something went wrong; it was logged. Please try again.", err)
		return
	}
	d.opts.Logger.Info("dashboard: write", "user_id", sess.UserID, "guild_id", g.ID, "path", r.URL.Path)
	d.flash(r.Context(), sess, noticeText(m))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// noticeText turns a command's reply into plain text: its content and the first embed's title
// (the feed preview).
func noticeText(m message.Message) string {
	text := m.Content
	if len(m.Embeds) > 0 && m.Embeds[0].Title != "" {
		text += "\n" + m.Embeds[0].Title
	}
	return text
}
