#!/bin/sh
# Runs the redisstore benchmarks that back the figures in the report.
#   REDIS_URL  the Redis for BenchmarkClaim and BenchmarkRecentStories (default DB 5 locally)
# BenchmarkSeenMemory starts its own redis-server (default config) so INFO used_memory
# measures nothing but the seen sets; it needs redis-server on PATH, and redis-benchmark is
# needed for BenchmarkClaim's SET NX comparison.
set -eu
cd "$(dirname "$0")"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/5}"
go test -run '^$' -bench 'BenchmarkClaim$' -benchtime 2s .
go test -run '^$' -bench 'BenchmarkRecentStories' .
go test -run '^$' -bench 'BenchmarkSeenMemory' -benchtime 1x -timeout 20m .
