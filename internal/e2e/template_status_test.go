package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const labelChannel = "930000000000000022"

// TestTemplateStatusThroughGateway: a feed subscription's template shows a story's tracked
// topic and that topic's status label ({topic}, {status}), from the same tracking /status
// reads, through the real binary and the fake gateway.
func TestTemplateStatusThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Status Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 1)

	a := ask(t, fake, command{channel: labelChannel, permissions: permManageChannels, name: "subscribe",
		options: []fakediscord.Option{{Name: "feed", Type: 1, Options: []fakediscord.Option{
			{Name: "url", Type: 3, Value: fs.URL()}, {Name: "template", Type: 3, Value: `{topic} | {status} | {title}`}}}}})
	if !strings.Contains(a.msg.Content, "New stories from") {
		t.Fatalf("/subscribe feed: %q", a.msg.Content)
	}
	link := addTitled(fs, "Israel and Hamas agree to a ceasefire in Gaza")
	if !waitFor(30*time.Second, func() bool { return postedLinks(fake.Messages(labelChannel))[link] == 1 }) {
		t.Fatalf("the story was not posted: %s", describeMessages(fake.Messages(labelChannel)))
	}
	desc := fake.Messages(labelChannel)[0].Embeds[0].Description
	parts := strings.Split(desc, " | ")
	labels := []string{"Talks ongoing", "No agreement", "Agreement reached", "Ceasefire in effect", "Ceasefire collapsed", "No recent news"}
	if len(parts) != 3 || parts[0] != "Gaza ceasefire" || !slices.Contains(labels, parts[1]) {
		t.Errorf("description %q: want the topic, one of the status labels and the title", desc)
	}
}
