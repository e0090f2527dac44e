package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

const (
	forumChannel = "930000000000000021"
	hookChannel  = "930000000000000022"
	newsChannel  = "930000000000000023"
	// allowedHere is the fake's default app_permissions plus Manage Webhooks.
	allowedHere = "2248474002706049"
)

// subscribeWith runs /subscribe feed in channel with extra options and the given bot
// permissions, returning the answer's content.
func subscribeWith(t *testing.T, fake *fakediscord.Server, channel, appPerms, url string, extra ...fakediscord.Option) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interactionWait)
	defer cancel()
	opts := append([]fakediscord.Option{{Name: "url", Type: 3, Value: url}}, extra...)
	p, err := fake.InjectInteraction(ctx, fakediscord.Interaction{GuildID: wiringGuild, ChannelID: channel,
		Permissions: permManageChannels, AppPermissions: appPerms, CommandName: "subscribe",
		Options: []fakediscord.Option{{Name: "feed", Type: 1, Options: opts}}})
	if err != nil {
		t.Fatalf("inject /subscribe feed: %v", err)
	}
	return awaitAnswer(ctx, t, "/subscribe feed", p).msg.Content
}

// TestPlacesThroughGateway: a forum channel gets one post per story named by its title; a
// webhook subscription posts under the webhook's name, and when a moderator deletes the
// webhook Herald makes a new one and posts the next story through it; an announcement channel
// with thread and crosspost gets each story published with a thread on it. All through the
// real binary, the gateway and the fake's OpenAPI-validated endpoints.
func TestPlacesThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Places Outlet")
	fs.add(1)
	fake := wiringFake(t)
	fake.SetChannelType(forumChannel, fakediscord.ChannelForum)
	fake.SetChannelType(newsChannel, fakediscord.ChannelAnnouncement)
	startGatewayBot(t, fake, fs.URL(), 1)

	if c := subscribeWith(t, fake, forumChannel, "", fs.URL()); !strings.Contains(c, "one forum post per story") {
		t.Fatalf("forum /subscribe: %q", c)
	}
	hook := fakediscord.Option{Name: "webhook_name", Type: 3, Value: "Wire Desk"}
	if c := subscribeWith(t, fake, hookChannel, "", fs.URL(), hook); !strings.Contains(c, "Manage Webhooks") {
		t.Fatalf("webhook /subscribe without Manage Webhooks: %q", c)
	}
	if c := subscribeWith(t, fake, hookChannel, allowedHere, fs.URL(), hook); !strings.Contains(c, "as Wire Desk") {
		t.Fatalf("webhook /subscribe: %q", c)
	}
	if c := subscribeWith(t, fake, newsChannel, "", fs.URL(), fakediscord.Option{Name: "thread", Type: 5, Value: true},
		fakediscord.Option{Name: "crosspost", Type: 5, Value: true}); !strings.Contains(c, "a thread per story, published to followers") {
		t.Fatalf("announcement /subscribe: %q", c)
	}
	first := fake.Webhooks(hookChannel)
	if len(first) != 1 {
		t.Fatalf("webhooks %+v, want the one /subscribe made", first)
	}

	a, b := addTitled(fs, "Ceasefire talks resume"), addTitled(fs, "Aid convoy reaches the north")
	posted := func() bool {
		published := 0
		for _, m := range fake.Messages(newsChannel) {
			if m.Crossposted {
				published++
			}
		}
		return len(fake.Threads(forumChannel)) == 2 && len(postedLinks(fake.Messages(hookChannel))) == 2 &&
			len(fake.Threads(newsChannel)) == 2 && published == 2
	}
	if !waitFor(30*time.Second, posted) {
		t.Fatalf("not all posted: forum threads %+v, webhook posts %d, news threads %+v", fake.Threads(forumChannel),
			len(fake.Messages(hookChannel)), fake.Threads(newsChannel))
	}
	var names []string
	for _, th := range fake.Threads(forumChannel) {
		names = append(names, th.Name)
		if ms := fake.Messages(th.ID); len(ms) != 1 || len(ms[0].Embeds) != 1 {
			t.Errorf("forum post %q has %d messages", th.Name, len(ms))
		}
	}
	slices.Sort(names) // both were published in the same second: either may go first
	if strings.Join(names, "|") != "Aid convoy reaches the north|Ceasefire talks resume" {
		t.Errorf("forum post names %q", names)
	}
	for _, m := range fake.Messages(hookChannel) {
		if m.WebhookID != first[0].ID || m.Username != "Wire Desk" {
			t.Errorf("webhook post %+v, want webhook %s as Wire Desk", m, first[0].ID)
		}
	}
	for _, m := range fake.Messages(newsChannel) {
		if !m.Crossposted {
			t.Errorf("announcement post %s not published", m.ID)
		}
	}
	assertEachOnce(t, fake.Messages(newsChannel), []string{a, b})

	fake.DeleteWebhook(first[0].ID)
	c := addTitled(fs, "Talks adjourn until Monday")
	if !waitFor(40*time.Second, func() bool { return postedLinks(fake.Messages(hookChannel))[c] == 1 }) {
		t.Fatalf("after the webhook was deleted the story was not posted; webhooks now %+v", fake.Webhooks(hookChannel))
	}
	now := fake.Webhooks(hookChannel)
	last := fake.Messages(hookChannel)[len(fake.Messages(hookChannel))-1]
	if len(now) != 1 || now[0].ID == first[0].ID || last.WebhookID != now[0].ID {
		t.Errorf("webhooks %+v, last post through %s: want a new webhook that posted it", now, last.WebhookID)
	}
}

