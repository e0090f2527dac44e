package message

import "strings"

// Blank is the zero-width space Discord accepts as a visible-nothing field name or value; it
// names continuation fields, which need a non-empty name.
const Blank = "\u200b"

// Split turns m into as few messages as Discord accepts, in order, without truncating: content
// is cut at paragraph/line (else word) boundaries, over-long embed descriptions and field values
// continue in further embeds and fields, text over a title/author/field-name limit flows into the
// text that follows it, and embeds are packed ≤10 and ≤6000 runes per message. Cuts never fall
// inside a word or a link unless a single word or link is itself over the limit. A valid m is
// returned as is; a message with nothing to show yields no messages.
func Split(m Message) []Message {
	if Validate(m) == nil {
		return []Message{m}
	}
	var embeds []Embed
	for _, e := range m.Embeds {
		embeds = append(embeds, splitEmbed(e)...)
	}
	return pack(markdownChunks(m.Content, MaxContent), embeds, m.Ephemeral)
}

// pack puts content chunks first, each in its own message, the last sharing its message with the
// first embeds, so that the reading order is kept.
func pack(content []string, embeds []Embed, ephemeral bool) []Message {
	var out []Message
	for _, c := range content {
		out = append(out, Message{Content: c, Ephemeral: ephemeral})
	}
	total := 0
	for _, e := range embeds {
		n := trimmedLen(e)
		if len(out) == 0 || len(out[len(out)-1].Embeds) >= MaxEmbeds ||
			(len(out[len(out)-1].Embeds) > 0 && total+n > MaxEmbedTotal) {
			out = append(out, Message{Ephemeral: ephemeral})
			total = 0
		}
		last := &out[len(out)-1]
		last.Embeds = append(last.Embeds, e)
		total += n
	}
	return out
}

// joinText joins the overflow of one text to the start of the next one.
func joinText(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// splitEmbed turns one embed into valid embeds, each ≤ MaxEmbedTotal: the first keeps author,
// title and URL, continuations carry the rest of the description, then the fields, then the
// footer; the timestamp and image go on the last one, next to the footer.
func splitEmbed(e Embed) []Embed {
	author, over := cut(e.Author, MaxAuthorName, false)
	title, over := cut(joinText(over, e.Title), MaxEmbedTitle, false)
	descs := markdownChunks(joinText(over, e.Description), MaxEmbedDescription)
	b := embedBuilder{color: e.Color}
	b.out = []Embed{{Author: author, Title: title, URL: e.URL, Color: e.Color}}
	b.size = runes(author) + runes(title)
	for i, d := range descs {
		if i > 0 {
			b.next()
		}
		b.cur().Description = d
		b.size += runes(d)
	}
	for _, f := range splitFields(e.Fields) {
		b.addField(f)
	}
	footers := chunks(e.Footer, MaxFooter)
	for i, f := range footers {
		if i < len(footers)-1 {
			b.next()
			b.cur().Description = f
			b.size = runes(f)
			continue
		}
		if b.cur().Footer != "" || b.size+runes(f) > MaxEmbedTotal {
			b.next()
		}
		b.cur().Footer = f
		b.size += runes(f)
	}
	last := b.cur()
	last.Timestamp, last.Image = e.Timestamp, e.Image
	return b.nonEmpty()
}

// embedBuilder appends continuation embeds of one source embed, tracking the current embed's
// rune total so that packing stays linear in the text.
type embedBuilder struct {
	color int
	out   []Embed
	size  int // trimmedLen of the current embed
}

func (b *embedBuilder) cur() *Embed { return &b.out[len(b.out)-1] }

func (b *embedBuilder) next() {
	b.out = append(b.out, Embed{Color: b.color})
	b.size = 0
}

func (b *embedBuilder) addField(f Field) {
	n := runes(f.Name) + runes(f.Value)
	if c := b.cur(); len(c.Fields) >= MaxEmbedFields || c.Footer != "" || b.size+n > MaxEmbedTotal {
		b.next()
	}
	c := b.cur()
	c.Fields = append(c.Fields, f)
	b.size += n
}

// nonEmpty drops embeds left with nothing to show (an input embed that was empty or blank).
func (b *embedBuilder) nonEmpty() []Embed {
	out := b.out[:0]
	for _, e := range b.out {
		if !embedEmpty(e) {
			out = append(out, e)
		}
	}
	return out
}

// splitFields makes every field valid: a name over its limit flows into the value, a value over
// its limit continues in fields named Blank, and an empty name or value becomes Blank.
func splitFields(fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		name, over := cut(f.Name, MaxFieldName, false)
		values := markdownChunks(joinText(over, f.Value), MaxFieldValue)
		if name == "" {
			name = Blank
		}
		if len(values) == 0 {
			values = []string{Blank}
		}
		out = append(out, Field{Name: name, Value: values[0], Inline: f.Inline})
		for _, v := range values[1:] {
			out = append(out, Field{Name: Blank, Value: v})
		}
	}
	return out
}
