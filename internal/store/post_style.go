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
}
