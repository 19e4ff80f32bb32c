package containerd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/leases"
	"github.com/containerd/containerd/v2/core/snapshots"
	cerrdefs "github.com/containerd/errdefs"
	"golang.org/x/sys/unix"

	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
	"github.com/wharf/wharf/nodeagent/volume"
)

// Bounds of Cleanup's calls to containerd: a daemon that does not answer
// is skipped, and a task that ignores SIGKILL (stuck in the kernel) must
// not hang the command.
const (
	cleanupConnectTimeout = 5 * time.Second
	cleanupTaskTimeout    = 30 * time.Second
)

// foreignNamespaces belong to other software sharing the daemon (ctr,
// Kubernetes' CRI, Docker): Cleanup empties its namespace wholesale, so it
// refuses these.
var foreignNamespaces = []string{"default", "k8s.io", "moby", "buildkit"}

// Cleanup removes everything the real node cfg describes left on this
// machine, whether or not its agent is still running (stop it first): in
// containerd's namespace every task (killed with SIGKILL), container with
// its snapshot, image, lease, blob and snapshot, then the namespace; every
// pod network namespace and the CNI bridge; the volumes under RootDir
// (unmounted first); StateDir and RootDir; and the namespace's empty
// cgroup directories. It logs what it removes and can run any number of
// times. A containerd that does not answer is skipped with a warning, so
// that the rest is still cleaned.
func Cleanup(ctx context.Context, cfg nodeagent.Config, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkCleanupConfig(cfg); err != nil {
		return err
	}
	rep := &cleanupReport{log: log}
	var errs []error
	if c, err := connectForCleanup(ctx, cfg); err != nil {
		log.Warn("containerd does not answer: skipping its tasks, containers, images and namespace", "address", cfg.ContainerdAddress, "err", err)
	} else {
		errs = append(errs, cleanContainerd(ctx, c, cfg.ContainerdNamespace, rep))
		c.Close()
	}
	// Pod networks go after the tasks, so that no process still uses them.
	errs = append(errs, cleanPodNetwork(cfg, rep))
	errs = append(errs, cleanVolumes(filepath.Join(cfg.RootDir, "pods"), rep))
	for _, d := range []string{cfg.StateDir, cfg.RootDir} {
		errs = append(errs, removeDir(d, rep))
	}
	errs = append(errs, removeCgroupDirs(cfg.ContainerdNamespace, rep))
	rep.done()
	return errors.Join(errs...)
}

// checkCleanupConfig refuses what would remove far more than a node: a
// foreign containerd namespace, or a directory such as / or /var.
func checkCleanupConfig(cfg nodeagent.Config) error {
	var errs []error
	if cfg.ContainerdAddress == "" {
		errs = append(errs, errors.New("--containerd-address is required"))
	}
	if cfg.ContainerdNamespace == "" || strings.ContainsAny(cfg.ContainerdNamespace, "/ ") {
		errs = append(errs, fmt.Errorf("--containerd-namespace %q is not a namespace name", cfg.ContainerdNamespace))
	} else if slices.Contains(foreignNamespaces, cfg.ContainerdNamespace) {
		errs = append(errs, fmt.Errorf("--containerd-namespace %q belongs to other software: cleanup removes everything in its namespace and refuses this one", cfg.ContainerdNamespace))
	}
	for _, d := range []struct{ flag, path string }{{"--state-dir", cfg.StateDir}, {"--root-dir", cfg.RootDir}} {
		clean := filepath.Clean(d.path)
		switch {
		case !filepath.IsAbs(d.path):
			errs = append(errs, fmt.Errorf("%s %q must be an absolute path", d.flag, d.path))
		case strings.Count(clean, "/") < 2:
			errs = append(errs, fmt.Errorf("%s %q is too near the root to be removed: give the node's own directory, such as %s", d.flag, d.path, nodeagent.DefaultStateDir))
		}
	}
	if cfg.CNIBridge == "" {
		errs = append(errs, errors.New("--cni-bridge is required"))
	}
	return errors.Join(errs...)
}

// cleanupReport logs each removal and sums them up at the end.
type cleanupReport struct {
	log    *slog.Logger
	counts map[string]int
	order  []string
}

func (r *cleanupReport) removed(kind, name string) {
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	if r.counts[kind] == 0 {
		r.order = append(r.order, kind)
	}
	r.counts[kind]++
	r.log.Info("removed", "kind", kind, "name", name)
}

// done logs how many of each kind were removed, in the order met.
func (r *cleanupReport) done() {
	if len(r.order) == 0 {
		r.log.Info("cleanup finished: nothing to remove")
		return
	}
	attrs := make([]any, 0, 2*len(r.order))
	for _, k := range r.order {
		attrs = append(attrs, k, r.counts[k])
	}
	r.log.Info("cleanup finished", attrs...)
}

