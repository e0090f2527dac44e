package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/commands"
)

// FuzzInteractionsHandler signs arbitrary bodies correctly: whatever they contain, the
// endpoint must answer 200 or 400, never panic into a 500.
func FuzzInteractionsHandler(f *testing.F) {
	for _, seed := range []string{
		`{"type":1}`,
		`{"type":2,"id":"1","token":"t","data":{"name":"latest","options":[{"name":"count","type":4,"value":3}]}}`,
		`{"type":2,"data":{"name":"subscribe","options":[{"name":"feed","type":1,"options":[{"name":"url","type":3,"value":"x"}]}]}}`,
		`{"type":4,"data":{"name":"status","options":[{"name":"topic","type":3,"value":"c","focused":true}]}}`,
		`{"type":2,"member":{"permissions":"not-a-number"}}`,
		`{"type":2,"data":null}`,
		`{"type":3,"data":{"custom_id":"x"}}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	router := commands.NewRouter(commands.Definitions(), commands.RouterOptions{})
	ih := NewInteractionsHandler(pub, "1", router, nil,
		InteractionsOptions{Now: func() time.Time { return now }, InlineDeadline: 100 * time.Millisecond})
	runInteractions(f, ih)
	ts := strconv.FormatInt(now.Unix(), 10)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...))))
		rec := httptest.NewRecorder()
		ih.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
	})
}
