package containerd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent/volume"
)

// The files every container of a pod shares, as the kubelet and the CRI
// write them per sandbox: /etc/hosts naming the pod, /etc/hostname and
// /etc/resolv.conf. They live in the sandbox's directory under StateDir
// and are bind-mounted read-write (as the kubelet does), so that a
// container's edits are its pod's.
var podFiles = []struct{ name, path string }{
	{"hosts", "/etc/hosts"},
	{"hostname", "/etc/hostname"},
	{"resolv.conf", "/etc/resolv.conf"},
}

// hostsFile is the node's own hosts file, which host-network pods copy.
const hostsFile = "/etc/hosts"

// Limits of the C library's resolver, which the kubelet applies too.
const (
	maxNameservers = 3
	maxSearches    = 32
)

// sandboxFilesDir is the directory of the sandbox's shared files.
func (r *Runtime) sandboxFilesDir(id string) string {
	return filepath.Join(sandboxDir(r.cfg.StateDir), id)
}

// podHostname is the pod's host name as the kubelet makes it: spec.hostname
// or the pod's name, cut to a DNS label's 63 characters.
func podHostname(pod *core.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// writePodFiles writes the pod's shared files into dir. ip is the pod's
// address, "" when it has none of its own.
func (r *Runtime) writePodFiles(dir string, pod *core.Pod, hostname, ip string) error {
	var hosts []byte
	if pod.Spec.HostNetwork {
		b, err := os.ReadFile(hostsFile)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("host's hosts file: %w", err)
		}
		hosts = hostNetworkHosts(b, pod.Spec.HostAliases)
	} else {
		hosts = podHosts(hostname, ip, pod.Spec.HostAliases)
	}
	host, err := os.ReadFile(r.cfg.ResolvConf)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("host's resolv.conf: %w", err)
	}
	resolv := podResolvConf(host, pod.Spec.DNSPolicy, pod.Spec.DNSConfig)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	content := map[string][]byte{"hosts": hosts, "hostname": []byte(hostname + "\n"), "resolv.conf": resolv}
	for _, f := range podFiles {
		if err := os.WriteFile(filepath.Join(dir, f.name), content[f.name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// podFileMounts bind-mounts the files of dir into a container, except
// where one of its volumes is mounted already, which wins as with the
// kubelet. A sandbox without the files (made before they existed) gets
// none.
func podFileMounts(dir string, volumes []volume.Mount) []specs.Mount {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, podFiles[0].name)); err != nil {
		return nil
	}
	var out []specs.Mount
	for _, f := range podFiles {
		if slices.ContainsFunc(volumes, func(m volume.Mount) bool { return filepath.Clean(m.ContainerPath) == f.path }) {
			continue
		}
		out = append(out, specs.Mount{
			Destination: f.path,
			Type:        "bind",
			Source:      filepath.Join(dir, f.name),
			Options:     []string{"rbind", "rprivate", "rw"},
		})
	}
	return out
}

// podHosts is the kubelet's hosts file of a pod with its own network.
func podHosts(hostname, ip string, aliases []core.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file.\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("fe00::0\tip6-mcastprefix\n")
	b.WriteString("fe00::1\tip6-allnodes\n")
	b.WriteString("fe00::2\tip6-allrouters\n")
	if ip != "" {
		fmt.Fprintf(&b, "%s\t%s\n", ip, hostname)
	}
	writeHostAliases(&b, aliases)
	return b.Bytes()
}

// hostNetworkHosts is the kubelet's hosts file of a host-network pod: the
// node's, plus the pod's aliases.
func hostNetworkHosts(node []byte, aliases []core.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file (host network).\n")
	b.Write(node)
	if len(node) > 0 && node[len(node)-1] != '\n' {
		b.WriteByte('\n')
	}
	writeHostAliases(&b, aliases)
	return b.Bytes()
}

func writeHostAliases(b *bytes.Buffer, aliases []core.HostAlias) {
	if len(aliases) == 0 {
		return
	}
	b.WriteString("\n# Entries added by HostAliases.\n")
	for _, a := range aliases {
		fmt.Fprintf(b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
	}
}

// resolvConf is what a resolv.conf says.
type resolvConf struct {
	nameservers, searches, options []string
}

// parseResolvConf reads the nameserver, search and options lines; the
// last search line wins, as in the C library.
func parseResolvConf(b []byte) resolvConf {
	var rc resolvConf
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			rc.nameservers = append(rc.nameservers, fields[1:]...)
		case "search":
			rc.searches = fields[1:]
		case "options":
			rc.options = append(rc.options, fields[1:]...)
		}
	}
	return rc
}

// podResolvConf is the pod's resolv.conf as the kubelet makes it without a
// cluster DNS: the node's (dnsPolicy Default; ClusterFirst falls back to
// it), or nothing (None); then spec.dnsConfig's nameservers and searches
// added, and its options set.
func podResolvConf(node []byte, policy core.DNSPolicy, cfg *core.PodDNSConfig) []byte {
	var rc resolvConf
	if policy != core.DNSNone {
		rc = parseResolvConf(node)
	}
	if cfg != nil {
		rc.nameservers = append(rc.nameservers, cfg.Nameservers...)
		rc.searches = append(rc.searches, cfg.Searches...)
		for _, o := range cfg.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			rc.options = append(rc.options, opt)
		}
	}
	rc.nameservers = unique(rc.nameservers)
	if len(rc.nameservers) > maxNameservers {
		rc.nameservers = rc.nameservers[:maxNameservers]
	}
	rc.searches = unique(rc.searches)
	if len(rc.searches) > maxSearches {
		rc.searches = rc.searches[:maxSearches]
	}
	rc.options = mergeOptions(rc.options)

	var b bytes.Buffer
	if len(rc.searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(rc.searches, " "))
	}
	for _, ns := range rc.nameservers {
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	if len(rc.options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(rc.options, " "))
	}
	return b.Bytes()
}

// unique keeps the first of each value, in order.
func unique(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// mergeOptions keeps one option of each name, the last one given, in the
// order names first appear: the pod's ndots:2 replaces the node's ndots:5.
func mergeOptions(opts []string) []string {
	var names []string
	value := map[string]string{}
	for _, o := range opts {
		name, _, _ := strings.Cut(o, ":")
		if _, ok := value[name]; !ok {
			names = append(names, name)
		}
		value[name] = o
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, value[n])
	}
	return out
}
