package tracking

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/heraldbot/herald/internal/topic"
)

// loadTopics reads the shipped default topics file, so tests exercise the real cues.
func loadTopics(t testing.TB) []topic.Config {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatalf("read topics.yaml: %v", err)
	}
	var doc struct {
		Topics []topic.Config `yaml:"topics"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode topics.yaml: %v", err)
	}
	return doc.Topics
}

func ceasefireTopic(t testing.TB) topic.Config {
	t.Helper()
	m, err := topic.NewMatcher(loadTopics(t))
	if err != nil {
		t.Fatalf("NewMatcher: %v", err)
	}
	cfg, ok := m.Get("ceasefire")
	if !ok {
		t.Fatal("topics.yaml has no ceasefire topic")
	}
	return cfg
}

func newTestReader(t testing.TB) *reader {
	t.Helper()
	r, err := newReader(ceasefireTopic(t))
	if err != nil {
		t.Fatalf("newReader: %v", err)
	}
	return r
}

// cueTopic is the ceasefire topic read by its cues alone (no model): the state-machine tests
// use it to check the grammar of developments with readings they can predict; the model's
// readings are measured on real headlines (realnews_test.go).
func cueTopic(t testing.TB) topic.Config {
	t.Helper()
	cfg := ceasefireTopic(t)
	cfg.Status.Model = ""
	return cfg
}
