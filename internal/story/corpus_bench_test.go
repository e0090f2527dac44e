package story

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// corpusBenchFeeds are the feeds of internal/feed's BenchmarkIngest. Parsing them once and
// timing FromFeed alone isolates normalisation, the part of ingest this package owns, from
// gofeed's (much larger and noisier) share.
var corpusBenchFeeds = []struct{ name, rel string }{
	{name: "giantbomb_1.6MB", rel: "rss-parser/test/input/giantbomb-podcast.rss"},
	{name: "guardian_151KB", rel: "rss-parser/test/input/guardian.rss"},
	{name: "windows1251", rel: "miniflux/internal/reader/parser/testdata/encoding_WINDOWS-1251.xml"},
}

func parseCorpusFeed(b *testing.B, rel string) *gofeed.Feed {
	b.Helper()
	body, err := os.ReadFile(filepath.Join(corpusDir(b), rel))
	if err != nil {
		b.Fatalf("read %s: %v", rel, err)
	}
	fd, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		b.Fatalf("parse %s: %v", rel, err)
	}
	return fd
}

// BenchmarkFromFeedCorpus normalises real corpus feeds already parsed by gofeed.
func BenchmarkFromFeedCorpus(b *testing.B) {
	for _, bf := range corpusBenchFeeds {
		b.Run(bf.name, func(b *testing.B) {
			fd := parseCorpusFeed(b, bf.rel)
			src := Source{FeedURL: "https://example.com/" + bf.rel}
			b.ReportAllocs()
			cpu := cpuTime(b)
			for b.Loop() {
				if len(FromFeed(src, fd, testNow)) != len(fd.Items) {
					b.Fatal("lost items")
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user+system CPU time: on the shared machine wall-clock ns/op is
// mostly waiting for a core, so the benchmark reports CPU per op as well.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
