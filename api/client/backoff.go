package client

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff spaces out retries of a failing operation: capped exponential
// growth with jitter, so that many clients that failed together do not
// retry together.
type backoff struct {
	base, max time.Duration
	failures  int
}

// next returns how long to wait before the next attempt: between half and
// all of base*2^failures, at most max.
func (b *backoff) next() time.Duration {
	d := b.max
	if b.failures < 32 {
		if e := b.base << b.failures; e > 0 && e < b.max {
			d = e
		}
		b.failures++
	}
	return d/2 + rand.N(d/2+1)
}

// reset starts over after a success.
func (b *backoff) reset() { b.failures = 0 }

// sleep waits d or until ctx is done, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
