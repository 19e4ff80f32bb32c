//go:build e2e

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

var podstartPods = flag.Int("podstart.pods", 30, "pods per round of BenchmarkPodStart (and ctr runs beside them)")

// BenchmarkPodStart measures, on the real node, how long a pod of the test
// image takes from its create request to Running as a watch shows it, with
// client-side clocks (the API's timestamps have a resolution of a second):
//
//   - burst: N pods created back to back, each timed from its own create;
//   - one at a time: N pods, each created after the previous one ran;
//
// and beside them the floor: `ctr run --rm` of the same image on the same
// containerd, N times one after another. Run it with hack/bench-podstart.sh.
func BenchmarkPodStart(b *testing.B) {
	n := realNodeFor(b)
	pods := *podstartPods
	ctx := context.Background()
	// A namespace of its own each run: the one before may still be
	// terminating.
	nsName := fmt.Sprintf("%sbench-%x", nsPrefix, time.Now().UnixNano()&0xffffff)
	nss := apiclient.For[core.Namespace](n.client)
	if _, err := nss.Create(ctx, "", &core.Namespace{ObjectMeta: meta.ObjectMeta{Name: nsName}}); err != nil {
		b.Fatalf("create namespace: %v", err)
	}
	defer func() { _ = nss.Delete(ctx, "", nsName, nil) }()

	var burst, oneByOne, ctrRun []time.Duration
	for round := 0; round < b.N; round++ {
		w := n.watchRunning(b, nsName)
		names := make([]string, pods)
		for i := range pods {
			names[i] = fmt.Sprintf("burst-%d-%d", round, i)
			w.create(b, names[i])
		}
		burst = append(burst, w.waitAll(b, names, 2*time.Minute)...)
		n.deleteAll(b, nsName)

		for i := range pods {
			name := fmt.Sprintf("single-%d-%d", round, i)
			w.create(b, name)
			oneByOne = append(oneByOne, w.waitAll(b, []string{name}, time.Minute)...)
		}
		w.stop()
		n.deleteAll(b, nsName)

		ctrRun = append(ctrRun, n.timeCtrRun(b, pods)...)
	}
	b.StopTimer()
	report := func(what string, d []time.Duration) {
		slices.Sort(d)
		b.ReportMetric(ms(percentile(d, 50)), what+"-median-ms")
		if what != "ctr-run" {
			b.ReportMetric(ms(percentile(d, 99)), what+"-p99-ms")
		}
		b.Logf("%-10s n=%d median %6.0f ms  p99 %6.0f ms  min %6.0f ms  max %6.0f ms", what, len(d), ms(percentile(d, 50)), ms(percentile(d, 99)), ms(d[0]), ms(d[len(d)-1]))
	}
	report("burst", burst)
	report("one-by-one", oneByOne)
	report("ctr-run", ctrRun)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// runningWatch times pods from their create request to the first watch
// event that shows them Running.
type runningWatch struct {
	n       *realNode
	ns      string
	w       *apiclient.Watcher[core.Pod, *core.Pod]
	mu      sync.Mutex
	created map[string]time.Time
	running map[string]time.Time
	changed chan struct{}
	done    chan struct{}
}

func (n *realNode) watchRunning(b *testing.B, ns string) *runningWatch {
	w, err := n.pods().Watch(context.Background(), ns, apiclient.ListOptions{})
	if err != nil {
		b.Fatalf("watch pods: %v", err)
	}
	rw := &runningWatch{n: n, ns: ns, w: w, created: map[string]time.Time{}, running: map[string]time.Time{},
		changed: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(rw.done)
		for ev := range w.Events() {
			now := time.Now()
			if ev.Type == meta.Error || ev.Object == nil || ev.Object.Status.Phase != core.PodRunning {
				continue
			}
			rw.mu.Lock()
			if _, seen := rw.running[ev.Object.Name]; !seen {
				rw.running[ev.Object.Name] = now
			}
			rw.mu.Unlock()
			select {
			case rw.changed <- struct{}{}:
			default:
			}
		}
	}()
	return rw
}

func (rw *runningWatch) create(b *testing.B, name string) {
	grace := int64(5)
	pod := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: name, Labels: map[string]string{"bench": "podstart"}},
		Spec: core.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []core.Container{{Name: "web", Image: testImage1}},
		},
	}
	rw.mu.Lock()
	rw.created[name] = time.Now()
	rw.mu.Unlock()
	if _, err := rw.n.pods().Create(context.Background(), rw.ns, pod); err != nil {
		b.Fatalf("create pod %s: %v", name, err)
	}
}

