package scheduler

import "time"

// Clock tells the time; tests give the queue and the cache a fake one to
// step through back-offs and expiries without sleeping.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
