package storage

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store reads and writes etcd in keys and bytes. Callers build the keys
// (/registry/pods/ns/name) and marshal the values; Store adds the
// transactions that make creates exclusive and updates compare-and-swap.
type Store struct {
	client *clientv3.Client

	// Log receives what background work (the compactor) cannot return.
	// Nil discards it.
	Log *slog.Logger
}

// KV is one key at one revision.
type KV struct {
	Key   string
	Value []byte
	// ModRevision is the revision of the last write to the key; it is
	// what optimistic concurrency compares.
	ModRevision int64
	// CreateRevision is the revision that created the key.
	CreateRevision int64
}

// ListOptions selects a page of a list.
type ListOptions struct {
	// Revision reads the list as of this revision; 0 reads the latest.
	// Later pages of one list must pass the first page's Revision.
	Revision int64
	// StartAfter continues a list after this key (the last key of the
	// previous page); empty starts at the prefix.
	StartAfter string
	// Limit caps the number of items; 0 means no limit.
	Limit int64
}

// ListResult is one page of a list.
type ListResult struct {
	Items []KV
	// Revision is the revision the page was read at.
	Revision int64
	// More tells that keys remain after the last item.
	More bool
	// Remaining counts the keys after the last item.
	Remaining int64
}

// New returns a Store over c. Store does not own c: closing c is the
// caller's business.
func New(c *clientv3.Client) *Store {
	return &Store{client: c}
}

// Client returns the etcd client the store uses.
func (s *Store) Client() *clientv3.Client { return s.client }

// Create writes key if, and only if, it does not exist, and returns the
// revision of the write.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, wrap(err, "create %s", key)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %s: %w", key, ErrKeyExists)
	}
	return resp.Header.Revision, nil
}

// Get reads the latest value of key.
func (s *Store) Get(ctx context.Context, key string) (KV, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return KV{}, wrap(err, "get %s", key)
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return kvOf(resp.Kvs[0]), nil
}

// Update replaces the value of key if its mod revision is still
// expectedRev, and returns the revision of the write. An expectedRev of 0
// updates whatever is there, but never creates the key.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	resp, err := s.client.Txn(ctx).
		If(precondition(key, expectedRev)).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return 0, wrap(err, "update %s", key)
	}
	if !resp.Succeeded {
		return 0, failedPrecondition(resp, "update", key, expectedRev)
	}
	return resp.Header.Revision, nil
}

// Delete removes key, only if its mod revision is still expectedRev when
// expectedRev > 0. It returns the deleted value and create revision, with
// ModRevision set to the revision of the deletion, as etcd's watch reports
// deletions.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (KV, error) {
	resp, err := s.client.Txn(ctx).
		If(precondition(key, expectedRev)).
		Then(clientv3.OpDelete(key, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return KV{}, wrap(err, "delete %s", key)
	}
	if !resp.Succeeded {
		return KV{}, failedPrecondition(resp, "delete", key, expectedRev)
	}
	del := resp.Responses[0].GetResponseDeleteRange()
	if del == nil || len(del.PrevKvs) == 0 {
		// Only possible if the key vanished between the compare and the
		// delete, which a transaction rules out; kept as a guard.
		return KV{}, fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	kv := kvOf(del.PrevKvs[0])
	kv.ModRevision = resp.Header.Revision
	return kv, nil
}

// precondition is what a write requires of the key: its mod revision is
// expectedRev, or, for expectedRev 0, that it exists.
func precondition(key string, expectedRev int64) clientv3.Cmp {
	if expectedRev > 0 {
		return clientv3.Compare(clientv3.ModRevision(key), "=", expectedRev)
	}
	return clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
}

// failedPrecondition explains a failed write from the Get its transaction
// ran instead.
func failedPrecondition(resp *clientv3.TxnResponse, op, key string, expectedRev int64) error {
	get := resp.Responses[0].GetResponseRange()
	if get == nil || len(get.Kvs) == 0 {
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("%s %s: expected revision %d, found %d: %w",
		op, key, expectedRev, get.Kvs[0].ModRevision, ErrConflict)
}

// List reads the keys under prefix in key order, one page at a time. A
// Revision that has been compacted gives ErrCompacted; one that does not
// exist yet gives ErrFutureRevision.
func (s *Store) List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error) {
	start := prefix
	if opts.StartAfter != "" {
		if !strings.HasPrefix(opts.StartAfter, prefix) {
			return ListResult{}, fmt.Errorf("list %s: continue key %q is outside the prefix", prefix, opts.StartAfter)
		}
		// The smallest key after StartAfter.
		start = opts.StartAfter + "\x00"
	}
	ops := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix))}
	if opts.Revision > 0 {
		ops = append(ops, clientv3.WithRev(opts.Revision))
	}
	if opts.Limit > 0 {
		ops = append(ops, clientv3.WithLimit(opts.Limit))
	}
	resp, err := s.client.Get(ctx, start, ops...)
	if err != nil {
		return ListResult{}, wrap(err, "list %s at revision %d", prefix, opts.Revision)
	}
	res := ListResult{
		Items:    make([]KV, len(resp.Kvs)),
		Revision: resp.Header.Revision,
		More:     resp.More,
	}
	if opts.Revision > 0 {
		// The header carries the store's current revision, not the one
		// the range was read at.
		res.Revision = opts.Revision
	}
	for i, kv := range resp.Kvs {
		res.Items[i] = kvOf(kv)
	}
	if resp.More {
		res.Remaining = resp.Count - int64(len(resp.Kvs))
	}
	return res, nil
}

// CurrentRevision returns etcd's latest revision with a linearizable read,
// so that it is at least the revision of every write that has completed.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, compactRevKey, clientv3.WithCountOnly())
	if err != nil {
		return 0, wrap(err, "current revision")
	}
	return resp.Header.Revision, nil
}

// Compact discards the history before rev. Compacting at or below the
// current compaction gives ErrCompacted.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if _, err := s.client.Compact(ctx, rev); err != nil {
		return wrap(err, "compact at revision %d", rev)
	}
	return nil
}

func kvOf(kv *mvccpb.KeyValue) KV {
	return KV{
		Key:            string(kv.Key),
		Value:          kv.Value,
		ModRevision:    kv.ModRevision,
		CreateRevision: kv.CreateRevision,
	}
}
