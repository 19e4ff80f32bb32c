package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wharf/wharf/api/kubeconfig"
)

// Config says where the API server is, how to trust it and who we are.
type Config struct {
	// Server is the base URL, "https://host:port" (a path prefix is kept).
	Server string
	// CAPEM holds the certificates that sign the server's; nil trusts the
	// system roots.
	CAPEM []byte
	// Insecure skips verifying the server's certificate. For tests only.
	Insecure bool
	// TLSServerName overrides the name the certificate is checked against.
	TLSServerName string
	// Token is sent as "Authorization: Bearer <token>".
	Token     string
	UserAgent string
	// QPS > 0 limits requests per second, with bursts of up to Burst.
	QPS   float64
	Burst int
	// Timeout bounds each request that is not a watch or a stream; zero
	// leaves it to the caller's context.
	Timeout time.Duration
}

// ConfigFromKubeconfig reads the kubeconfig file at path and returns the
// config of the named context (the current one when context is ""), with
// the context's namespace, "default" when it names none.
func ConfigFromKubeconfig(path, context string) (*Config, string, error) {
	kc, err := kubeconfig.Load(path)
	if err != nil {
		return nil, "", err
	}
	r, err := kc.Resolve(context, filepath.Dir(path))
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	ns := r.Namespace
	if ns == "" {
		ns = "default"
	}
	return &Config{
		Server:        r.Server,
		CAPEM:         r.CAPEM,
		Insecure:      r.Insecure,
		TLSServerName: r.TLSName,
		Token:         r.Token,
	}, ns, nil
}

// TLSConfig is how the client trusts the API server, for connections the
// REST client does not make itself (exec's WebSocket).
func (cfg *Config) TLSConfig() (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         cfg.TLSServerName,
		InsecureSkipVerify: cfg.Insecure,
	}
	if len(cfg.CAPEM) > 0 {
		if cfg.Insecure {
			return nil, errors.New("client config: a CA and insecure-skip-tls-verify are mutually exclusive")
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAPEM) {
			return nil, errors.New("client config: the CA PEM holds no certificate")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// transport returns the one HTTP transport a Client shares between all its
// requests: keep-alives, HTTP/2 over TLS and HTTP/2 pings, so that a watch
// on a connection that died silently fails within a minute instead of
// hanging until the OS gives up.
func (cfg *Config) transport() (*http.Transport, error) {
	tc, err := cfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   25,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: 30 * time.Second,
			PingTimeout:     15 * time.Second,
		},
	}, nil
}
