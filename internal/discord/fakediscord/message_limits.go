package fakediscord

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Discord's message limits in runes after trimming (README "Messages"). The OpenAPI schema
// alone is not enough: it allows 4000-character content (a Nitro-era limit bots do not get),
// counts untrimmed lengths and has no notion of the 6000-character total.
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxAuthorName  = 256
	maxEmbedTotal  = 6000
)

// Embed is a rich embed as the bot sent it.
type Embed struct {
	Type        string       `json:"type,omitempty"`
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Timestamp   string       `json:"timestamp,omitempty"`
	Color       int          `json:"color,omitempty"`
	Footer      *EmbedFooter `json:"footer,omitempty"`
	Author      *EmbedAuthor `json:"author,omitempty"`
	Image       *EmbedMedia  `json:"image,omitempty"`
	Thumbnail   *EmbedMedia  `json:"thumbnail,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text    string `json:"text"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedMedia is an embed image or thumbnail.
type EmbedMedia struct {
	URL string `json:"url"`
}

// EmbedField is one name/value pair of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// AllowedMentions is the allowed_mentions object as sent. Parse is nil when the bot sent null
// or omitted it (Discord then parses every mention) and empty when it sent [].
type AllowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	RepliedUser bool     `json:"replied_user,omitempty"`
}

// messageBody is the union of the message-shaped request bodies (channel messages, interaction
// responses, webhook executions and edits).
type messageBody struct {
	Content         *string          `json:"content"`
	Embeds          []Embed          `json:"embeds"`
	AllowedMentions *AllowedMentions `json:"allowed_mentions"`
	Components      []any            `json:"components"`
	StickerIDs      []string         `json:"sticker_ids"`
	Attachments     []any            `json:"attachments"`
	Poll            any              `json:"poll"`
	Flags           *int64           `json:"flags"`
	Nonce           json.RawMessage  `json:"nonce"`
	EnforceNonce    *bool            `json:"enforce_nonce"`
	Choices         []any            `json:"choices"`
}

func (b *messageBody) content() string {
	if b.Content == nil {
		return ""
	}
	return *b.Content
}

// nonceKey renders the nonce (integer or string) canonically; "" means no nonce.
func (b *messageBody) nonceKey() string {
	raw := strings.TrimSpace(string(b.Nonce))
	if raw == "" || raw == "null" {
		return ""
	}
	if s, err := strconv.Unquote(raw); err == nil {
		return s
	}
	return raw
}

// isEmpty reports Discord's 50006 condition: nothing that would render.
func (b *messageBody) isEmpty() bool {
	return strings.TrimSpace(b.content()) == "" && len(b.Embeds) == 0 && len(b.StickerIDs) == 0 &&
		len(b.Components) == 0 && len(b.Attachments) == 0 && b.Poll == nil
}

func runes(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// checkLimits applies the rune limits and the 6000 total; the returned tree is empty when the
// body is within limits.
func checkLimits(b *messageBody) *formError {
	tree := &formError{}
	if n := runes(b.content()); n > maxContent {
		tree.add([]string{"content"}, "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
	}
	if len(b.Embeds) > maxEmbeds {
		tree.add([]string{"embeds"}, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range b.Embeds {
		total += checkEmbed(tree, strconv.Itoa(i), e)
	}
	if total > maxEmbedTotal {
		tree.add([]string{"embeds"}, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	checkAllowedMentions(tree, b.AllowedMentions)
	return tree
}

// checkAllowedMentions applies Discord's rule that parse may not name a kind whose ids are
// also listed, and the 100-id cap per list.
func checkAllowedMentions(tree *formError, am *AllowedMentions) {
	if am == nil {
		return
	}
	for _, kind := range []struct {
		name string
		ids  []string
	}{{"users", am.Users}, {"roles", am.Roles}} {
		if len(kind.ids) > 0 && slices.Contains(am.Parse, kind.name) {
			tree.add([]string{"allowed_mentions", "parse"}, "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
				`parse:["`+kind.name+`"] and `+kind.name+`: [ids...] are mutually exclusive.`)
		}
		if len(kind.ids) > 100 {
			tree.add([]string{"allowed_mentions", kind.name}, "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
		}
	}
}

// checkEmbed records per-field violations of embed i and returns its counted length.
func checkEmbed(tree *formError, i string, e Embed) int {
	limit := func(path []string, s string, max int) int {
		n := runes(s)
		if n > max {
			tree.add(append([]string{"embeds", i}, path...), "BASE_TYPE_MAX_LENGTH",
				"Must be "+strconv.Itoa(max)+" or fewer in length.")
		}
		return n
	}
	n := limit([]string{"title"}, e.Title, maxTitle) + limit([]string{"description"}, e.Description, maxDescription)
	if e.Footer != nil {
		n += limit([]string{"footer", "text"}, e.Footer.Text, maxFooter)
	}
	if e.Author != nil {
		n += limit([]string{"author", "name"}, e.Author.Name, maxAuthorName)
	}
	if len(e.Fields) > maxFields {
		tree.add([]string{"embeds", i, "fields"}, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	for j, f := range e.Fields {
		js := strconv.Itoa(j)
		n += limit([]string{"fields", js, "name"}, f.Name, maxFieldName)
		n += limit([]string{"fields", js, "value"}, f.Value, maxFieldValue)
		if runes(f.Name) == 0 {
			tree.add([]string{"embeds", i, "fields", js, "name"}, "BASE_TYPE_REQUIRED", "This field is required")
		}
		if runes(f.Value) == 0 {
			tree.add([]string{"embeds", i, "fields", js, "value"}, "BASE_TYPE_REQUIRED", "This field is required")
		}
	}
	return n
}
