package message

// Mention is the one role or user a message may ping. Discord parses mentions in message
// content only, and only those allowed_mentions names: the transport sends exactly this role
// or user and nothing else, so @everyone, @here or a <@&id> copied from a feed pings no one.
type Mention struct {
	RoleID string
	UserID string
}

// IsZero reports that the message pings nobody.
func (m Mention) IsZero() bool { return m.RoleID == "" && m.UserID == "" }

// Markup is the mention as written in content: <@&role> or <@user>; "" when IsZero or the id
// is not a Discord id (so a malformed id never turns into text that looks like a mention).
func (m Mention) Markup() string {
	switch {
	case IsSnowflake(m.RoleID):
		return "<@&" + m.RoleID + ">"
	case IsSnowflake(m.UserID):
		return "<@" + m.UserID + ">"
	}
	return ""
}

// WithMention puts mn at the start of m's content and records it for the transport; a zero or
// malformed mention leaves m as it was. The mention fits: content is cut to make room.
func WithMention(m Message, mn Mention) Message {
	mk := mn.Markup()
	if mk == "" {
		return m
	}
	m.Mention = mn
	if m.Content == "" {
		m.Content = mk
		return m
	}
	m.Content = mk + " " + Truncate(m.Content, MaxContent-len(mk)-1)
	return m
}

// IsSnowflake reports whether s is a Discord id: 17 to 20 decimal digits.
func IsSnowflake(s string) bool {
	if len(s) < 17 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
