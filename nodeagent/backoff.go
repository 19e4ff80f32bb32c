package nodeagent

import "time"

// backoff spaces out the restarts of a crashing container the way the
// kubelet does: the first restart is at once, then each crash waits twice
// as long as the previous one, from base up to max (10s, 20s, 40s ... 5m).
// A container that has not needed a restart for twice max starts again
// from base. Times are passed in, so that tests need no clock. Not safe for
// concurrent use: one pod worker owns it.
type backoff struct {
	base, max time.Duration
	entries   map[string]backoffEntry
}

type backoffEntry struct {
	delay time.Duration // how long to wait after the next crash
	last  time.Time     // when the last restart happened
}

func newBackoff(base, max time.Duration) *backoff {
	return &backoff{base: base, max: max, entries: map[string]backoffEntry{}}
}

// wait reports how long a container that exited at finishedAt must still
// wait before it may restart (0: restart now), and the delay in force.
func (b *backoff) wait(key string, finishedAt, now time.Time) (left, delay time.Duration) {
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		return 0, 0
	}
	if left = finishedAt.Add(e.delay).Sub(now); left < 0 {
		left = 0
	}
	return left, e.delay
}

// waitSinceLast is wait counted from the last restart recorded for key,
// for retries (image pulls) whose failure is that record.
func (b *backoff) waitSinceLast(key string, now time.Time) time.Duration {
	left, _ := b.wait(key, b.entries[key].last, now)
	return left
}

// reset forgets key: its next failure waits base again.
func (b *backoff) reset(key string) { delete(b.entries, key) }

// next records a restart at now and doubles the wait before the one after.
func (b *backoff) next(key string, now time.Time) {
	e, ok := b.entries[key]
	switch {
	case !ok || b.expired(e, now):
		e.delay = b.base
	default:
		e.delay = min(2*e.delay, b.max)
	}
	e.last = now
	b.entries[key] = e
}

// expired says the container has been fine for long enough to start over.
func (b *backoff) expired(e backoffEntry, now time.Time) bool {
	return now.Sub(e.last) > 2*b.max
}
