package dashboard

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"time"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// staticFS serves static/ under /dashboard/static/.
var staticFS fs.FS = staticRoot

// pages holds one parsed template set per page, each the layout plus the page's content.
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{"home", "subscriptions", "subscription", "feeds", "deliveries", "status", "error"} {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// pageData is what the layout needs, plus the page's own Body.
type pageData struct {
	Title    string
	User     string
	CSRF     string
	Operator bool
	Flash    string
	Guild    *guild
	Tab      string
	Body     any
}

// render writes a page whole or not at all: a template error becomes an error page rather
// than half a page.
func (d *Dashboard) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := d.pages.byName[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		d.opts.Logger.Error("dashboard: rendering", "page", name, "error", err)
		http.Error(w, "Something went wrong rendering this page; it was logged.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows msg (safe for the user) and logs err, if any.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if err != nil {
		d.opts.Logger.Warn("dashboard: request failed", "path", r.URL.Path, "status", status, "error", err)
	}
	d.render(w, status, "error", pageData{Title: "Sorry", Body: msg})
}

// base fills the layout fields of a signed-in page and takes the pending notice.
func (d *Dashboard) base(ctx context.Context, sess store.Session, title string) pageData {
	return pageData{Title: title, User: sess.Username, CSRF: sess.CSRF, Operator: d.isOperator(sess.UserID),
		Flash: d.takeFlash(ctx, sess)}
}

func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) {
	sess, ok, err := d.session(r)
	if err != nil {
		d.fail(w, r, http.StatusServiceUnavailable, "Herald's store is unavailable right now. Please try again in a minute.", err)
		return
	}
	if !ok {
		d.render(w, http.StatusOK, "home", pageData{Title: "Sign in"})
		return
	}
	list, err := d.manageable(r.Context(), sess, false)
	if err != nil {
		d.discordFailed(w, r, sess, err)
		return
	}
	data := d.base(r.Context(), sess, "Your servers")
	data.Body = list
	d.render(w, http.StatusOK, "home", data)
}

// when formats an instant for a table: UTC, with how long ago or ahead.
func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	rel := message.RelativeAge(now, t)
	if t.After(now) {
		rel = "in " + (t.Sub(now) + time.Minute - 1).Truncate(time.Minute).String()
	}
	return t.UTC().Format("2 Jan 15:04 UTC") + " (" + rel + ")"
}

// channelNames maps the server's channel ids to names, and lists where Herald can post; fresh
// asks Discord rather than reusing a list up to GuildCacheTTL old.
func (d *Dashboard) channelNames(ctx context.Context, guildID string, fresh bool) (map[string]string, []channel, error) {
	chs, err := d.guildChannels(ctx, guildID, fresh)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var postable []channel
	for _, c := range chs {
		names[c.ID] = c.Name
		if c.postable() {
			postable = append(postable, c)
		}
	}
	sort.Slice(postable, func(i, j int) bool { return postable[i].Name < postable[j].Name })
	return names, postable, nil
}

func (d *Dashboard) guildChannels(ctx context.Context, guildID string, fresh bool) ([]channel, error) {
	now := d.opts.Now()
	d.mu.Lock()
	c, ok := d.channels[guildID]
	d.mu.Unlock()
	if !fresh && ok && now.Sub(c.at) < d.opts.GuildCacheTTL {
		return c.list, nil
	}
	chs, err := d.discord.channels(ctx, guildID)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.channels[guildID] = cachedChannels{list: chs, at: now}
	d.mu.Unlock()
	return chs, nil
}

func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "deleted-channel (" + id + ")"
}
