package fakediscord

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sharedOpenAPI finds ../shared/discord/openapi.json through HERALD_SHARED_DIR or by walking up
// to a directory holding shared/corpus. Absent: skip, or fail when CI=true.
func sharedOpenAPI(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("HERALD_SHARED_DIR"); dir != "" {
		return filepath.Join(dir, "discord", "openapi.json")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "shared", "corpus")); err == nil && st.IsDir() {
			return filepath.Join(dir, "shared", "discord", "openapi.json")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/discord/openapi.json not found (set HERALD_SHARED_DIR)")
	}
	t.Skip("shared/discord/openapi.json not found; set HERALD_SHARED_DIR to compare the embedded extract")
	return ""
}

type openAPIParts struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func loadParts(t *testing.T, raw []byte) openAPIParts {
	t.Helper()
	var p openAPIParts
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEmbeddedExtractIsFaithful checks that every schema and request body in the embedded
// extract is identical to Discord's published description.
func TestEmbeddedExtractIsFaithful(t *testing.T) {
	raw, err := os.ReadFile(sharedOpenAPI(t))
	if err != nil {
		t.Fatal(err)
	}
	full, extract := loadParts(t, raw), loadParts(t, openAPIDoc)
	decode := func(b json.RawMessage) any {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for name, sch := range extract.Components.Schemas {
		orig, ok := full.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is not in Discord's description", name)
			continue
		}
		if diff := cmp.Diff(decode(orig), decode(sch)); diff != "" {
			t.Errorf("schema %s differs from Discord's (-orig +extract):\n%s", name, diff)
		}
	}
	for path, methods := range extract.Paths {
		for method, op := range methods {
			var want, got struct {
				RequestBody struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"requestBody"`
			}
			_ = json.Unmarshal(full.Paths[path][method], &want)
			_ = json.Unmarshal(op, &got)
			if diff := cmp.Diff(decode(want.RequestBody.Content["application/json"]), decode(got.RequestBody.Content["application/json"])); diff != "" {
				t.Errorf("%s %s body differs (-orig +extract):\n%s", method, path, diff)
			}
		}
	}
	if len(extract.Components.Schemas) < 50 {
		t.Errorf("extract holds only %d schemas", len(extract.Components.Schemas))
	}
}
