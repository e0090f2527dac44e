package architecture

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/heraldbot/herald/"

// forbidden are the technologies only the edges may know.
var forbidden = []string{"github.com/bwmarrin/discordgo", "github.com/redis/go-redis/", "go.etcd.io/bbolt"}

// edges are the packages allowed to import them (and the test-only helpers around them).
var edges = []string{
	"internal/discord", "internal/discord/fakediscord",
	"internal/store/boltstore", "internal/store/redisstore",
	"internal/redistest", "internal/e2e", "internal/ops",
}

// imports maps each package under internal/ (relative to the module root) to the imports
// of its non-test files; test files' imports do not count (tests may use the edges).
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root := filepath.Join("..", "..")
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir // not packages, for the go tool either
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		if strings.HasSuffix(path, "_test.go") { // a test-only package (e2e) still exists
			if _, ok := out[pkg]; !ok {
				out[pkg] = nil
			}
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out[pkg] = append(out[pkg], strings.TrimPrefix(p, module))
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reaches returns the forbidden import pkg depends on, directly or through other packages of
// the module, with the chain that leads there; "" when none.
func reaches(graph map[string][]string, pkg string, seen map[string]bool) (string, []string) {
	if seen[pkg] {
		return "", nil
	}
	seen[pkg] = true
	for _, im := range graph[pkg] {
		for _, f := range forbidden {
			if strings.HasPrefix(im, f) {
				return im, []string{pkg}
			}
		}
		if _, internal := graph[im]; internal {
			if bad, chain := reaches(graph, im, seen); bad != "" {
				return bad, append([]string{pkg}, chain...)
			}
		}
	}
	return "", nil
}

// TestDomainImportsNoTechnology: a domain package that needs Discord, Redis or bbolt declares
// a small interface; only the edges implement it.
func TestDomainImportsNoTechnology(t *testing.T) {
	t.Parallel()
	graph := imports(t)
	if len(graph) < 10 {
		t.Fatalf("found only %d packages under internal/; is the test running from its own directory?", len(graph))
	}
	for pkg := range graph {
		if slices.Contains(edges, pkg) {
			continue
		}
		if bad, chain := reaches(graph, pkg, map[string]bool{}); bad != "" {
			t.Errorf("domain package %s imports %s (via %s)", pkg, bad, strings.Join(chain, " → "))
		}
	}
}

// docRules reads docs/architecture.md's package paragraphs: each starts with **`pkg`** and
// ends with "Must not import:" and the backticked packages it must not reach.
func docRules(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string][]string{}
	for _, para := range strings.Split(string(doc), "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		if !strings.HasPrefix(para, "**`") {
			continue
		}
		pkg, _, _ := strings.Cut(strings.TrimPrefix(para, "**`"), "`")
		_, tail, ok := strings.Cut(para, "Must not import:")
		if !ok {
			t.Errorf("docs/architecture.md: the paragraph of %s says nothing it must not import", pkg)
		}
		rules[pkg] = nil
		fields := strings.Split(tail, "`")
		for i := 1; i < len(fields); i += 2 {
			rules[pkg] = append(rules[pkg], fields[i])
		}
	}
	return rules
}

// closure is every module package pkg depends on, directly or not.
func closure(graph map[string][]string, pkg string, into map[string]bool) {
	for _, im := range graph[pkg] {
		if _, internal := graph[im]; internal && !into[im] {
			into[im] = true
			closure(graph, im, into)
		}
	}
}

// TestArchitectureDocMatchesCode: docs/architecture.md has a paragraph for every package under
// internal/ and no package that is gone, and no package reaches what its paragraph forbids.
func TestArchitectureDocMatchesCode(t *testing.T) {
	t.Parallel()
	graph := imports(t)
	for _, top := range []string{"cmd/bot", "config"} {
		graph[top] = importsOf(t, top)
	}
	rules := docRules(t)
	for pkg := range graph {
		if _, ok := rules[pkg]; !ok {
			t.Errorf("docs/architecture.md has no paragraph for `%s`", pkg)
		}
	}
	for pkg, banned := range rules {
		if _, ok := graph[pkg]; !ok {
			t.Errorf("docs/architecture.md describes `%s`, which is not a package", pkg)
			continue
		}
		deps := map[string]bool{}
		closure(graph, pkg, deps)
		for _, b := range banned {
			if deps[b] {
				t.Errorf("%s must not import %s (docs/architecture.md), but depends on it", pkg, b)
			}
		}
	}
}

// importsOf reads the imports of the non-test files of one directory (relative to the root).
func importsOf(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out = append(out, strings.TrimPrefix(p, module))
		}
	}
	return out
}

// TestCheckerCatchesAForbiddenImport keeps the check honest: a made-up domain package that
// reaches bbolt through another package is reported with its chain.
func TestCheckerCatchesAForbiddenImport(t *testing.T) {
	t.Parallel()
	graph := map[string][]string{
		"internal/poller":          {"context", "internal/store"},
		"internal/store":           {"internal/store/boltstore"},
		"internal/store/boltstore": {"go.etcd.io/bbolt"},
	}
	bad, chain := reaches(graph, "internal/poller", map[string]bool{})
	if bad != "go.etcd.io/bbolt" || strings.Join(chain, " ") != "internal/poller internal/store internal/store/boltstore" {
		t.Errorf("reaches = %q via %v", bad, chain)
	}
}
