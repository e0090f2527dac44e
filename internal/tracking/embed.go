package tracking

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldbot/herald/internal/message"
)

// Embed colours by label, so a glance at the channel tells the state.
const (
	colorTalks     = 0x3498DB // blue
	colorNoDeal    = 0xE67E22 // orange
	colorAgreement = 0x2ECC71 // green
	colorInEffect  = 0x1ABC9C // teal
	colorCollapsed = 0xE74C3C // red
	colorNoNews    = 0x95A5A6 // grey
)

func colorOf(l Label) int {
	switch l {
	case LabelTalks:
		return colorTalks
	case LabelNoDeal:
		return colorNoDeal
	case LabelAgreement:
		return colorAgreement
	case LabelInEffect:
		return colorInEffect
	case LabelCollapsed:
		return colorCollapsed
	}
	return colorNoNews
}

// Embed renders st as one embed within Discord's limits: the label as title, the sentence as
// description, then the latest development, the timeline and the coverage.
func Embed(st Status, now time.Time) message.Embed {
	title := string(st.Label)
	if st.Title != "" {
		title = st.Title + ": " + title
	}
	e := message.Embed{
		Title:       message.Truncate(title, message.MaxEmbedTitle),
		Description: message.Truncate(st.Sentence, message.MaxEmbedDescription),
		Color:       colorOf(st.Label),
		Timestamp:   st.AsOf,
		Footer:      message.Truncate(evidenceNote(st), message.MaxFooter),
	}
	if st.Latest.Headline != "" {
		e.Fields = append(e.Fields, message.Field{Name: "Latest development",
			Value: message.Truncate(latestLine(st.Latest), message.MaxFieldValue)})
	}
	if len(st.Timeline) > 0 {
		e.Fields = append(e.Fields, message.Field{Name: "Timeline",
			Value: timelineValue(st.Timeline)})
	}
	e.Fields = append(e.Fields, message.Field{Name: "Coverage", Value: coverage(st)})
	if over := e.Len() - message.MaxEmbedTotal; over > 0 {
		e.Description = message.Truncate(e.Description, max(utf8.RuneCountInString(e.Description)-over, 1))
	}
	return e
}

// evidenceNote is the footer: how many reports the label rests on. The time is the embed's
// timestamp, which Discord shows in the reader's own time zone (a footer stating it too
// showed it twice).
func evidenceNote(st Status) string {
	n := 0
	for _, d := range st.Evidence {
		n += len(d.Stories)
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("Label based on %d %s", n, plural(n, "report", "reports"))
}

// maxLinkRunes is the longest link latestLine wraps a headline in: a longer one (feeds put
// tracking junk in links) would push the field past 1024 and be cut mid-URL, leaving broken
// Markdown; the headline is then shown unlinked.
const maxLinkRunes = 512

// latestLine dates the development with a Discord timestamp, which stays current and reads in
// each reader's zone.
func latestLine(d Development) string {
	head := escape(d.Headline)
	if d.Link != "" && utf8.RuneCountInString(d.Link) <= maxLinkRunes {
		head = "[" + message.Truncate(head, 400) + "](" + d.Link + ")"
	}
	meta := outletList(d.Outlets)
	if ts := message.Timestamp(d.Time, message.TimestampRelative); ts != "" {
		meta += " · " + ts
	}
	return head + "\n" + meta
}

// timelineValue lists developments one a line, shortening headlines evenly so that all five
// fit the field.
func timelineValue(ds []Development) string {
	per := message.MaxFieldValue/len(ds) - 40
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("**%s** · %s: %s", d.Time.UTC().Format("2 Jan 2006"), d.Label,
			message.Truncate(escape(d.Headline), max(per, 20))))
	}
	return message.Truncate(strings.Join(lines, "\n"), message.MaxFieldValue)
}

func coverage(st Status) string {
	days := int(st.Window / (24 * time.Hour))
	return fmt.Sprintf("%d %s from %d %s in the last %d %s", st.Reports, plural(st.Reports, "report", "reports"),
		st.Outlets, plural(st.Outlets, "outlet", "outlets"), days, plural(days, "day", "days"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// StatusLine is the label and sentence as one line, for briefings. It is Markdown: the label in bold, the sentence (configured text, or an error's words) escaped.
func StatusLine(st Status) string {
	return message.Truncate(fmt.Sprintf("**%s**: %s", st.Label, escape(st.Sentence)), 600)
}

// escape neutralises the Markdown that would break a headline out of its link or formatting.
func escape(s string) string {
	r := strings.NewReplacer("[", "(", "]", ")", "*", "\\*", "_", "\\_", "`", "'", "~", "\\~", "|", "\\|")
	return r.Replace(s)
}

// outletList names up to three outlets and counts the rest.
func outletList(outlets []string) string {
	const shown = 3
	if len(outlets) <= shown {
		return message.Truncate(strings.Join(outlets, ", "), 300)
	}
	return message.Truncate(strings.Join(outlets[:shown], ", "), 300) + fmt.Sprintf(" +%d more", len(outlets)-shown)
}
