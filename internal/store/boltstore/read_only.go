package boltstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ReadOnly says how OpenReadOnly reached the data.
type ReadOnly int

const (
	// Direct: the file was free and is read in place, under a shared lock.
	Direct ReadOnly = iota
	// Snapshot: a running Herald holds the file; a consistent copy is read instead.
	Snapshot
)

// snapshotAttempts bounds the copies tried while the running process keeps committing.
const snapshotAttempts = 5

// OpenReadOnly opens the database at path for reading only, for tools such as check-feed
// that must never change what a running Herald relies on. When no process holds the file it
// is read in place; while Herald runs (its exclusive lock cannot be shared) a copy is read,
// taken so that no commit finished during the copy (the copy's meta pages still equal the
// file's afterwards), which makes the copy one consistent transaction. Writes fail. Close
// removes the copy.
func OpenReadOnly(path string, opts Options) (*Store, ReadOnly, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, Direct, fmt.Errorf("boltstore: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	switch {
	case err == nil:
		return newStore(db, opts, ""), Direct, nil
	case !errors.Is(err, berrors.ErrTimeout):
		return nil, Direct, fmt.Errorf("boltstore: open %s read-only: %w", path, err)
	}
	for range snapshotAttempts {
		s, ok, err := snapshot(path, opts)
		if err != nil || ok {
			return s, Snapshot, err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, Snapshot, fmt.Errorf("boltstore: %s changed during each of %d copies; try again", path, snapshotAttempts)
}

// snapshot copies path and opens the copy; ok is false when a commit finished meanwhile.
func snapshot(path string, opts Options) (s *Store, ok bool, err error) {
	dir, err := os.MkdirTemp("", "herald-snapshot-")
	if err != nil {
		return nil, false, fmt.Errorf("boltstore: snapshot: %w", err)
	}
	copyPath := filepath.Join(dir, FileName)
	cleanup := func() { _ = os.RemoveAll(dir) }
	if err := copyFile(path, copyPath); err != nil {
		cleanup()
		return nil, false, err
	}
	db, err := bolt.Open(copyPath, 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		cleanup()
		return nil, false, fmt.Errorf("boltstore: snapshot of %s: %w", path, err)
	}
	same, err := sameMetas(path, copyPath, 2*db.Info().PageSize)
	if err != nil || !same {
		_ = db.Close()
		cleanup()
		return nil, false, err
	}
	return newStore(db, opts, dir), true, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("boltstore: snapshot: %w", err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("boltstore: snapshot: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("boltstore: snapshot: copying %s: %w", from, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("boltstore: snapshot: %w", err)
	}
	return nil
}

// sameMetas reports whether the first n bytes (bbolt's two meta pages) of both files match.
func sameMetas(a, b string, n int) (bool, error) {
	ha, err := head(a, n)
	if err != nil {
		return false, err
	}
	hb, err := head(b, n)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ha, hb), nil
}

func head(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("boltstore: snapshot: %w", err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("boltstore: snapshot: reading %s: %w", path, err)
	}
	return buf, nil
}
