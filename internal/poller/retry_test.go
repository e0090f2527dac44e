package poller

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heraldbot/herald/internal/feed"
)

// TestRetryPollsAtOnce: a feed waiting out its interval is polled the moment Retry is called,
// and a feed the poller does not know is refused.
func TestRetryPollsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := newFetchLog()
		const u = "https://retry.example.org/feed"
		f := fetcherFunc(func(_ context.Context, url string, _ feed.Validators) (*feed.Result, error) {
			log.add(url)
			return okResult(url, "same"), nil
		})
		p := New([]Feed{{URL: u}}, f, newMemStore(), nil, Options{Logger: discard})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.Run(ctx)
		}()
		time.Sleep(DefaultInterval + time.Second) // the first poll happened within one interval
		synctest.Wait()
		before := len(log.times(u))
		if err := p.Retry(ctx, u); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := len(log.times(u)); got != before+1 {
			t.Errorf("fetches after Retry = %d, want %d (one at once)", got, before+1)
		}
		if err := p.Retry(ctx, "https://unknown.example/feed"); !errors.Is(err, ErrUnknownFeed) {
			t.Errorf("Retry(unknown) = %v, want ErrUnknownFeed", err)
		}
		cancel()
		<-done
	})
}
