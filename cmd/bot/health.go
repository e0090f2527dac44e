package main

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthRoutes serves liveness, readiness and metrics. Readiness fails while the store is
// unreachable, Discord is not connected, a background part has died (parts reports it) or
// the digest schedule has not started.
func (a *app) healthRoutes(mux *http.ServeMux, ready *atomic.Bool, parts func() error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			http.Error(w, "store unreachable", http.StatusServiceUnavailable)
			return
		}
		if !ready.Load() {
			http.Error(w, "discord not connected", http.StatusServiceUnavailable)
			return
		}
		if err := parts(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if !a.digests.Scheduled() {
			http.Error(w, "digests not scheduled yet (the store did not answer; retrying)", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))
}
