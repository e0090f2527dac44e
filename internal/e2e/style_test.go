package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const (
	styleChannel = "930000000000000012"
	breakingRole = "940000000000000001"
	foreignRole  = "940000000000000002"
)

// TestStyledSubscriptionThroughGateway drives issue 12's subscription options through the
// real binary and the fake gateway: /subscribe feed with a filter, a role mention only for
// ceasefire stories and a template; live posts then show the template, skip what the filter
// drops, ping the role exactly once on the post with a ceasefire story (and nobody for feed
// text saying @everyone or <@&other>); /subscription edit no_mention stops the pings and
// /subscription pause stops the posts.
func TestStyledSubscriptionThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Styled Outlet")
	fs.add(2)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 2)

	a := ask(t, fake, command{channel: styleChannel, permissions: permManageChannels, name: "subscribe",
		options: []fakediscord.Option{{Name: "feed", Type: 1, Options: []fakediscord.Option{
			{Name: "url", Type: 3, Value: fs.URL()},
			{Name: "filter", Type: 3, Value: "NOT title:/^opinion:/"},
			{Name: "mention", Type: 8, Value: breakingRole},
			{Name: "mention_filter", Type: 3, Value: "ceasefire"},
			{Name: "template", Type: 3, Value: `{source} reports: {title}\n{published_ago}`},
		}}}})
	if !strings.Contains(a.msg.Content, "New stories from") || !a.msg.Pings().None() {
		t.Fatalf("/subscribe feed: %q, pings %+v", a.msg.Content, a.msg.Pings())
	}

	opinion := addTitled(fs, "Opinion: why the talks fail")
	ceasefire := addTitled(fs, "Ceasefire holds @everyone <@&"+foreignRole+">")
	if !waitFor(30*time.Second, func() bool { return postedLinks(fake.Messages(styleChannel))[ceasefire] == 1 }) {
		t.Fatalf("the ceasefire story was not posted: %s", describeMessages(fake.Messages(styleChannel)))
	}
	quiet(fake, styleChannel, 2*time.Second)
	msgs := fake.Messages(styleChannel)
	if got := postedLinks(msgs); got[opinion] != 0 {
		t.Errorf("the filter let the opinion piece through: %v", got)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d posts, want 1:\n%s", len(msgs), describeMessages(msgs))
	}
	if diff := cmp.Diff(fakediscord.Pings{Roles: []string{breakingRole}}, msgs[0].Pings()); diff != "" {
		t.Errorf("pings of the ceasefire post (-want +got):\n%s", diff)
	}
	if d := msgs[0].Embeds[0].Description; !strings.HasPrefix(d, "Styled Outlet reports: Ceasefire holds") || !strings.Contains(d, "\n<t:") {
		t.Errorf("description %q, want the template with a Discord timestamp", d)
	}

	subID := onlySubscriptionID(t, fake)
	edit := ask(t, fake, command{channel: styleChannel, permissions: permManageChannels, name: "subscription",
		options: []fakediscord.Option{{Name: "edit", Type: 1, Options: []fakediscord.Option{
			{Name: "subscription", Type: 3, Value: subID}, {Name: "no_mention", Type: 5, Value: true}}}}})
	if !strings.Contains(edit.msg.Content, "Updated") {
		t.Fatalf("/subscription edit: %q", edit.msg.Content)
	}
	again := addTitled(fs, "Ceasefire extended")
	if !waitFor(30*time.Second, func() bool { return postedLinks(fake.Messages(styleChannel))[again] == 1 }) {
		t.Fatalf("the second ceasefire story was not posted")
	}
	if p := fake.Messages(styleChannel)[1].Pings(); !p.None() {
		t.Errorf("after no_mention the post pings %+v", p)
	}

	pause := ask(t, fake, command{channel: styleChannel, permissions: permManageChannels, name: "subscription",
		options: []fakediscord.Option{{Name: "pause", Type: 1, Options: []fakediscord.Option{{Name: "subscription", Type: 3, Value: subID}}}}})
	if !strings.Contains(pause.msg.Content, "Paused") {
		t.Fatalf("/subscription pause: %q", pause.msg.Content)
	}
	paused := addTitled(fs, "Markets calm while paused")
	// Four poll intervals: a paused subscription must post nothing.
	if waitFor(4*time.Second, func() bool { return postedLinks(fake.Messages(styleChannel))[paused] > 0 }) {
		t.Errorf("a paused subscription posted: %v", postedLinks(fake.Messages(styleChannel)))
	}
}

// onlySubscriptionID reads the channel's one subscription id from /subscriptions, as a member
// would copy it.
func onlySubscriptionID(t *testing.T, fake *fakediscord.Server) string {
	t.Helper()
	a := ask(t, fake, command{channel: styleChannel, permissions: permManageChannels, name: "subscriptions"})
	desc := ""
	if len(a.msg.Embeds) > 0 {
		desc = a.msg.Embeds[0].Description
	}
	start := strings.Index(desc, "`")
	end := strings.Index(desc[start+1:], "`")
	if start < 0 || end < 0 {
		t.Fatalf("/subscriptions lists no id: %q", desc)
	}
	return desc[start+1 : start+1+end]
}
