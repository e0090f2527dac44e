package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
	"github.com/heraldbot/herald/internal/message"
)

// newFakeServer starts a fake Discord for a Sender test. The Sender's REST client is aimed at
// it, so unlike newFake it moves no discordgo endpoint and the test may run in parallel.
func newFakeServer(t *testing.T, opts fakediscord.Options) *fakediscord.Server {
	t.Helper()
	f := fakediscord.New(opts)
	t.Cleanup(f.Close)
	return f
}

func fakeSender(tb testing.TB, f *fakediscord.Server, opts SenderOptions) *Sender {
	return runSender(tb, NewSender(restTo(tb, f.URL(), f.BotToken(), nil), opts))
}

// channelRequests returns the fake's record of message posts to one channel.
func channelRequests(f *fakediscord.Server, channelID string) []fakediscord.Request {
	var out []fakediscord.Request
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/channels/"+channelID+"/messages") {
			out = append(out, r)
		}
	}
	return out
}

// assertQuietAfter429 checks that no request to the channel arrived while a 429's
// retry_after was running.
func assertQuietAfter429(t *testing.T, reqs []fakediscord.Request, retry time.Duration) {
	t.Helper()
	for i, r := range reqs {
		if r.Status != 429 {
			continue
		}
		for _, later := range reqs[i+1:] {
			if d := later.Time.Sub(r.Time); d >= 0 && d < retry {
				t.Errorf("request %v after a 429 with retry_after %v", d, retry)
			}
		}
	}
}

