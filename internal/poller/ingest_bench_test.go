package poller

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldbot/herald/internal/store/boltstore"
)

// bigFeedSizes are the item counts of the big-feed benchmarks: equal steps on a log scale, so
// linear ingest shows ns/item flat across them and a superlinear one grows.
var bigFeedSizes = []int{1_000, 10_000, 30_000, 100_000}

// bigFeedBody is a compact RSS document with n items, newest first as most feeds list them;
// 100,000 items come to 9.8 MiB, under the fetcher's 10 MiB cap, as in the issue.
func bigFeedBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Big</title>` +
		`<link>https://big.example.com/</link><description>d</description>`)
	base := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for i := n; i > 0; i-- {
		fmt.Fprintf(&b, `<item><guid>g%d</guid><title>S%d</title><pubDate>%s</pubDate></item>`,
			i, i, base.Add(time.Duration(i-n)*time.Minute).Format(http.TimeFormat))
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// cpuTime is the process's user+system CPU time: wall time on the shared machine is mostly
// waiting for a core, so the benchmark reports CPU per poll as well.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS resets the kernel's high-water mark of this process's resident set and returns a
// function reading it back in MB (Linux only; 0 elsewhere). Writing 5 to clear_refs resets
// VmHWM to the current RSS.
func peakRSS() func() float64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return func() float64 {
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
		return 0
	}
}

// BenchmarkIngestBigFeed is the big-feed figure: the first poll of one feed of n items
// through the real fetcher from a local server into a fresh embedded (bbolt) store. It reports
// the time per item (flat across sizes when ingest is linear) and the process's peak RSS.
func BenchmarkIngestBigFeed(b *testing.B) {
	for _, n := range bigFeedSizes {
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) { benchBigFeed(b, n) })
	}
}

func benchBigFeed(b *testing.B, n int) {
	body := bigFeedBody(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()
	var peak float64
	var stored int
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		st, err := boltstore.Open(filepath.Join(b.TempDir(), strconv.Itoa(i), "herald.db"), boltstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p := New([]Feed{{URL: srv.URL + "/big"}}, realFetcher(time.Now), st, nil, Options{Logger: discard})
		runtime.GC()
		debug.FreeOSMemory()
		readPeak := peakRSS()
		cpu0 := cpuTime(b)
		b.StartTimer()
		sum, err := p.PollOnce(ctx, nil)
		b.StopTimer()
		cpu += cpuTime(b) - cpu0
		peak = max(peak, readPeak())
		if err != nil || sum.Polled != 1 {
			b.Fatalf("poll: %+v, %v", sum, err)
		}
		stored = sum.NewStories
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(peak, "peak-rss-MB")
	b.ReportMetric(float64(len(body))/(1<<20), "body-MB")
	b.ReportMetric(float64(stored), "stored")
}
