package controller

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := rolloutEpoch
	e := newExpectations()
	e.now = func() time.Time { return now }
	const key = "default/web"
	if !e.satisfied(key) {
		t.Fatal("nothing expected: got unsatisfied, want satisfied")
	}
	e.expectCreations(key, 2)
	e.creationObserved(key)
	if e.satisfied(key) {
		t.Fatal("one of two creations seen: got satisfied, want unsatisfied")
	}
	e.creationObserved(key)
	if !e.satisfied(key) {
		t.Fatal("both creations seen: got unsatisfied, want satisfied")
	}

	e.expectDeletions(key, []string{"default/a", "default/b"})
	e.deletionObserved(key, "default/a")
	e.deletionObserved(key, "default/a") // seen again when it finally goes
	if e.satisfied(key) {
		t.Fatal("deletion of b not seen: got satisfied, want unsatisfied")
	}
	now = now.Add(expectationsTTL + time.Second)
	if !e.satisfied(key) {
		t.Fatal("expectations older than the TTL: got unsatisfied, want satisfied")
	}
	e.expectCreations(key, 1)
	e.forget(key)
	if !e.satisfied(key) {
		t.Fatal("after forget: got unsatisfied, want satisfied")
	}
}
