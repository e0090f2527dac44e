package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldbot/herald/internal/cache"
)

// metrics are Herald's Prometheus series, on their own registry (no process globals).
type metrics struct {
	reg           *prometheus.Registry
	commands      *prometheus.HistogramVec
	commandErrors *prometheus.CounterVec
	digestRuns    *prometheus.CounterVec
	fetches       *prometheus.CounterVec
	storiesNew    prometheus.Counter
	pollCycles    prometheus.Counter
	posts         *prometheus.CounterVec
	rateLimited   prometheus.Counter
	storeErrors   prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "herald_command_duration_seconds",
			Help: "Time from receiving a command to answering it.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)}, []string{"command"}),
		commandErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_command_errors_total",
			Help: "Commands answered with an error."}, []string{"command"}),
		digestRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_digest_runs_total",
			Help: "Digest slots run, by result."}, []string{"result"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_feed_fetches_total",
			Help: "Feed fetches by result class (ok, not_modified, or an error class)."}, []string{"result"}),
		storiesNew: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_stories_ingested_total",
			Help: "Stories stored for the first time."}),
		pollCycles: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_poll_cycles_total", Help: "Poll cycles run."}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_posts_total",
			Help: "Messages posted to channels, by result."}, []string{"result"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_discord_429_total", Help: "429 answers from Discord."}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_store_errors_total", Help: "Failed store calls."}),
	}
	m.reg.MustRegister(m.commands, m.commandErrors, m.digestRuns, m.fetches, m.storiesNew, m.pollCycles,
		m.posts, m.rateLimited, m.storeErrors)
	return m
}

func (m *metrics) observeCommand(name string, d time.Duration, err error) {
	m.commands.WithLabelValues(name).Observe(d.Seconds())
	if err != nil {
		m.commandErrors.WithLabelValues(name).Inc()
	}
}

func (m *metrics) observeDigest(_ cache.Subscription, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.digestRuns.WithLabelValues(result).Inc()
}
