package ops

import (
	"os"
	"path/filepath"
	"testing"
)

// repoRoot is the module root: tests run in internal/ops.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("ops: module root not found from %s: %v", root, err)
	}
	return root
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatalf("ops: %v", err)
	}
	return string(raw)
}

// skipOrFail skips with why, except under CI=true where a missing prerequisite is a failure.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", why)
	}
	t.Skip(why)
}
