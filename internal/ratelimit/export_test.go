package ratelimit

// MaxBuckets exposes the bucket cap to the external tests.
const MaxBuckets = maxBuckets

// Buckets is how many buckets the limiter keeps.
func (l *LocalLimiter) Buckets() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
