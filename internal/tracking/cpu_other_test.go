//go:build !unix

package tracking

import "time"

// processCPU is unavailable here; benchmarks then report 0 CPU.
func processCPU() time.Duration { return 0 }
