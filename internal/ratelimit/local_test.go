package ratelimit_test

import (
	"testing"

	"github.com/heraldbot/herald/internal/ratelimit"
	"github.com/heraldbot/herald/internal/ratelimit/ratelimittest"
)

func TestLocalLimiter(t *testing.T) {
	ratelimittest.Run(t, func(_ *testing.T, opts ratelimit.Options) ratelimit.Limiter {
		return ratelimit.NewLocalLimiter(opts)
	})
}
