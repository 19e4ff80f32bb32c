package scheduler

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/validate"
)

// Config is the scheduler's configuration. NewConfig gives the defaults.
type Config struct {
	// SchedulerName is the spec.schedulerName of the pods this scheduler
	// places; pods naming another are left to their own scheduler.
	SchedulerName string
	// Parallelism is how many goroutines filter and score nodes.
	Parallelism int
	// BindWorkers bounds the binding and status requests in flight, so
	// that the scheduling loop never waits on HTTP until that many are.
	BindWorkers int
	// PercentageOfNodesToScore is the share of nodes searched for feasible
	// ones before scoring them; 0 adapts it to the cluster's size (50% of
	// a 100-node cluster, down to 5% of a 5,625-node one, never fewer than
	// 100 nodes), as kube-scheduler does.
	PercentageOfNodesToScore int
	// InitialBackoff and MaxBackoff bound how long an unschedulable pod
	// waits before it is tried again: doubling per attempt, from 1 s to 10 s.
	InitialBackoff, MaxBackoff time.Duration
	// MaxUnschedulableDuration is how long an unschedulable pod waits for a
	// cluster change before it is tried again anyway.
	MaxUnschedulableDuration time.Duration
	// AssumedPodTTL is how long a pod whose binding succeeded may stay
	// assumed before the informer shows it bound; then the cache forgets it.
	AssumedPodTTL time.Duration

	// LeaderElect makes replicas agree on one that schedules, through the
	// Lease LeaseNamespace/LeaseName.
	LeaderElect               bool
	LeaseNamespace, LeaseName string
	// Identity names this replica in the lease; hostname plus a random
	// suffix when empty.
	Identity                                  string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// NewConfig returns the default configuration.
func NewConfig() Config {
	return Config{
		SchedulerName:            core.DefaultSchedulerName,
		Parallelism:              16,
		BindWorkers:              32,
		InitialBackoff:           time.Second,
		MaxBackoff:               10 * time.Second,
		MaxUnschedulableDuration: 5 * time.Minute,
		AssumedPodTTL:            30 * time.Second,
		LeaderElect:              true,
		LeaseNamespace:           "kube-system",
		LeaseName:                "wharf-scheduler",
		LeaseDuration:            15 * time.Second,
		RenewDeadline:            10 * time.Second,
		RetryPeriod:              2 * time.Second,
	}
}

// AddFlags registers the configuration's flags on fs. They all start with
// "scheduler-", since one binary hosts the scheduler beside other
// components.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.SchedulerName, "scheduler-name", c.SchedulerName, "spec.schedulerName of the pods this scheduler places")
	fs.IntVar(&c.Parallelism, "scheduler-parallelism", c.Parallelism, "goroutines that filter and score nodes")
	fs.IntVar(&c.BindWorkers, "scheduler-bind-workers", c.BindWorkers, "binding and pod status requests in flight at once")
	fs.IntVar(&c.PercentageOfNodesToScore, "scheduler-percentage-of-nodes-to-score", c.PercentageOfNodesToScore,
		"share of nodes searched for feasible ones before scoring (0 adapts to the cluster size)")
	fs.DurationVar(&c.InitialBackoff, "scheduler-pod-initial-backoff", c.InitialBackoff, "first back-off of an unschedulable pod")
	fs.DurationVar(&c.MaxBackoff, "scheduler-pod-max-backoff", c.MaxBackoff, "longest back-off of an unschedulable pod")
	fs.DurationVar(&c.MaxUnschedulableDuration, "scheduler-max-unschedulable-duration", c.MaxUnschedulableDuration,
		"how long an unschedulable pod waits for a cluster change before it is retried anyway")
	fs.DurationVar(&c.AssumedPodTTL, "scheduler-assumed-pod-ttl", c.AssumedPodTTL,
		"how long a bound pod may be missing from the watch before the scheduler forgets it")
	fs.BoolVar(&c.LeaderElect, "scheduler-leader-elect", c.LeaderElect, "elect one scheduling replica through a Lease")
	fs.StringVar(&c.LeaseNamespace, "scheduler-leader-elect-resource-namespace", c.LeaseNamespace, "namespace of the leader election Lease")
	fs.StringVar(&c.LeaseName, "scheduler-leader-elect-resource-name", c.LeaseName, "name of the leader election Lease")
	fs.StringVar(&c.Identity, "scheduler-leader-elect-identity", c.Identity, "this replica's name in the Lease (default: hostname and a random suffix)")
	fs.DurationVar(&c.LeaseDuration, "scheduler-leader-elect-lease-duration", c.LeaseDuration, "how long a Lease not renewed stays held")
	fs.DurationVar(&c.RenewDeadline, "scheduler-leader-elect-renew-deadline", c.RenewDeadline, "how long the leader tries to renew before it steps down")
	fs.DurationVar(&c.RetryPeriod, "scheduler-leader-elect-retry-period", c.RetryPeriod, "pause between attempts to acquire or renew the Lease")
}

// Validate names every flag that is wrong.
func (c *Config) Validate() error {
	var errs []error
	if c.SchedulerName == "" {
		errs = append(errs, errors.New("--scheduler-name must not be empty"))
	} else if msgs := validate.DNS1123Subdomain(c.SchedulerName); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("--scheduler-name %q: %s", c.SchedulerName, msgs[0]))
	}
	if c.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("--scheduler-parallelism %d must be at least 1", c.Parallelism))
	}
	if c.BindWorkers < 1 {
		errs = append(errs, fmt.Errorf("--scheduler-bind-workers %d must be at least 1", c.BindWorkers))
	}
	if c.PercentageOfNodesToScore < 0 || c.PercentageOfNodesToScore > 100 {
		errs = append(errs, fmt.Errorf("--scheduler-percentage-of-nodes-to-score %d must be within 0..100", c.PercentageOfNodesToScore))
	}
	if c.InitialBackoff <= 0 {
		errs = append(errs, errors.New("--scheduler-pod-initial-backoff must be positive"))
	}
	if c.MaxBackoff < c.InitialBackoff {
		errs = append(errs, errors.New("--scheduler-pod-max-backoff must not be shorter than --scheduler-pod-initial-backoff"))
	}
	if c.MaxUnschedulableDuration <= 0 {
		errs = append(errs, errors.New("--scheduler-max-unschedulable-duration must be positive"))
	}
	if c.AssumedPodTTL <= 0 {
		errs = append(errs, errors.New("--scheduler-assumed-pod-ttl must be positive"))
	}
	if c.LeaderElect {
		if c.LeaseNamespace == "" || c.LeaseName == "" {
			errs = append(errs, errors.New("--scheduler-leader-elect-resource-namespace and --scheduler-leader-elect-resource-name must not be empty"))
		}
		if c.RetryPeriod <= 0 {
			errs = append(errs, errors.New("--scheduler-leader-elect-retry-period must be positive"))
		}
		if c.RenewDeadline <= c.RetryPeriod {
			errs = append(errs, errors.New("--scheduler-leader-elect-renew-deadline must be longer than --scheduler-leader-elect-retry-period"))
		}
		if c.LeaseDuration <= c.RenewDeadline {
			errs = append(errs, errors.New("--scheduler-leader-elect-lease-duration must be longer than --scheduler-leader-elect-renew-deadline"))
		}
	}
	return errors.Join(errs...)
}
