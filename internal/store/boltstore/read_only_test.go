package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldbot/herald/internal/story"
)

func stories(prefix string, n int) []story.Story {
	out := make([]story.Story, n)
	for i := range out {
		out[i] = story.Story{ID: story.NewID("https://f.example/rss", fmt.Sprintf("%s-%d", prefix, i)), FeedURL: "https://f.example/rss",
			Title: fmt.Sprintf("%s %d", prefix, i), Published: time.Now().Add(-time.Duration(i) * time.Minute), FirstSeen: time.Now()}
	}
	return out
}

// checkConsistent runs bbolt's own page-level consistency check on s.
func checkConsistent(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Errorf("snapshot inconsistent: %v", err)
	}
}

// A free file is read in place and left exactly as it was; writes are refused.
func TestOpenReadOnlyDirect(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.PutStories(context.Background(), stories("a", 3)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	before, _ := os.ReadFile(path)
	r, how, err := OpenReadOnly(path, Options{})
	if err != nil || how != Direct {
		t.Fatalf("OpenReadOnly = %v, %v; want Direct", how, err)
	}
	if n, err := r.CountStories(context.Background()); err != nil || n != 3 {
		t.Errorf("CountStories = %d, %v; want 3", n, err)
	}
	if _, err := r.PutStories(context.Background(), stories("b", 1)); err == nil {
		t.Error("a read-only store accepted a write")
	}
	r.Close()
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("reading changed the file")
	}
	if _, _, err := OpenReadOnly(filepath.Join(t.TempDir(), FileName), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist (and no file created)", err)
	}
}

// While the store is held and written to, as by a running Herald, a consistent copy is read;
// the running store is not disturbed and the copy is removed on Close.
func TestOpenReadOnlyWhileRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	if _, err := w.PutStories(ctx, stories("base", 500)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the running bot keeps committing
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := w.PutStories(ctx, stories(fmt.Sprint("live", i), 20)); err != nil {
				t.Errorf("running store write: %v", err)
				return
			}
		}
	})
	for range 3 {
		r, how, err := OpenReadOnly(path, Options{})
		if err != nil || how != Snapshot {
			close(stop)
			wg.Wait()
			t.Fatalf("OpenReadOnly = %v, %v; want Snapshot", how, err)
		}
		n, err := r.CountStories(ctx)
		if err != nil || n < 500 || n%20 != 0 {
			t.Errorf("snapshot holds %d stories (%v): want 500 plus whole batches of 20", n, err)
		}
		checkConsistent(t, r)
		dir := r.snapshotDir
		r.Close()
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("snapshot %s not removed: %v", dir, err)
		}
	}
	close(stop)
	wg.Wait()
}
