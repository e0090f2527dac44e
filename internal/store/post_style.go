package store

// PostStyle is what a subscriber chose about a live subscription's posts beyond what they
// carry: which stories (Filter), whom they ping, and how they look. The zero value is
// Herald's default: every story of the feed or topic, no ping, the default layout.
type PostStyle struct {
	// Filter is a story filter in the filter package's syntax, applied on top of the older
	// Include/Exclude lists; validated when set, so delivery can rely on it compiling.
	Filter string `json:"filter,omitempty"`
	// MentionRole or MentionUser (at most one) is pinged by each live post; when
	// MentionFilter is set, only by posts with a story passing it. It is the only ping Herald
	// ever allows: nothing in feed text pings anyone.
	MentionRole   string `json:"mention_role,omitempty"`
	MentionUser   string `json:"mention_user,omitempty"`
	MentionFilter string `json:"mention_filter,omitempty"`
	// Template is the post layout (briefing.ParseTemplate syntax; "" is the default), Color the
	// embed colour (0: Discord's default) and Thumbnail shows the story image small.
	Template  string `json:"template,omitempty"`
	Color     int    `json:"color,omitempty"`
	Thumbnail bool   `json:"thumbnail,omitempty"`
	// Where posts go. Forum: the channel is a forum or media channel, so each story is a post
	// (thread) of its own named by its title. ThreadPerStory: a text channel opts into one
	// story per message with a thread on it. Crosspost: an announcement channel publishes
	// each post to the channels following it. Webhook: posts go through this channel webhook,
	// under its name and avatar.
	Forum          bool     `json:"forum,omitempty"`
	ThreadPerStory bool     `json:"thread_per_story,omitempty"`
	Crosspost      bool     `json:"crosspost,omitempty"`
	Webhook        *Webhook `json:"webhook,omitempty"`
}

// Webhook is a channel webhook Herald made for a subscription. Token executes it, so stores
// keep it like a session's secret.
type Webhook struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

// Places says where posts go, a phrase each ("one forum post per story", "published to
// followers", "as <webhook name>"); none for a plain channel post. The confirmations and the
// dashboard both word placement with it.
func (st PostStyle) Places() []string {
	var parts []string
	switch {
	case st.Forum:
		parts = append(parts, "one forum post per story")
	case st.ThreadPerStory:
		parts = append(parts, "a thread per story")
	}
	if st.Crosspost {
		parts = append(parts, "published to followers")
	}
	if st.Webhook != nil {
		parts = append(parts, "as "+st.Webhook.Name)
	}
	return parts
}
