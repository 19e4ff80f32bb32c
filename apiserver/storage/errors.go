package storage

import (
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The errors storage returns, wrapped with %w and the key or revision
// concerned. The API server maps them to Status objects.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("key not found")
	// ErrKeyExists: a create found the key already present.
	ErrKeyExists = errors.New("key already exists")
	// ErrConflict: the key's mod revision is not the one the write expected.
	ErrConflict = errors.New("revision conflict")
	// ErrCompacted: the revision asked for is older than the oldest one kept.
	ErrCompacted = errors.New("revision has been compacted")
	// ErrFutureRevision: the revision asked for is newer than the store's.
	ErrFutureRevision = errors.New("revision is in the future")
	// ErrTooLarge: etcd refused a request above its size limit.
	ErrTooLarge = errors.New("request is too large")
)

// classify returns the sentinel for an etcd error, or nil if there is none.
// etcd errors reach us either as rpctypes.EtcdError (from clientv3) or as
// gRPC status errors (from the watch stream, or when the client itself
// refuses to send), so both forms are matched.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case sameEtcdError(err, rpctypes.ErrCompacted):
		return ErrCompacted
	case sameEtcdError(err, rpctypes.ErrFutureRev):
		return ErrFutureRevision
	case sameEtcdError(err, rpctypes.ErrRequestTooLarge):
		return ErrTooLarge
	}
	// The client's own send limit answers ResourceExhausted before the
	// request ever reaches etcd. (A full database shares the code, hence
	// the message test.)
	if s, ok := status.FromError(err); ok && s.Code() == codes.ResourceExhausted &&
		strings.Contains(s.Message(), "larger than max") {
		return ErrTooLarge
	}
	return nil
}

// wrap describes a failed operation, replacing the etcd error by its
// sentinel when it has one.
func wrap(err error, format string, args ...any) error {
	if s := classify(err); s != nil {
		err = s
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

func sameEtcdError(err, target error) bool {
	return errors.Is(err, target) || rpctypes.ErrorDesc(err) == target.Error()
}
