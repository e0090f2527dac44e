package poller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldbot/herald/internal/feed"
)

// RemoveFeed takes a feed out of the list at once and out of the running schedule before its
// next turn; adding it again polls it again.
func TestRemoveFeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := newFetchLog()
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			log.add(url)
			return okResult(url, "same"), nil
		})
		a, b := "https://a.example/rss", "https://b.example/rss"
		p := New([]Feed{{URL: a}, {URL: b}}, f, newMemStore(), nil, Options{Logger: discard})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.Run(ctx)
		}()
		time.Sleep(DefaultFirstSpread)
		synctest.Wait()
		if !p.RemoveFeed(a) || p.RemoveFeed(a) {
			t.Error("RemoveFeed must report true once, then false")
		}
		if diff := cmp.Diff([]Feed{{URL: b}}, p.Feeds()); diff != "" {
			t.Errorf("feeds after RemoveFeed (-want +got):\n%s", diff)
		}
		if h := p.Health(); h.Feeds != 1 {
			t.Errorf("Health counts %d feeds, want 1", h.Feeds)
		}
		time.Sleep(3 * DefaultInterval)
		synctest.Wait()
		if got := len(log.times(a)); got != 1 {
			t.Errorf("removed feed fetched %d times, want only its first poll", got)
		}
		p.AddFeed(ctx, Feed{URL: a})
		time.Sleep(time.Second)
		synctest.Wait()
		if got := len(log.times(a)); got != 2 {
			t.Errorf("feed added again fetched %d times in all, want 2", got)
		}
		if got := len(log.times(b)); got != 4 {
			t.Errorf("kept feed fetched %d times, want 4 (first poll and three intervals)", got)
		}
		cancel()
		<-done
	})
}
