package scheduler

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestConfigDefaultsAreValid(t *testing.T) {
	c := NewConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.SchedulerName != "default-scheduler" || c.InitialBackoff != time.Second || c.MaxBackoff != 10*time.Second ||
		!c.LeaderElect || c.LeaseNamespace+"/"+c.LeaseName != "kube-system/wharf-scheduler" {
		t.Errorf("defaults: got %+v", c)
	}
}

func TestConfigFlags(t *testing.T) {
	c := NewConfig()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c.AddFlags(fs)
	err := fs.Parse([]string{
		"--scheduler-name=batch", "--scheduler-pod-initial-backoff=10ms", "--scheduler-pod-max-backoff=50ms",
		"--scheduler-leader-elect=false", "--scheduler-parallelism=4",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SchedulerName != "batch" || c.InitialBackoff != 10*time.Millisecond || c.MaxBackoff != 50*time.Millisecond ||
		c.LeaderElect || c.Parallelism != 4 {
		t.Errorf("after parsing: got %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid flags: %v", err)
	}
}

func TestConfigValidateNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.SchedulerName = "" }, "--scheduler-name"},
		{func(c *Config) { c.SchedulerName = "Not_A_Name" }, "--scheduler-name"},
		{func(c *Config) { c.Parallelism = 0 }, "--scheduler-parallelism"},
		{func(c *Config) { c.BindWorkers = 0 }, "--scheduler-bind-workers"},
		{func(c *Config) { c.PercentageOfNodesToScore = 101 }, "--scheduler-percentage-of-nodes-to-score"},
		{func(c *Config) { c.InitialBackoff = 0 }, "--scheduler-pod-initial-backoff"},
		{func(c *Config) { c.MaxBackoff = c.InitialBackoff / 2 }, "--scheduler-pod-max-backoff"},
		{func(c *Config) { c.AssumedPodTTL = 0 }, "--scheduler-assumed-pod-ttl"},
		{func(c *Config) { c.LeaseName = "" }, "--scheduler-leader-elect-resource-name"},
		{func(c *Config) { c.RenewDeadline = c.LeaseDuration }, "--scheduler-leader-elect-lease-duration"},
	} {
		c := NewConfig()
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error naming %s", err, tc.want)
		}
	}
	c := NewConfig()
	c.LeaderElect, c.LeaseName = false, ""
	if err := c.Validate(); err != nil {
		t.Errorf("lease settings without leader election: got %v, want them ignored", err)
	}
}
