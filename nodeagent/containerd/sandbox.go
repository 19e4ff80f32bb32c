package containerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
)

// sandboxRecord is a sandbox as kept under StateDir: the runtime outlives
// the agent, so a restarted agent reads these to adopt its pods.
type sandboxRecord struct {
	nodeagent.Sandbox
	// NetNSPath is the namespace the containers join; "" when the runtime
	// has no network or the pod is on the host's network.
	NetNSPath string `json:",omitempty"`
	// Hostname is the containers' host name, "" for a host-network pod,
	// whose containers share the node's UTS namespace.
	Hostname string `json:",omitempty"`
	// HostNetwork says that the containers join the node's network.
	HostNetwork bool `json:",omitempty"`
}

func (r *Runtime) sandboxPath(id string) string {
	return filepath.Join(sandboxDir(r.cfg.StateDir), id+".json")
}

func (r *Runtime) readSandbox(id string) (*sandboxRecord, error) {
	if !validID(id) {
		return nil, errdefs.NotFound(errdefs.Resource{Resource: "sandboxes"}, id)
	}
	b, err := os.ReadFile(r.sandboxPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(errdefs.Resource{Resource: "sandboxes"}, id)
	}
	if err != nil {
		return nil, err
	}
	var rec sandboxRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("sandbox %s: %w", id, err)
	}
	return &rec, nil
}

// writeSandbox replaces the record atomically, so that a crash never
// leaves half a record.
func (r *Runtime) writeSandbox(rec *sandboxRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	tmp := r.sandboxPath(rec.ID) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, r.sandboxPath(rec.ID))
}

// RunPodSandbox implements nodeagent.Runtime: the pod's network namespace
// and address, unless it is on the host's network, and the /etc/hosts,
// /etc/hostname and /etc/resolv.conf its containers share.
func (r *Runtime) RunPodSandbox(ctx context.Context, pod *core.Pod, attempt uint32) (_ *nodeagent.Sandbox, err error) {
	rec := &sandboxRecord{
		Sandbox: nodeagent.Sandbox{
			ID:           newID(),
			PodUID:       pod.UID,
			PodNamespace: pod.Namespace,
			PodName:      pod.Name,
			Attempt:      attempt,
			Ready:        true,
			CreatedAt:    time.Now(),
		},
		HostNetwork: pod.Spec.HostNetwork,
	}
	hostname := podHostname(pod)
	if rec.HostNetwork {
		if hostname, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	} else {
		rec.Hostname = hostname
	}
	// No sandbox lock: the ID is new, and nobody can find the sandbox
	// before writeSandbox puts its record in place at once.
	cleanup := context.WithoutCancel(ctx)
	if n := r.Network(); n != nil && !rec.HostNetwork {
		ns, serr := n.Setup(ctx, pod.UID, pod.Namespace, pod.Name)
		if serr != nil {
			return nil, fmt.Errorf("sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, serr)
		}
		defer func() {
			if err != nil {
				err = errors.Join(err, n.Teardown(cleanup, pod.UID))
			}
		}()
		rec.NetNSPath, rec.IP = ns.NetNSPath, ns.IP.String()
	} else if r.cfg.PodNetwork != nil && !rec.HostNetwork {
		return nil, fmt.Errorf("sandbox of pod %s/%s: the pod network has no pod CIDR yet", pod.Namespace, pod.Name)
	}
	dir := r.sandboxFilesDir(rec.ID)
	if err := r.writePodFiles(dir, pod, hostname, rec.IP); err != nil {
		return nil, errors.Join(fmt.Errorf("sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err), os.RemoveAll(dir))
	}
	if err := r.writeSandbox(rec); err != nil {
		return nil, errors.Join(fmt.Errorf("sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err), os.RemoveAll(dir))
	}
	out := rec.Sandbox
	return &out, nil
}

// StopPodSandbox implements nodeagent.Runtime. Containers still running
// are killed at once: the agent stops them gracefully before.
func (r *Runtime) StopPodSandbox(ctx context.Context, id string) error {
	rec, err := r.readSandbox(id)
	if err != nil {
		return err
	}
	return r.stopSandbox(ctx, rec)
}

func (r *Runtime) stopSandbox(ctx context.Context, rec *sandboxRecord) error {
	cs, err := r.ListContainers(ctx, rec.ID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.State == nodeagent.ContainerRunning || c.State == nodeagent.ContainerCreated {
			if err := r.StopContainer(ctx, c.ID, 0); err != nil {
				return fmt.Errorf("stop sandbox %s: %w", rec.ID, err)
			}
		}
	}
	defer r.lockSandbox(rec.ID)()
	// Read again under the lock: the caller's copy may be stale.
	rec, err = r.readSandbox(rec.ID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !rec.Ready {
		return nil
	}
	if n := r.Network(); n != nil && rec.NetNSPath != "" {
		if err := n.Teardown(ctx, rec.PodUID); err != nil {
			return fmt.Errorf("stop sandbox %s: %w", rec.ID, err)
		}
	}
	rec.Ready, rec.IP, rec.NetNSPath = false, "", ""
	if err := r.writeSandbox(rec); err != nil {
		return fmt.Errorf("stop sandbox %s: %w", rec.ID, err)
	}
	r.publish(nodeagent.Event{Type: nodeagent.EventSandboxStopped, PodUID: rec.PodUID, SandboxID: rec.ID})
	return nil
}

// RemovePodSandbox implements nodeagent.Runtime.
func (r *Runtime) RemovePodSandbox(ctx context.Context, id string) error {
	rec, err := r.readSandbox(id)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.stopSandbox(ctx, rec); err != nil {
		return err
	}
	cs, err := r.ListContainers(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := r.RemoveContainer(ctx, c.ID); err != nil {
			return fmt.Errorf("remove sandbox %s: %w", id, err)
		}
	}
	defer r.lockSandbox(id)()
	// The files before the record: a failure leaves the record, and the
	// next try removes what is left.
	if err := os.RemoveAll(r.sandboxFilesDir(id)); err != nil {
		return fmt.Errorf("remove sandbox %s: %w", id, err)
	}
	if err := os.Remove(r.sandboxPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove sandbox %s: %w", id, err)
	}
	return nil
}

// ListSandboxes implements nodeagent.Runtime.
func (r *Runtime) ListSandboxes(_ context.Context, podUID string) ([]nodeagent.Sandbox, error) {
	entries, err := os.ReadDir(sandboxDir(r.cfg.StateDir))
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	var out []nodeagent.Sandbox
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		rec, err := r.readSandbox(id)
		if errors.Is(err, errdefs.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		if podUID == "" || rec.PodUID == podUID {
			out = append(out, rec.Sandbox)
		}
	}
	return out, nil
}