// waitAll waits until every named pod was seen Running and returns their
// latencies.
func (rw *runningWatch) waitAll(b *testing.B, names []string, timeout time.Duration) []time.Duration {
	deadline := time.After(timeout)
	for {
		rw.mu.Lock()
		var out []time.Duration
		for _, name := range names {
			if r, ok := rw.running[name]; ok {
				out = append(out, r.Sub(rw.created[name]))
			}
		}
		rw.mu.Unlock()
		if len(out) == len(names) {
			return out
		}
		select {
		case <-rw.changed:
		case <-rw.done:
			b.Fatalf("the pod watch ended with %d of %d pods Running", len(out), len(names))
		case <-deadline:
			b.Fatalf("%d of %d pods Running within %v\nwharf up's log:\n%s", len(out), len(names), timeout, rw.n.logTail(30))
		}
	}
}

func (rw *runningWatch) stop() {
	rw.w.Stop()
	<-rw.done
}

// deleteAll deletes the namespace's pods and waits until they are gone.
func (n *realNode) deleteAll(b *testing.B, ns string) {
	ctx := context.Background()
	list, err := n.pods().List(ctx, ns, apiclient.ListOptions{})
	if err != nil {
		b.Fatalf("list pods: %v", err)
	}
	for _, p := range list.Items {
		if err := n.pods().Delete(ctx, ns, p.Name, nil); err != nil && !isNotFound(err) {
			b.Fatalf("delete pod %s: %v", p.Name, err)
		}
	}
	if err := poll(2*time.Minute, func() string {
		list, err := n.pods().List(ctx, ns, apiclient.ListOptions{})
		if err != nil {
			return err.Error()
		}
		if len(list.Items) > 0 {
			return fmt.Sprintf("%d pods left", len(list.Items))
		}
		return ""
	}); err != nil {
		b.Fatalf("deleting the benchmark's pods: %v", err)
	}
	// The pods leave the API before the agent has removed their
	// containers and networks: wait for that too, or the next round's
	// first pods compete with the teardown for the CPU.
	if err := poll(2*time.Minute, func() string {
		out, err := n.ctr("containers", "ls", "-q")
		if err != nil {
			return err.Error()
		}
		if left := strings.Fields(out); len(left) > 0 {
			return fmt.Sprintf("%d containers left", len(left))
		}
		return ""
	}); err != nil {
		b.Fatalf("the node removing the benchmark's containers: %v", err)
	}
}

// timeCtrRun times `ctr run --rm` of the test image, the program exiting
// at once, count times. It runs in a containerd namespace of its own
// beside the node's, and removes it after.
func (n *realNode) timeCtrRun(b *testing.B, count int) []time.Duration {
	ns := n.namespace + "-ctr"
	if out, err := n.ctr("-n", ns, "images", "import", filepath.Join(n.imageDir, "wharf-test-1.tar")); err != nil {
		b.Fatalf("import into %s: %v: %s", ns, err, out)
	}
	defer func() {
		_, _ = n.ctr("-n", ns, "images", "rm", testImage1)
		_, _ = n.ctr("-n", "default", "namespaces", "rm", ns)
		for _, d := range n.cgroupDirs() {
			if filepath.Base(d) == ns {
				removeCgroupTree(d)
			}
		}
	}()
	var out []time.Duration
	for i := range count {
		args := []string{"--address", n.address, "-n", ns, "run", "--rm", testImage1, fmt.Sprintf("ctr-run-%d", i),
			"/testimage", "sleep", "--exit-after", "1ms"}
		start := time.Now()
		if o, err := exec.Command("ctr", args...).CombinedOutput(); err != nil {
			b.Fatalf("ctr run: %v: %s", err, o)
		}
		out = append(out, time.Since(start))
	}
	return out
}