func TestSenderAgainstFakeDeliversExactlyOnce(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{BaseBackoff: 20 * time.Millisecond})
	f.FailNext("POST", "/channels/c1/messages", 429, 2)
	f.FailNext("POST", "/channels/c2/messages", 500, 2)
	f.FailNext("POST", "/channels/c3/messages", 502, 1)
	var wg sync.WaitGroup
	for _, ch := range []string{"c1", "c2", "c3"} {
		for k := 0; k < 3; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := message.Message{Content: fmt.Sprintf("story %d in %s", k, ch)}
				if _, err := s.Send(context.Background(), ch, m, testNonce(ch, fmt.Sprint(k))); err != nil {
					t.Errorf("send %s/%d: %v", ch, k, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, ch := range []string{"c1", "c2", "c3"} {
		got := map[string]int{}
		for _, m := range f.Messages(ch) {
			got[m.Content]++
		}
		for k := 0; k < 3; k++ {
			if n := got[fmt.Sprintf("story %d in %s", k, ch)]; n != 1 {
				t.Errorf("%s story %d delivered %d times, want exactly once", ch, k, n)
			}
		}
		assertQuietAfter429(t, channelRequests(f, ch), 50*time.Millisecond)
	}
	if s.Depth() != 0 {
		t.Errorf("Depth = %d after all sends returned", s.Depth())
	}
	want := SenderStats{Delivered: 9, RateLimited: 2, Retried: 3}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestSenderAgainstFakeChannelLimitWithoutAny429(t *testing.T) {
	f := newFake(t, fakediscord.Options{ChannelWindow: time.Second})
	s := fakeSender(t, f, SenderOptions{ChannelWindow: time.Second})
	var wg sync.WaitGroup
	for k := 0; k < 12; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Send(context.Background(), "busy", message.Message{Content: fmt.Sprint("n", k)}, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(f.Messages("busy")); n != 12 {
		t.Errorf("%d messages delivered, want 12", n)
	}
	if n := f.Count429(); n != 0 {
		t.Errorf("%d 429s: the Sender must stay inside the 5-per-window bucket", n)
	}
}

func TestSenderAgainstFakeGlobal429(t *testing.T) {
	f := newFake(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{})
	f.ForceGlobal429(300 * time.Millisecond)
	var wg sync.WaitGroup
	for k := 0; k < 4; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Send(context.Background(), fmt.Sprint("g", k), message.Message{Content: "x"}, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var first429 time.Time
	for _, r := range f.Requests() {
		if r.Status == 429 && first429.IsZero() {
			first429 = r.Time
		}
	}
	if first429.IsZero() {
		t.Fatal("the forced global 429 was never hit")
	}
	// Requests the pacer let go before the first 429 came back may still arrive (as 429s);
	// once the Sender has read it, nothing may reach the fake until the pause ends.
	var during int
	for _, r := range f.Requests() {
		if d := r.Time.Sub(first429); d > 100*time.Millisecond && d < 280*time.Millisecond {
			during++
		}
	}
	if during != 0 {
		t.Errorf("%d requests during the global pause", during)
	}
	if n := f.Count429(); n > 4 {
		t.Errorf("%d 429s, want only the requests already in flight (<= 4)", n)
	}
}

func TestSenderAgainstFakeForbiddenAndMentions(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{})
	if err := f.SetChannelError("locked", fakediscord.CodeMissingAccess); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Send(context.Background(), "locked", message.Message{Content: "x"}, ""); !errors.Is(err, ErrChannelGone) {
			t.Fatalf("send %d to a 403 channel: %v, want ErrChannelGone", i, err)
		}
	}
	if st := s.Stats(); st.ChannelsGone != 1 || st.Failed != 3 {
		t.Errorf("Stats = %+v, want 1 channel gone and 3 failures", st)
	}
	if n := len(channelRequests(f, "locked")); n != 1 {
		t.Errorf("%d requests to the 403 channel, want 1", n)
	}
	if _, err := s.Send(context.Background(), "open", message.Message{Content: "@everyone the ceasefire holds"}, testNonce("open", "s")); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages("open")
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if am := msgs[0].AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 {
		t.Errorf("allowed_mentions %+v, want parse []", am)
	}
	if !strings.Contains(string(msgs[0].Body), `"allowed_mentions":{"parse":[]}`) {
		t.Errorf("recorded body %s lacks allowed_mentions parse []", msgs[0].Body)
	}
}

// BenchmarkSenderThroughput posts across 60 channels (enough that the per-channel bucket
// does not bind) and reports messages per second against the configured global limit.
func BenchmarkSenderThroughput(b *testing.B) {
	f := fakediscord.New(fakediscord.Options{})
	defer f.Close()
	const limit = 45
	s := fakeSender(b, f, SenderOptions{GlobalPerSecond: limit})
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Send(context.Background(), fmt.Sprint("bench", i%60), message.Message{Content: "x"}, ""); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	rate := float64(b.N) / elapsed.Seconds()
	if b.N > 1 {
		// N messages span N-1 intervals of the pacer.
		rate = float64(b.N-1) / elapsed.Seconds()
	}
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate/limit*100, "%_of_limit")
	b.ReportMetric(float64(f.Count429()), "429s")
	b.ReportMetric(float64(f.MaxRequestsPerSecond()), "max_req/s")
}

// TestSenderEditsThroughTheFake: an edit replaces a posted message's embeds within Discord's
// limits, an over-limit edit is refused by the sender before Discord sees it, and an edit of a
// deleted message is ErrMessageGone without marking the channel gone.
func TestSenderEditsThroughTheFake(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t, fakediscord.Options{})
	s := fakeSender(t, f, SenderOptions{})
	ctx := context.Background()
	id, err := s.Send(ctx, "c1", message.Message{Embeds: []message.Embed{{Title: "Ceasefire agreed", Description: "Reuters"}}}, "n1")
	if err != nil {
		t.Fatal(err)
	}
	edited := message.Message{Embeds: []message.Embed{{Title: "Ceasefire agreed", Description: "Reuters · BBC News · Al Jazeera"}}}
	if err := s.Edit(ctx, "c1", id, edited); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages("c1")
	if len(msgs) != 1 || msgs[0].Edits != 1 || msgs[0].Embeds[0].Description != "Reuters · BBC News · Al Jazeera" {
		t.Fatalf("after the edit: %+v", msgs)
	}
	tooLong := message.Message{Embeds: []message.Embed{{Title: "x", Description: strings.Repeat("a", message.MaxEmbedDescription+1)}}}
	if err := s.Edit(ctx, "c1", id, tooLong); err == nil {
		t.Error("an edit past Discord's embed limit was sent")
	}
	if err := s.Edit(ctx, "c1", "999999999999999999", edited); !errors.Is(err, ErrMessageGone) {
		t.Errorf("edit of an unknown message: %v, want ErrMessageGone", err)
	}
	if _, err := s.Send(ctx, "c1", message.Message{Content: "still here"}, ""); err != nil {
		t.Errorf("after a failed edit the channel is refused: %v", err)
	}
}