// connectForCleanup asks the daemon its version: the client connects
// lazily and would otherwise fail only at the first real call.
func connectForCleanup(ctx context.Context, cfg nodeagent.Config) (*client.Client, error) {
	if _, err := os.Stat(cfg.ContainerdAddress); err != nil {
		return nil, err
	}
	c, err := client.New(cfg.ContainerdAddress, client.WithDefaultNamespace(cfg.ContainerdNamespace))
	if err != nil {
		return nil, err
	}
	vctx, cancel := context.WithTimeout(ctx, cleanupConnectTimeout)
	defer cancel()
	if _, err := c.Version(vctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// cleanContainerd empties namespace ns and deletes it. The order is the
// one containerd's references impose: tasks before their containers,
// containers before the snapshots they hold, images and leases before
// the blobs and snapshots they keep alive.
func cleanContainerd(ctx context.Context, c *client.Client, ns string, rep *cleanupReport) error {
	all, err := c.NamespaceService().List(ctx)
	if err != nil {
		return fmt.Errorf("containerd namespaces: %w", err)
	}
	if !slices.Contains(all, ns) {
		return nil
	}
	steps := []func() error{
		func() error { return removeContainers(ctx, c, rep) },
		func() error { return removeImages(ctx, c, rep) },
		func() error { return removeLeases(ctx, c, rep) },
		func() error { return removeContent(ctx, c, rep) },
		func() error { return removeSnapshots(ctx, c.SnapshotService(snapshotter), rep) },
	}
	var errs []error
	for _, step := range steps {
		errs = append(errs, step())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("containerd namespace %s: %w", ns, err)
	}
	if err := c.NamespaceService().Delete(ctx, ns); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("delete containerd namespace %s: %w", ns, err)
	}
	rep.removed("containerd-namespace", ns)
	return nil
}

func removeContainers(ctx context.Context, c *client.Client, rep *cleanupReport) error {
	cs, err := c.Containers(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	for _, ctr := range cs {
		if err := removeTask(ctx, ctr, rep); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := ctr.Delete(ctx, client.WithSnapshotCleanup); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete container %s: %w", ctr.ID(), err))
			continue
		}
		rep.removed("container", ctr.ID())
	}
	return errors.Join(errs...)
}

// removeTask kills the container's task with SIGKILL (every process of
// it, execs too), waits for it to exit and deletes it.
func removeTask(ctx context.Context, ctr client.Container, rep *cleanupReport) error {
	task, err := ctr.Task(ctx, nil)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("task of container %s: %w", ctr.ID(), err)
	}
	tctx, cancel := context.WithTimeout(ctx, cleanupTaskTimeout)
	defer cancel()
	// A frozen task cannot die of SIGKILL until thawed.
	if st, err := task.Status(tctx); err == nil && (st.Status == client.Paused || st.Status == client.Pausing) {
		_ = task.Resume(tctx)
	}
	if _, err := task.Delete(tctx, client.WithProcessKill); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("kill and delete task of container %s: %w", ctr.ID(), err)
	}
	rep.removed("task", ctr.ID())
	return nil
}

func removeImages(ctx context.Context, c *client.Client, rep *cleanupReport) error {
	is := c.ImageService()
	imgs, err := is.List(ctx)
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	var errs []error
	for _, img := range imgs {
		if err := is.Delete(ctx, img.Name, images.SynchronousDelete()); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete image %s: %w", img.Name, err))
			continue
		}
		rep.removed("image", img.Name)
	}
	return errors.Join(errs...)
}

func removeLeases(ctx context.Context, c *client.Client, rep *cleanupReport) error {
	ls := c.LeasesService()
	all, err := ls.List(ctx)
	if err != nil {
		return fmt.Errorf("list leases: %w", err)
	}
	var errs []error
	for _, l := range all {
		if err := ls.Delete(ctx, l, leases.SynchronousDelete); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete lease %s: %w", l.ID, err))
			continue
		}
		rep.removed("lease", l.ID)
	}
	return errors.Join(errs...)
}

// removeContent deletes the blobs (layers, configs, manifests) that the
// garbage collector left, and aborts unfinished downloads.
func removeContent(ctx context.Context, c *client.Client, rep *cleanupReport) error {
	cs := c.ContentStore()
	var errs []error
	statuses, err := cs.ListStatuses(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("list downloads: %w", err))
	}
	for _, st := range statuses {
		if err := cs.Abort(ctx, st.Ref); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("abort download %s: %w", st.Ref, err))
			continue
		}
		rep.removed("download", st.Ref)
	}
	var blobs []content.Info
	if err := cs.Walk(ctx, func(i content.Info) error { blobs = append(blobs, i); return nil }); err != nil {
		errs = append(errs, fmt.Errorf("list blobs: %w", err))
	}
	for _, b := range blobs {
		if err := cs.Delete(ctx, b.Digest); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete blob %s: %w", b.Digest, err))
			continue
		}
		rep.removed("blob", b.Digest.String())
	}
	return errors.Join(errs...)
}

