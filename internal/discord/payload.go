package discord

import (
	"time"

	"github.com/heraldbot/herald/internal/message"
)

// flagEphemeral is Discord's message flag for a reply only its invoker sees.
const flagEphemeral = 1 << 6

// Interaction callback types Herald sends.
const (
	callbackPong                 = 1
	callbackMessage              = 4
	callbackDeferredMessage      = 5
	callbackDeferredUpdate       = 6
	callbackUpdateMessage        = 7
	callbackAutocompleteResponse = 8
)

// allowedMentions is always sent with an empty, non-nil Parse: a news bot echoes text it does
// not control, and Discord parses every mention in it unless told otherwise. A nil slice would
// serialise as null, which Discord treats as "default" (parse everything).
type allowedMentions struct {
	Parse []string `json:"parse"`
	Roles []string `json:"roles,omitempty"`
	Users []string `json:"users,omitempty"`
}

func noMentions() allowedMentions { return allowedMentions{Parse: []string{}} }

// mentionsOf allows exactly the message's one configured mention, if any: Parse stays empty,
// so no other role, user or @everyone in the content pings.
func mentionsOf(m message.Message) allowedMentions {
	am := noMentions()
	switch {
	case message.IsSnowflake(m.Mention.RoleID):
		am.Roles = []string{m.Mention.RoleID}
	case message.IsSnowflake(m.Mention.UserID):
		am.Users = []string{m.Mention.UserID}
	}
	return am
}

// messagePayload is the JSON body of a message create, interaction response data or edit.
type messagePayload struct {
	Content         string          `json:"content"`
	Embeds          []embedPayload  `json:"embeds"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
	Components      []actionRow     `json:"components,omitempty"`
	Flags           int             `json:"flags,omitempty"`
	Nonce           string          `json:"nonce,omitempty"`
	EnforceNonce    bool            `json:"enforce_nonce,omitempty"`
}

type embedPayload struct {
	Title       string         `json:"title,omitempty"`
	URL         string         `json:"url,omitempty"`
	Description string         `json:"description,omitempty"`
	Color       int            `json:"color,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
	Fields      []fieldPayload `json:"fields,omitempty"`
	Footer      *footerPayload `json:"footer,omitempty"`
	Author      *authorPayload `json:"author,omitempty"`
	Image       *imagePayload  `json:"image,omitempty"`
	Thumbnail   *imagePayload  `json:"thumbnail,omitempty"`
}

type fieldPayload struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type footerPayload struct {
	Text string `json:"text"`
}

type authorPayload struct {
	Name string `json:"name"`
}

type imagePayload struct {
	URL string `json:"url"`
}

// toPayload converts a message to Discord's JSON shape; ephemeral becomes flag 64.
func toPayload(m message.Message) messagePayload {
	p := messagePayload{Content: m.Content, Embeds: []embedPayload{}, AllowedMentions: mentionsOf(m)}
	if m.Ephemeral {
		p.Flags = flagEphemeral
	}
	for _, e := range m.Embeds {
		p.Embeds = append(p.Embeds, toEmbed(e))
	}
	if len(m.Buttons) > 0 {
		row := actionRow{Type: 1}
		for _, b := range m.Buttons {
			row.Components = append(row.Components, buttonPayload{Type: 2, Style: 2, Label: b.Label, CustomID: b.ID, Disabled: b.Disabled})
		}
		p.Components = []actionRow{row}
	}
	if s := m.Select; s != nil {
		sp := selectPayload{Type: 3, CustomID: s.ID, Placeholder: s.Placeholder}
		for _, o := range s.Options {
			sp.Options = append(sp.Options, selectOptionPayload(o))
		}
		p.Components = append(p.Components, actionRow{Type: 1, Components: []any{sp}})
	}
	return p
}

// selectPayload is a string select menu (component type 3).
type selectPayload struct {
	Type        int                   `json:"type"`
	CustomID    string                `json:"custom_id"`
	Placeholder string                `json:"placeholder,omitempty"`
	Options     []selectOptionPayload `json:"options"`
}

type selectOptionPayload struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// actionRow and buttonPayload are Discord's component objects (type 1 row, type 2 button,
// style 2 secondary).
type actionRow struct {
	Type       int   `json:"type"`
	Components []any `json:"components"`
}

type buttonPayload struct {
	Type     int    `json:"type"`
	Style    int    `json:"style"`
	Label    string `json:"label"`
	CustomID string `json:"custom_id"`
	Disabled bool   `json:"disabled,omitempty"`
}

func toEmbed(e message.Embed) embedPayload {
	ep := embedPayload{Title: e.Title, URL: e.URL, Description: e.Description, Color: e.Color}
	if !e.Timestamp.IsZero() {
		ep.Timestamp = e.Timestamp.UTC().Format(time.RFC3339)
	}
	for _, f := range e.Fields {
		ep.Fields = append(ep.Fields, fieldPayload(f))
	}
	if e.Footer != "" {
		ep.Footer = &footerPayload{Text: e.Footer}
	}
	if e.Author != "" {
		ep.Author = &authorPayload{Name: e.Author}
	}
	if e.Image != "" {
		ep.Image = &imagePayload{URL: e.Image}
	}
	if e.Thumbnail != "" {
		ep.Thumbnail = &imagePayload{URL: e.Thumbnail}
	}
	return ep
}

// interactionResponse is the body of an interaction callback.
type interactionResponse struct {
	Type int `json:"type"`
	Data any `json:"data,omitempty"`
}

type deferredData struct {
	Flags int `json:"flags,omitempty"`
}

type choicePayload struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

type autocompleteData struct {
	Choices []choicePayload `json:"choices"`
}

// messageResponse answers with a new message, or for a button's answer with Replace set,
// with an update of the button's message.
func messageResponse(m message.Message) interactionResponse {
	if m.Replace {
		p := toPayload(m)
		p.Flags = 0 // an update cannot change whether the message is ephemeral
		return interactionResponse{Type: callbackUpdateMessage, Data: p}
	}
	return interactionResponse{Type: callbackMessage, Data: toPayload(m)}
}

func deferredResponse(ephemeral bool) interactionResponse {
	r := interactionResponse{Type: callbackDeferredMessage}
	if ephemeral {
		r.Data = deferredData{Flags: flagEphemeral}
	}
	return r
}
