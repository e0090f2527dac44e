package fakediscord

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func newSchemasT(t testing.TB) *schemaSet {
	t.Helper()
	s, err := compiledSchemas()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzParseMessage feeds arbitrary bodies to the message validator: it must never panic, and
// whatever it accepts must satisfy Discord's limits.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		`{"content":"hello","allowed_mentions":{"parse":[]}}`,
		`{"content":null,"embeds":null,"components":null,"sticker_ids":null,"tts":false}`,
		`{"embeds":[{"title":"t","description":"d","fields":[{"name":"n","value":"v","inline":true}],"footer":{"text":"f"},"author":{"name":"a"}}]}`,
		`{"content":"x","nonce":12345,"enforce_nonce":true}`,
		`{"content":"   "}`, `[]`, `null`, `{"embeds":[null]}`, `{"content":"` + strings.Repeat("é", 2001) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	srv := &Server{schemas: newSchemasT(f)}
	f.Fuzz(func(t *testing.T, body []byte) {
		mb, e := srv.parseMessage(bodyMessageCreate, body, false)
		if e != nil {
			if e.status != 400 || (e.Code != CodeInvalidFormBody && e.Code != CodeEmptyMessage && e.Code != 50109) {
				t.Fatalf("unexpected rejection %d/%d %q", e.status, e.Code, e.Message)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("error body does not marshal: %v", err)
			}
			return
		}
		if runes(mb.content()) > maxContent || len(mb.Embeds) > maxEmbeds || mb.isEmpty() {
			t.Fatalf("accepted an invalid message: %q", body)
		}
		total := 0
		for _, em := range mb.Embeds {
			total += checkEmbed(&formError{}, "0", em)
			if runes(em.Title) > maxTitle || runes(em.Description) > maxDescription || len(em.Fields) > maxFields {
				t.Fatalf("accepted an oversized embed: %q", body)
			}
		}
		if total > maxEmbedTotal {
			t.Fatalf("accepted %d embed characters", total)
		}
	})
}

// FuzzCallback checks the interaction-callback validator never panics and only accepts
// callback types valid for the interaction type.
func FuzzCallback(f *testing.F) {
	for _, seed := range []string{`{"type":4,"data":{"content":"hi"}}`, `{"type":5}`, `{"type":8,"data":{"choices":[{"name":"a","value":"a"}]}}`,
		`{"type":9,"data":{"custom_id":"m","title":"t","components":[]}}`, `{"type":1}`, `{"type":"4"}`, `{}`} {
		f.Add([]byte(seed), 2)
		f.Add([]byte(seed), 4)
	}
	srv := &Server{schemas: newSchemasT(f)}
	f.Fuzz(func(t *testing.T, body []byte, itype int) {
		cb, e := srv.parseCallback(itype, body, false)
		if e != nil {
			return
		}
		ok := false
		for _, a := range allowedCallbacks(itype) {
			ok = ok || a == cb.Type
		}
		if !ok {
			t.Fatalf("accepted callback type %d for interaction type %d", cb.Type, itype)
		}
	})
}

// FuzzCommands checks the bulk-overwrite validator never panics and that accepted chat-input
// commands have valid lowercase names.
func FuzzCommands(f *testing.F) {
	for _, seed := range []string{`[{"name":"brief","description":"d"}]`, `[{"name":"Brief","description":"d"}]`,
		`[{"name":"a","description":"d","options":[{"type":1,"name":"s","description":"d","options":[{"type":3,"name":"x","description":"d"}]}]}]`,
		`[{"name":"a","type":2}]`, `[null]`, `{}`, `[{"name":"a","description":"d","default_member_permissions":"8"}]`} {
		f.Add([]byte(seed))
	}
	srv := &Server{schemas: newSchemasT(f)}
	f.Fuzz(func(t *testing.T, body []byte) {
		if e := srv.schemas.validate(bodyGuildCommands, body); e != nil {
			return
		}
		var cmds []map[string]any
		if err := json.Unmarshal(body, &cmds); err != nil {
			return
		}
		if checkCommands(jsonNumbers(t, body), srv.schemas.locales) != nil {
			return
		}
		for _, c := range cmds {
			name, _ := c["name"].(string)
			if numberOr(jsonNumbers(t, mustJSON(t, c))[0]["type"], 1) == 1 &&
				(!utf8.ValidString(name) || strings.ToLower(name) != name || !commandNameRE.MatchString(name)) {
				t.Fatalf("accepted chat command name %q", name)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal([]any{v})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonNumbers(t *testing.T, body []byte) []map[string]any {
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}