const (
	topicForum   = "930000000000000031"
	topicThreads = "930000000000000032"
)

// TestTopicPlacesThroughGateway: topic subscriptions place posts like feed subscriptions. In a
// forum channel each development is a forum post named by its headline; a text channel that
// opts into threads gets a thread on each development's post.
func TestTopicPlacesThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Topic Outlet")
	fs.add(1)
	fake := wiringFake(t)
	fake.SetChannelType(topicForum, fakediscord.ChannelForum)
	startGatewayBot(t, fake, fs.URL(), 1)

	topic := fakediscord.Option{Name: "topic", Type: 3, Value: "ceasefire"}
	forum := ask(t, fake, command{channel: topicForum, permissions: permManageChannels, name: "subscribe",
		options: []fakediscord.Option{{Name: "topic", Type: 1, Options: []fakediscord.Option{topic}}}})
	if !strings.Contains(forum.msg.Content, "one forum post per story") {
		t.Fatalf("forum /subscribe topic: %q", forum.msg.Content)
	}
	threads := ask(t, fake, command{channel: topicThreads, permissions: permManageChannels, name: "subscribe",
		options: []fakediscord.Option{{Name: "topic", Type: 1, Options: []fakediscord.Option{topic,
			{Name: "thread", Type: 5, Value: true}}}}})
	if !strings.Contains(threads.msg.Content, "a thread per story") {
		t.Fatalf("threaded /subscribe topic: %q", threads.msg.Content)
	}

	title := "Israel and Hamas agree to a ceasefire in Gaza"
	link := addTitled(fs, title)
	if !waitFor(30*time.Second, func() bool {
		return len(fake.Threads(topicForum)) == 1 && len(fake.Threads(topicThreads)) == 1
	}) {
		t.Fatalf("forum threads %+v, channel threads %+v, channel messages %d", fake.Threads(topicForum),
			fake.Threads(topicThreads), len(fake.Messages(topicThreads)))
	}
	post := fake.Threads(topicForum)[0]
	if ms := fake.Messages(post.ID); post.Name != title || len(ms) != 1 || postedLinks(ms)[link] != 1 {
		t.Errorf("forum post %q with %d messages, want %q with the story", post.Name, len(ms), title)
	}
	if ms := fake.Messages(topicThreads); len(ms) != 1 || fake.Threads(topicThreads)[0].StarterID != ms[0].ID {
		t.Errorf("threaded channel: %d messages, threads %+v; want the thread on the post", len(ms), fake.Threads(topicThreads))
	}
}