// removeSnapshots removes what the garbage collector left in the
// snapshotter, children before parents: a parent with children cannot go.
func removeSnapshots(ctx context.Context, sn snapshots.Snapshotter, rep *cleanupReport) error {
	for {
		var infos []snapshots.Info
		if err := sn.Walk(ctx, func(_ context.Context, i snapshots.Info) error { infos = append(infos, i); return nil }); err != nil {
			return fmt.Errorf("list snapshots: %w", err)
		}
		if len(infos) == 0 {
			return nil
		}
		parents := map[string]bool{}
		for _, i := range infos {
			parents[i.Parent] = true
		}
		var errs []error
		progress := false
		for _, i := range infos {
			if parents[i.Name] {
				continue
			}
			if err := sn.Remove(ctx, i.Name); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove snapshot %s: %w", i.Name, err))
				continue
			}
			rep.removed("snapshot", i.Name)
			progress = true
		}
		if !progress {
			return errors.Join(append(errs, fmt.Errorf("%d snapshots cannot be removed", len(infos)))...)
		}
	}
}

// cleanPodNetwork tears down every pod network namespace under
// StateDir/network and deletes the bridge. The pod CIDR the network was
// built with is not needed: CNI DEL finds a pod's address lease by the
// pod's UID (host-local) and its veth by name in the namespace (bridge),
// whatever range it is given, so any valid range tears down.
func cleanPodNetwork(cfg nodeagent.Config, rep *cleanupReport) error {
	cidr := cfg.PodCIDR
	if cidr == "" {
		cidr = nodeagent.DefaultPodCIDR
	}
	pcfg := ConfigFor(cfg).PodNetwork
	pcfg.PodCIDR = cidr
	n, err := podnet.New(*pcfg)
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	uids, err := n.List()
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	bridge := linkExists(cfg.CNIBridge)
	if err := n.Close(); err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	for _, uid := range uids {
		rep.removed("netns", uid)
	}
	if bridge {
		rep.removed("bridge", cfg.CNIBridge)
	}
	return nil
}

func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// cleanVolumes unmounts and removes every pod's volumes under root (the
// volume manager's root, RootDir/pods).
func cleanVolumes(root string, rep *cleanupReport) error {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pod volumes: %w", err)
	}
	m := &volume.Manager{Root: root}
	var errs []error
	for _, e := range entries {
		if err := m.Teardown(e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		rep.removed("pod-volumes", e.Name())
	}
	return errors.Join(errs...)
}

// removeDir unmounts whatever is still mounted at or below dir, deepest
// first, then removes it: a removal that crossed a live mount would
// delete the mounted contents (a hostPath's, say) too.
func removeDir(dir string, rep *cleanupReport) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	points, err := volume.MountPointsUnder(real)
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	self := false // dir is a mount point itself: the operator's, kept
	for _, p := range points {
		if p == real {
			self = true
			continue
		}
		// Detached at once from the tree even if busy, so the removal
		// below cannot reach into it.
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove %s: unmount %s: %w", dir, p, err)
		}
		rep.removed("mount", p)
	}
	left, err := volume.MountPointsUnder(real)
	if err == nil && len(left) > 0 && !(len(left) == 1 && left[0] == real) {
		err = fmt.Errorf("still mounted beneath it: %v", left)
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	if !self {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove %s: %w", dir, err)
		}
		rep.removed("directory", dir)
		return nil
	}
	entries, err := os.ReadDir(real)
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(real, e.Name())); err != nil {
			return fmt.Errorf("remove %s: %w", dir, err)
		}
	}
	if len(entries) > 0 {
		rep.removed("directory-contents", dir)
	}
	return nil
}

// removeCgroupDirs removes the directories runc leaves under every cgroup
// hierarchy for the namespace (/sys/fs/cgroup/<controller>/<namespace> on
// cgroup v1, /sys/fs/cgroup/<namespace> on v2), deepest first. They are
// empty once the tasks are gone; one that still holds a process is
// reported and stays.
func removeCgroupDirs(ns string, rep *cleanupReport) error {
	var roots []string
	for _, pattern := range []string{filepath.Join(cgroupRoot, "*", ns), filepath.Join(cgroupRoot, ns)} {
		m, _ := filepath.Glob(pattern)
		roots = append(roots, m...)
	}
	var errs []error
	for _, root := range roots {
		var dirs []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue // a symlinked hierarchy (cpu -> cpu,cpuacct) already done
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cgroup %s: %w", root, err))
			continue
		}
		slices.Reverse(dirs) // WalkDir lists parents first
		failed := false
		for _, d := range dirs {
			if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
				failed = true
			}
		}
		if !failed {
			rep.removed("cgroup", root)
		}
	}
	return errors.Join(errs...)
}
