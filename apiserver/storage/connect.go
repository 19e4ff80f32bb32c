package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	// connectTimeout bounds the first request to an external etcd when the
	// caller's context has no deadline: a wrong address must fail start-up,
	// not hang it.
	connectTimeout = 10 * time.Second

	// maxCallSendBytes lets requests up to the server's limit (plus gRPC
	// framing) leave the client, so that an oversized write is refused by
	// etcd with "request is too large" rather than by the client's default
	// 2 MiB cap with a transport error.
	maxCallSendBytes = maxRequestBytes + 64<<10
)

// Connect returns a client for an external etcd cluster (--etcd-servers),
// after checking with a linearizable read that the cluster answers and has
// a leader. Endpoints are URLs such as http://10.0.0.1:2379 or
// unix:///run/etcd.sock.
func Connect(ctx context.Context, endpoints []string) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("etcd: no endpoints given")
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		DialTimeout:        connectTimeout,
		DialKeepAliveTime:  30 * time.Second,
		MaxCallSendMsgSize: maxCallSendBytes,
		// Failures are returned to the caller; the client's own retry
		// chatter would only duplicate them on stderr.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd at %s: %w", strings.Join(endpoints, ","), err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, connectTimeout)
		defer cancel()
	}
	// The key need not exist: a linearizable Get of any key needs a quorum
	// and a leader, which is what "answers" means for a cluster.
	if _, err := c.Get(clientv3.WithRequireLeader(ctx), "health", clientv3.WithCountOnly()); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("etcd at %s does not answer: %w", strings.Join(endpoints, ","), err)
	}
	return c, nil
}