const editThreads = "930000000000000033"

// TestEditPlacementThroughGateway: /subscription edit moves a feed subscription's posts as
// /subscribe would place them. A text channel subscribed plainly gets a plain post; after
// /subscription edit thread in that channel (confirmed with "a thread per story") the next
// story's post gets a thread of its own named by its title. crosspost in a text channel is
// refused, and the refused edit changes nothing: not even its thread:false is applied, so
// the next story still gets its thread and is not published.
func TestEditPlacementThroughGateway(t *testing.T) {
	t.Parallel()
	fs := newFeedServer(t, "Edit Outlet")
	fs.add(1)
	fake := wiringFake(t)
	startGatewayBot(t, fake, fs.URL(), 1)

	if c := subscribeWith(t, fake, editThreads, "", fs.URL()); !strings.Contains(c, "New stories from") || strings.Contains(c, "a thread per story") {
		t.Fatalf("plain /subscribe feed: %q", c)
	}
	plain := addTitled(fs, "Talks open in Cairo")
	if !waitFor(30*time.Second, func() bool { return postedLinks(fake.Messages(editThreads))[plain] == 1 }) {
		t.Fatalf("the first story was not posted: %s", describeMessages(fake.Messages(editThreads)))
	}
	if th := fake.Threads(editThreads); len(th) != 0 {
		t.Fatalf("threads %+v before thread was turned on", th)
	}

	subID := onlySubscriptionID(t, fake)
	edit := func(opts ...fakediscord.Option) string {
		t.Helper()
		a := ask(t, fake, command{channel: editThreads, permissions: permManageChannels, name: "subscription",
			options: []fakediscord.Option{{Name: "edit", Type: 1, Options: append([]fakediscord.Option{
				{Name: "subscription", Type: 3, Value: subID}}, opts...)}}})
		return a.msg.Content
	}
	if c := edit(fakediscord.Option{Name: "thread", Type: 5, Value: true}); !strings.Contains(c, "Updated") || !strings.Contains(c, "(a thread per story)") {
		t.Fatalf("/subscription edit thread: %q", c)
	}
	if c := edit(fakediscord.Option{Name: "thread", Type: 5, Value: false},
		fakediscord.Option{Name: "crosspost", Type: 5, Value: true}); !strings.Contains(c, "crosspost works in announcement channels only") || strings.Contains(c, "Updated") {
		t.Fatalf("/subscription edit crosspost in a text channel: %q", c)
	}

	title := "Ceasefire talks resume after the weekend"
	threaded := addTitled(fs, title)
	if !waitFor(30*time.Second, func() bool { return len(fake.Threads(editThreads)) == 1 }) {
		t.Fatalf("no thread on the story posted after the edit: threads %+v, messages:\n%s", fake.Threads(editThreads),
			describeMessages(fake.Messages(editThreads)))
	}
	quiet(fake, editThreads, 2*time.Second)
	msgs := fake.Messages(editThreads)
	assertEachOnce(t, msgs, []string{plain, threaded})
	if len(msgs) != 2 {
		t.Fatalf("%d posts, want 2:\n%s", len(msgs), describeMessages(msgs))
	}
	th := fake.Threads(editThreads)
	if th[0].StarterID != msgs[1].ID || th[0].Name != title {
		t.Errorf("threads %+v, want one named %q on post %s", th, title, msgs[1].ID)
	}
	for _, m := range msgs {
		if m.Crossposted {
			t.Errorf("post %s was published after crosspost was refused", m.ID)
		}
	}
}
