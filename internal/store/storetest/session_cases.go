package storetest

import (
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store"
)

// sessionCases check dashboard sessions: kept until they expire, replaced, deleted.
func sessionCases() []testCase {
	return []testCase{
		{name: "sessions/round_trip_and_replace", run: sessionRoundTrip},
		{name: "sessions/expire", run: sessionExpire},
		{name: "sessions/delete", run: sessionDelete},
	}
}

func sampleSession(id string, expires time.Time) store.Session {
	return store.Session{ID: id, UserID: "u1", Username: "ada", AccessToken: "tok-" + id, CSRF: "csrf-" + id, Expires: expires}
}

func sessionRoundTrip(t *testing.T, e *env) {
	want := sampleSession("s1", e.clock.Now().Add(time.Hour))
	noErr(t, "PutSession", e.store.PutSession(e.ctx, want))
	noErr(t, "PutSession (another)", e.store.PutSession(e.ctx, sampleSession("s2", e.clock.Now().Add(time.Hour))))
	got, ok, err := e.store.GetSession(e.ctx, "s1")
	noErr(t, "GetSession", err)
	if !ok {
		t.Fatal("GetSession: ok = false right after Put")
	}
	mustDiff(t, "session", want, got)

	signingIn := store.Session{ID: "s1", State: "st", Verifier: "ver", Expires: e.clock.Now().Add(10 * time.Minute)}
	noErr(t, "PutSession (replace)", e.store.PutSession(e.ctx, signingIn))
	got, _, err = e.store.GetSession(e.ctx, "s1")
	noErr(t, "GetSession", err)
	mustDiff(t, "replaced session (no field may survive)", signingIn, got)

	if got, ok, err := e.store.GetSession(e.ctx, "missing"); err != nil || ok {
		t.Errorf("GetSession(unknown) = %+v, %v, %v; want not ok, no error", got, ok, err)
	}
}

func sessionExpire(t *testing.T, e *env) {
	noErr(t, "PutSession", e.store.PutSession(e.ctx, sampleSession("s1", e.clock.Now().Add(time.Minute))))
	e.clock.Advance(59 * time.Second)
	if _, ok, err := e.store.GetSession(e.ctx, "s1"); err != nil || !ok {
		t.Fatalf("GetSession a second before expiry: ok = %v, err = %v; want ok", ok, err)
	}
	e.clock.Advance(time.Second)
	if got, ok, err := e.store.GetSession(e.ctx, "s1"); err != nil || ok {
		t.Errorf("GetSession at expiry = %+v, %v, %v; want not ok", got, ok, err)
	}
	noErr(t, "PutSession (already expired)", e.store.PutSession(e.ctx, sampleSession("s2", e.clock.Now().Add(-time.Second))))
	if _, ok, err := e.store.GetSession(e.ctx, "s2"); err != nil || ok {
		t.Errorf("GetSession of a session stored expired: ok = %v, err = %v; want not ok", ok, err)
	}
}

func sessionDelete(t *testing.T, e *env) {
	noErr(t, "PutSession", e.store.PutSession(e.ctx, sampleSession("s1", e.clock.Now().Add(time.Hour))))
	noErr(t, "PutSession", e.store.PutSession(e.ctx, sampleSession("s2", e.clock.Now().Add(time.Hour))))
	noErr(t, "DeleteSession", e.store.DeleteSession(e.ctx, "s1"))
	noErr(t, "DeleteSession (again)", e.store.DeleteSession(e.ctx, "s1"))
	if _, ok, err := e.store.GetSession(e.ctx, "s1"); err != nil || ok {
		t.Errorf("GetSession after delete: ok = %v, err = %v; want not ok", ok, err)
	}
	if _, ok, err := e.store.GetSession(e.ctx, "s2"); err != nil || !ok {
		t.Errorf("GetSession of the other session: ok = %v, err = %v; want ok", ok, err)
	}
}
