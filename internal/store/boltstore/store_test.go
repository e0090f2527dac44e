package boltstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", FileName)
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

// TestOpenTwiceFailsClearly checks a second opener of a locked file gets a clear error after
// the open timeout instead of hanging (bbolt's flock conflicts even within one process).
func TestOpenTwiceFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	first, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	defer first.Close()
	second, err := Open(path, Options{})
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "data dir in use") {
		t.Errorf("second Open error = %q, want it to say the data dir is in use", err)
	}
}

func TestOpenRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a bolt file "), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := Open(path, Options{})
	if err == nil {
		st.Close()
		t.Fatal("Open of a corrupt file succeeded")
	}
	if !strings.HasPrefix(err.Error(), "boltstore: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	checks := []struct {
		name string
		err  error
	}{
		{"Ping", st.Ping(ctx)},
		{"PutFeedState", st.PutFeedState(ctx, store.FeedState{URL: "https://a.example"})},
		{"Confirm", st.Confirm(ctx, "c1", []string{"x"})},
	}
	_, claimErr := st.Claim(ctx, "c1", []string{"x"}, time.Minute)
	checks = append(checks, struct {
		name string
		err  error
	}{"Claim", claimErr})
	for _, c := range checks {
		if !errors.Is(c.err, store.ErrUnavailable) {
			t.Errorf("%s on a closed store: err = %v, want ErrUnavailable", c.name, c.err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := st.PutStories(ctx, []story.Story{{ID: "0000000000000001"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutStories with a cancelled context: err = %v, want context.Canceled", err)
	}
}

// TestExtremePublishedTimesOrder checks stories with zero or far-off Published times (bad
// feeds) are stored and ordered, which unix-nanosecond keys would get wrong.
func TestExtremePublishedTimesOrder(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	times := []time.Time{
		{},
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	var stories []story.Story
	for i, ts := range times {
		stories = append(stories, story.Story{ID: story.PadHex(uint64(i + 1)), Title: ts.String(), Published: ts})
	}
	if _, err := st.PutStories(t.Context(), stories); err != nil {
		t.Fatalf("PutStories: %v", err)
	}
	got, err := st.RecentStories(t.Context(), store.StoryQuery{})
	if err != nil {
		t.Fatalf("RecentStories: %v", err)
	}
	var order []string
	for _, s := range got {
		order = append(order, s.ID)
	}
	want := []string{"0000000000000005", "0000000000000004", "0000000000000003", "0000000000000002", "0000000000000001"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("order = %v, want %v", order, want)
	}
}

// FuzzTimeKeyOrder checks the index key order is time order for arbitrary instants.
func FuzzTimeKeyOrder(f *testing.F) {
	f.Add(int64(0), int64(0), int64(1), int64(0))
	f.Add(int64(-62135596800), int64(0), int64(1772323200), int64(5))
	f.Add(int64(-1), int64(999999999), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, s1, n1, s2, n2 int64) {
		a := time.Unix(s1, n1%1e9)
		b := time.Unix(s2, n2%1e9)
		if got, want := bytes.Compare(timeKey(a), timeKey(b)), a.Compare(b); got != want {
			t.Errorf("key order %d, time order %d for %v and %v", got, want, a, b)
		}
	})
}
