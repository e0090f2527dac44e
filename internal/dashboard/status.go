package dashboard

import (
	"net/http"
	"strings"

	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

type topicStatus struct {
	ID, Title, Error string
	Embed            *message.Embed
}

// statusPage shows every tracked topic as /status shows it: label, sentence, evidence and
// timeline, from the same source.
func (d *Dashboard) statusPage(w http.ResponseWriter, r *http.Request, sess store.Session) {
	var out []topicStatus
	for _, t := range d.opts.Topics {
		ts := topicStatus{ID: t.ID, Title: t.Title}
		if d.opts.Status == nil {
			ts.Error = "Story status is not available in this process."
		} else if e, err := d.opts.Status.StatusEmbed(r.Context(), t.ID); err != nil {
			d.opts.Logger.Warn("dashboard: story status", "topic", t.ID, "error", err)
			ts.Error = "Where this story stands cannot be read right now. Please try again in a minute."
		} else {
			e = plainEmbed(e)
			ts.Embed = &e
		}
		out = append(out, ts)
	}
	data := d.base(r.Context(), sess, "Story status")
	data.Body = out
	d.render(w, http.StatusOK, "status", data)
}

// plainEmbed drops Discord's bold and italic markers, which the page would show literally.
func plainEmbed(e message.Embed) message.Embed {
	strip := strings.NewReplacer("**", "", "__", "")
	e.Description, e.Footer = strip.Replace(e.Description), strip.Replace(e.Footer)
	fields := make([]message.Field, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = message.Field{Name: strip.Replace(f.Name), Value: strip.Replace(f.Value), Inline: f.Inline}
	}
	e.Fields = fields
	return e
}
