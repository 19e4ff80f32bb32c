package storage

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// compactRevKey is where API servers sharing one etcd agree whose turn it
// is to compact. It lies outside /registry, so no list sees it.
const compactRevKey = "compact_rev_key"

// RunCompactor compacts etcd every interval, to the revision it saw one
// interval earlier, so that at least one interval of history is always
// kept for watches to resume from. onCompact, if not nil, is called with
// the revision after each compaction (for Cacher.TrimBefore). It returns
// when ctx ends.
//
// Several API servers on one etcd take turns: each tick, a transaction
// bumps compactRevKey only if its version is the one this server saw last,
// and only the server whose transaction succeeds compacts. The others
// learn the new version and compact on a later tick if it is still theirs
// to do.
func (s *Store) RunCompactor(ctx context.Context, interval time.Duration, onCompact func(rev int64)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var version, rev int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			version, rev = s.compactTick(ctx, version, rev, onCompact)
		}
	}
}

// compactTick runs one turn: version is compactRevKey's version this
// server last saw, rev the revision to compact to (0 for none yet). It
// returns the values for the next tick.
func (s *Store) compactTick(ctx context.Context, version, rev int64, onCompact func(int64)) (int64, int64) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(compactRevKey), "=", version)).
		Then(clientv3.OpPut(compactRevKey, strconv.FormatInt(rev, 10))).
		Else(clientv3.OpGet(compactRevKey)).
		Commit()
	if err != nil {
		if ctx.Err() == nil {
			s.logger().Warn("compaction turn failed", "err", err)
		}
		return version, rev
	}
	next := resp.Header.Revision
	if !resp.Succeeded {
		// Another server took this turn; compact to what we see now on
		// a later tick if it is ours.
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			return kvs[0].Version, next
		}
		return 0, next
	}
	if rev > 0 {
		err := s.Compact(ctx, rev)
		switch {
		case err == nil, errors.Is(err, ErrCompacted):
			// ErrCompacted: someone compacted further already; history
			// before rev is gone either way.
			if onCompact != nil {
				onCompact(rev)
			}
		case ctx.Err() == nil:
			s.logger().Warn("compaction failed", "revision", rev, "err", err)
		}
	}
	return version + 1, next
}

func (s *Store) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
