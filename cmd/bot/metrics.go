package main

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/feed"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/poller"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// metrics are Herald's Prometheus series, on their own registry (no process globals).
type metrics struct {
	reg           *prometheus.Registry
	commands      *prometheus.HistogramVec
	commandErrors *prometheus.CounterVec
	digestRuns    *prometheus.CounterVec
	fetches       *prometheus.CounterVec
	storiesNew    prometheus.Counter
	posts         *prometheus.CounterVec
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
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_posts_total",
			Help: "Messages posted to channels, by result."}, []string{"result"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "herald_store_errors_total", Help: "Failed store calls."}),
	}
	m.reg.MustRegister(m.commands, m.commandErrors, m.digestRuns, m.fetches, m.storiesNew,
		m.posts, m.storeErrors)
	return m
}

func (m *metrics) observeCommand(name string, d time.Duration, err error) {
	m.commands.WithLabelValues(name).Observe(d.Seconds())
	if err != nil {
		m.commandErrors.WithLabelValues(name).Inc()
	}
}

func (m *metrics) observeDigest(_ store.Subscription, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.digestRuns.WithLabelValues(result).Inc()
}

// observeDigestStart counts a failed start of the digest schedule: its store read failed
// (Digests.Run retries it, and /readyz fails until it started).
func (m *metrics) observeDigestStart(error) { m.storeErrors.Inc() }

// instrumentedFetcher counts fetch results by class for the poller.
type instrumentedFetcher struct {
	inner feedFetcher
	m     *metrics
}

func (f instrumentedFetcher) Fetch(ctx context.Context, url string, v feed.Validators) (*feed.Result, error) {
	res, err := f.inner.Fetch(ctx, url, v)
	switch {
	case err != nil:
		class := "error"
		var fe *feed.Error
		if errors.As(err, &fe) {
			class = string(fe.Class)
		}
		f.m.fetches.WithLabelValues(class).Inc()
	case res.NotModified:
		f.m.fetches.WithLabelValues("not_modified").Inc()
	default:
		f.m.fetches.WithLabelValues("ok").Inc()
	}
	return res, err
}

// ingestStore counts stories stored for the first time and store failures on the poll path.
type ingestStore struct {
	poller.Store
	m *metrics
}

func (s ingestStore) PutStories(ctx context.Context, stories []story.Story) ([]string, error) {
	ids, err := s.Store.PutStories(ctx, stories)
	if err != nil {
		s.m.storeErrors.Inc()
	}
	s.m.storiesNew.Add(float64(len(ids)))
	return ids, err
}

// instrumentedSender counts posts by result.
type instrumentedSender struct {
	inner delivery.Sender
	m     *metrics
}

func (s instrumentedSender) Send(ctx context.Context, channelID string, msg message.Message, nonce string) (string, error) {
	id, err := s.inner.Send(ctx, channelID, msg, nonce)
	result := "sent"
	if err != nil {
		result = "failed"
	}
	s.m.posts.WithLabelValues(result).Inc()
	return id, err
}

// watchSender exports the Discord sender's queue depth and 429 count.
func (m *metrics) watchSender(s *discord.Sender) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "herald_sender_queue_depth",
			Help: "Messages queued or in flight to Discord."}, func() float64 { return float64(s.Depth()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "herald_discord_429_total",
			Help: "429 answers from Discord."}, func() float64 { return float64(s.Stats().RateLimited) }),
	)
}
