//go:build ignore

// gen_schema extracts from Discord's OpenAPI description only the request bodies the fake
// validates and the component schemas they reach, so the fake carries ~60 KB instead of 1.2 MB
// and works on machines without ../shared. Run from this directory:
//
//	go run gen_schema.go -in /work/shared/discord/openapi.json -out schema/discord_openapi.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"sort"
)

// routes lists path → method of every request body the fake validates.
var routes = map[string][]string{
	"/channels/{channel_id}/messages":                              {"post"},
	"/channels/{channel_id}/messages/{message_id}":                 {"patch"},
	"/applications/{application_id}/commands":                      {"put"},
	"/applications/{application_id}/guilds/{guild_id}/commands":    {"put"},
	"/interactions/{interaction_id}/{interaction_token}/callback":  {"post"},
	"/webhooks/{webhook_id}/{webhook_token}":                       {"post"},
	"/webhooks/{webhook_id}/{webhook_token}/messages/@original":    {"patch"},
	"/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": {"patch"},
	"/channels/{channel_id}/threads":                               {"post"},
	"/channels/{channel_id}/messages/{message_id}/threads":         {"post"},
	"/channels/{channel_id}/webhooks":                              {"post"},
}

// extraSchemas are kept although no kept request body references them (AvailableLocalesEnum:
// the keys a localisation map may have, which the schemas leave open).
var extraSchemas = []string{"RatelimitedResponse", "ErrorResponse", "AvailableLocalesEnum"}

var refRE = regexp.MustCompile(`#/components/schemas/([A-Za-z0-9_]+)`)

func main() {
	in := flag.String("in", "/work/shared/discord/openapi.json", "Discord's openapi.json")
	out := flag.String("out", "schema/discord_openapi.json", "pruned output")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		log.Fatal(err)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Info       json.RawMessage                       `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	paths := map[string]map[string]any{}
	var roots []string
	for p, methods := range routes {
		for _, m := range methods {
			op, ok := doc.Paths[p][m]
			if !ok {
				return fmt.Errorf("missing %s %s", m, p)
			}
			var body struct {
				RequestBody struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(op, &body); err != nil {
				return err
			}
			js := body.RequestBody.Content["application/json"]
			if paths[p] == nil {
				paths[p] = map[string]any{}
			}
			paths[p][m] = map[string]any{"requestBody": map[string]any{"content": map[string]any{"application/json": js}}}
			roots = append(roots, refs(js)...)
		}
	}
	keep := reach(doc.Components.Schemas, append(roots, extraSchemas...))
	schemas := map[string]json.RawMessage{}
	for _, n := range keep {
		schemas[n] = doc.Components.Schemas[n]
	}
	pruned := map[string]any{
		"openapi":    doc.OpenAPI,
		"info":       doc.Info,
		"x-pruned":   "extract of discord/discord-api-spec commit 74fda0f: only the request bodies validated by fakediscord and the schemas they reach",
		"paths":      paths,
		"components": map[string]any{"schemas": schemas},
	}
	b, err := json.MarshalIndent(pruned, "", " ")
	if err != nil {
		return err
	}
	log.Printf("kept %d paths, %d schemas, %d bytes", len(paths), len(schemas), len(b))
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

func refs(js []byte) []string {
	var names []string
	for _, m := range refRE.FindAllSubmatch(js, -1) {
		names = append(names, string(m[1]))
	}
	return names
}

func reach(all map[string]json.RawMessage, roots []string) []string {
	seen := map[string]bool{}
	for len(roots) > 0 {
		n := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		roots = append(roots, refs(all[n])...)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
