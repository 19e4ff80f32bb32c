package apiserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
)

// Config is the API server's configuration. NewConfig gives the defaults.
type Config struct {
	// DataDir holds the PKI, the tokens, the admin kubeconfig and the
	// embedded etcd's data.
	DataDir string
	// BindAddress and Port are where HTTPS is served; Port 0 picks a free
	// port (the admin kubeconfig names the one picked).
	BindAddress string
	Port        int
	// EtcdServers, when set, are the client URLs of an external etcd;
	// otherwise an embedded etcd runs in DataDir/etcd.
	EtcdServers []string
	// TLSSANs are extra names and addresses for the serving certificate.
	TLSSANs []string
	// CompactionInterval is how often old etcd revisions are compacted.
	CompactionInterval time.Duration
	// MaxRequestBytes bounds a request body; larger ones answer 413.
	MaxRequestBytes int64
	// WatchCacheSize is how many recent events each resource keeps for
	// watches that resume.
	WatchCacheSize int
	// RequestTimeout bounds non-watch requests.
	RequestTimeout time.Duration
}

// DefaultDataDir is where `wharf up` and `wharf server` keep their state
// unless told otherwise, and where the CLI looks for the admin kubeconfig.
func DefaultDataDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".wharf")
	}
	return ".wharf"
}

// NewConfig returns the default configuration.
func NewConfig() *Config {
	return &Config{
		DataDir:            DefaultDataDir(),
		BindAddress:        "127.0.0.1",
		Port:               6443,
		CompactionInterval: 5 * time.Minute,
		MaxRequestBytes:    3 << 20,
		WatchCacheSize:     10000,
		RequestTimeout:     60 * time.Second,
	}
}

// AddFlags registers the configuration's flags on fs.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the PKI, tokens, admin kubeconfig and embedded etcd data")
	fs.StringVar(&c.BindAddress, "bind-address", c.BindAddress, "address to serve HTTPS on (0.0.0.0 for every interface)")
	fs.IntVar(&c.Port, "port", c.Port, "port to serve HTTPS on (0 picks a free one)")
	fs.StringSliceVar(&c.EtcdServers, "etcd-servers", c.EtcdServers, "client URLs of an external etcd cluster (default: embedded etcd in --data-dir)")
	fs.StringSliceVar(&c.TLSSANs, "tls-san", c.TLSSANs, "extra host names or IP addresses for the serving certificate")
	fs.DurationVar(&c.CompactionInterval, "compaction-interval", c.CompactionInterval, "how often to compact old etcd revisions (0 disables)")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", c.MaxRequestBytes, "largest request body accepted")
	fs.IntVar(&c.WatchCacheSize, "watch-cache-size", c.WatchCacheSize, "recent events kept per resource for resuming watches")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of a non-watch request")
}

// Validate names the first flag that is wrong.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if net.ParseIP(c.BindAddress) == nil {
		errs = append(errs, fmt.Errorf("--bind-address %q is not an IP address", c.BindAddress))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("--port %d is out of range", c.Port))
	}
	if c.CompactionInterval < 0 {
		errs = append(errs, errors.New("--compaction-interval must not be negative"))
	}
	if c.MaxRequestBytes < 1024 {
		errs = append(errs, errors.New("--max-request-bytes must be at least 1024"))
	}
	if c.WatchCacheSize < 100 {
		errs = append(errs, errors.New("--watch-cache-size must be at least 100"))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, errors.New("--request-timeout must be positive"))
	}
	return errors.Join(errs...)
}
