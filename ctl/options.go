package ctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/apiserver"
)

// globalOptions are the flags every client command shares.
type globalOptions struct {
	kubeconfig     string
	context        string
	namespace      string
	requestTimeout string
}

func (g *globalOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&g.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.wharf/admin.kubeconfig)")
	fs.StringVar(&g.context, "context", "", "the kubeconfig context to use (default: its current context)")
	fs.StringVarP(&g.namespace, "namespace", "n", "", "the namespace of this request (default: the context's, else \"default\")")
	fs.StringVar(&g.requestTimeout, "request-timeout", "0", "how long to wait for one server request before giving up (1s, 2m, 3h; 0 waits as long as it takes)")
}

// resolveKubeconfig picks the kubeconfig to read, as kubectl does but
// ending with the admin kubeconfig a local `wharf server` writes: the
// --kubeconfig flag, else the first existing file of $KUBECONFIG (a list
// separated like $PATH), else DATA_DIR/admin.kubeconfig.
func resolveKubeconfig(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	var tried []string
	for _, p := range filepath.SplitList(os.Getenv("KUBECONFIG")) {
		if p == "" {
			continue
		}
		if exists(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	local := filepath.Join(apiserver.DefaultDataDir(), apiserver.AdminKubeconfig)
	if exists(local) {
		return local, nil
	}
	tried = append(tried, local)
	return "", fmt.Errorf("no kubeconfig found (looked for %s): pass --kubeconfig, set KUBECONFIG, or start a local cluster with 'make up'", joinQuoted(tried))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

func joinQuoted(ps []string) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(p)
	}
	return s
}

// resolveNamespace is the namespace of a request: -n, else the context's,
// else "default".
func resolveNamespace(flag, fromContext string) string {
	switch {
	case flag != "":
		return flag
	case fromContext != "":
		return fromContext
	}
	return "default"
}

// parseRequestTimeout reads --request-timeout: a duration, or a bare
// number of seconds as kubectl also accepts.
func parseRequestTimeout(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid --request-timeout %q: want a duration such as 10s or 2m, or 0 for none", s)
	}
	return d, nil
}

// session is a client command's connection to the cluster.
type session struct {
	client *client.Client
	// config is what client was built from, for connections it does not
	// make itself (exec's WebSocket).
	config *client.Config
	scheme *scheme.Scheme
	// namespace is where namespaced requests go; explicitNamespace says
	// the user chose it with -n, so a manifest may not say otherwise.
	namespace         string
	explicitNamespace bool
}

// connect reads the kubeconfig and builds the client.
func (g *globalOptions) connect() (*session, error) {
	timeout, err := parseRequestTimeout(g.requestTimeout)
	if err != nil {
		return nil, err
	}
	path, err := resolveKubeconfig(g.kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg, ns, err := client.ConfigFromKubeconfig(path, g.context)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = timeout
	cfg.UserAgent = "wharf/" + apiserver.WharfVersion
	sch := builtin.Scheme()
	c, err := client.New(cfg, sch)
	if err != nil {
		return nil, err
	}
	return &session{
		client:            c,
		config:            cfg,
		scheme:            sch,
		namespace:         resolveNamespace(g.namespace, ns),
		explicitNamespace: g.namespace != "",
	}, nil
}
