package fakediscord

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

var briefingBody = []byte(`{"content":"Morning briefing","allowed_mentions":{"parse":[]},"embeds":[` +
	strings.TrimSuffix(strings.Repeat(`{"title":"Ceasefire holds in the north","url":"https://example.com/a","description":"`+
		strings.Repeat("word ", 150)+`","fields":[{"name":"Sources","value":"Reuters, AP","inline":true}],"footer":{"text":"Herald"}},`, 5), ",") + `]}`)

// BenchmarkParseMessage measures schema + limit validation of a five-embed briefing.
func BenchmarkParseMessage(b *testing.B) {
	srv := &Server{schemas: newSchemasT(b)}
	b.SetBytes(int64(len(briefingBody)))
	for b.Loop() {
		if _, e := srv.parseMessage(bodyMessageCreate, briefingBody, false); e != nil {
			b.Fatal(e.Message)
		}
	}
}

// BenchmarkCreateMessageHTTP measures a full POST /channels/{id}/messages round trip.
func BenchmarkCreateMessageHTTP(b *testing.B) {
	srv := New(Options{GlobalLimit: 1 << 30, ChannelLimit: 1 << 30, Logf: func(string, ...any) {}})
	defer srv.Close()
	url := srv.URL() + "/api/v9/channels/1/messages"
	client := &http.Client{}
	for b.Loop() {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(briefingBody))
		req.Header.Set("Authorization", "Bot "+srv.BotToken())
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkNew measures starting a server, dominated by compiling the embedded schemas.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(Options{}).Close()
	}
}
