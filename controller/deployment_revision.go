package controller

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Revisions: a deployment keeps one ReplicaSet per pod template it has
// had, named <deployment>-<hash of the template> and numbered by the
// revision annotation. The new ReplicaSet is the one whose template is the
// deployment's (ignoring the hash label); the others are old. Bringing an
// old template back (a rollback) renumbers its ReplicaSet as the newest
// revision and records its earlier numbers in revision-history.

// maxRevisionHistoryChars bounds the revision-history annotation.
const maxRevisionHistoryChars = 2000

// safeAlphabet renders hashes without vowels (no words in names) and
// without characters easily confused (0, 1, 3).
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// templateHash is the pod-template-hash of tmpl: an FNV-1a hash of the
// template, salted by the deployment's collisionCount so that a
// collision can be escaped, rendered in safeAlphabet.
func templateHash(tmpl *core.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, err := json.Marshal(tmpl)
	if err != nil {
		// A template that came out of the API server always encodes.
		panic(fmt.Sprintf("encoding pod template: %v", err))
	}
	h.Write(b)
	if collisionCount != nil {
		var salt [8]byte
		binary.LittleEndian.PutUint32(salt[:], uint32(*collisionCount))
		h.Write(salt[:])
	}
	digits := strconv.FormatUint(uint64(h.Sum32()), 10)
	out := make([]byte, len(digits))
	for i := range len(digits) {
		out[i] = safeAlphabet[int(digits[i])%len(safeAlphabet)]
	}
	return string(out)
}

// equalIgnoreHash reports whether two pod templates are the same but for
// the pod-template-hash label, which only one of them may carry.
func equalIgnoreHash(a, b *core.PodTemplateSpec) bool {
	return bytes.Equal(templateJSONWithoutHash(a), templateJSONWithoutHash(b))
}

func templateJSONWithoutHash(t *core.PodTemplateSpec) []byte {
	c := *t
	if _, ok := c.Labels[apps.PodTemplateHashLabel]; ok {
		c.Labels = maps.Clone(c.Labels)
		delete(c.Labels, apps.PodTemplateHashLabel)
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	b, _ := json.Marshal(&c)
	return b
}

// revisionOf is rs's revision number; 0 when it has none.
func revisionOf(rs *apps.ReplicaSet) int64 {
	n, err := strconv.ParseInt(rs.Annotations[apps.RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func maxRevision(rss []*apps.ReplicaSet) int64 {
	var n int64
	for _, rs := range rss {
		n = max(n, revisionOf(rs))
	}
	return n
}

// findNewReplicaSet is the oldest ReplicaSet running d's template.
func findNewReplicaSet(d *apps.Deployment, rss []*apps.ReplicaSet) *apps.ReplicaSet {
	sorted := slices.Clone(rss)
	slices.SortStableFunc(sorted, byCreation)
	for _, rs := range sorted {
		if equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// splitReplicaSets is the new ReplicaSet of d, if any, and the others.
func splitReplicaSets(d *apps.Deployment, rss []*apps.ReplicaSet) (*apps.ReplicaSet, []*apps.ReplicaSet) {
	newRS := findNewReplicaSet(d, rss)
	var old []*apps.ReplicaSet
	for _, rs := range rss {
		if newRS == nil || rs.UID != newRS.UID {
			old = append(old, rs)
		}
	}
	return newRS, old
}

// skipCopyAnnotation names the annotations a deployment does not pass on
// to its ReplicaSets: its own bookkeeping, and kubectl's.
func skipCopyAnnotation(k string) bool {
	switch k {
	case apps.RevisionAnnotation, apps.RevisionHistoryAnnotation, apps.DesiredReplicasAnnotation, apps.MaxReplicasAnnotation,
		"kubectl.kubernetes.io/last-applied-configuration":
		return true
	}
	return false
}

// setNewReplicaSetAnnotations copies d's annotations to rs and raises
// rs's revision to newRevision, recording the revision it had (when it is
// brought back by a rollback) in revision-history. A ReplicaSet about to
// be created also gets its replica annotations. It reports whether rs
// changed.
func setNewReplicaSetAnnotations(d *apps.Deployment, rs *apps.ReplicaSet, newRevision int64, exists bool) bool {
	changed := false
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if skipCopyAnnotation(k) || rs.Annotations[k] == v {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	oldRevision, had := rs.Annotations[apps.RevisionAnnotation]
	oldN, err := strconv.ParseInt(oldRevision, 10, 64)
	if err != nil {
		if oldRevision != "" {
			return changed // not ours to fix
		}
		oldN = 0
	}
	if oldN < newRevision {
		rs.Annotations[apps.RevisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
		if had {
			rs.Annotations[apps.RevisionHistoryAnnotation] = appendRevisionHistory(rs.Annotations[apps.RevisionHistoryAnnotation], oldRevision)
		}
	}
	if !exists && setReplicasAnnotations(rs, replicasOf(d.Spec.Replicas), replicasOf(d.Spec.Replicas)+maxSurge(d)) {
		changed = true
	}
	return changed
}

// appendRevisionHistory adds revision to the comma-separated history,
// dropping the oldest entries to stay within maxRevisionHistoryChars.
func appendRevisionHistory(history, revision string) string {
	if history == "" {
		return revision
	}
	old := strings.Split(history, ",")
	total := len(history) + len(revision) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(old) {
		total -= len(old[start]) + 1
		start++
	}
	if total > maxRevisionHistoryChars {
		return history
	}
	return strings.Join(append(old[start:], revision), ",")
}

// setReplicasAnnotations records on rs the deployment size (desired) and
// maximum with surge it was sized for, which proportional scaling reads.
func setReplicasAnnotations(rs *apps.ReplicaSet, desired, maxReplicas int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	d, m := strconv.Itoa(int(desired)), strconv.Itoa(int(maxReplicas))
	if rs.Annotations[apps.DesiredReplicasAnnotation] == d && rs.Annotations[apps.MaxReplicasAnnotation] == m {
		return false
	}
	rs.Annotations[apps.DesiredReplicasAnnotation] = d
	rs.Annotations[apps.MaxReplicasAnnotation] = m
	return true
}

func replicasAnnotationsNeedUpdate(rs *apps.ReplicaSet, desired, maxReplicas int32) bool {
	return rs.Annotations[apps.DesiredReplicasAnnotation] != strconv.Itoa(int(desired)) ||
		rs.Annotations[apps.MaxReplicasAnnotation] != strconv.Itoa(int(maxReplicas))
}

// setDeploymentRevision sets d's revision annotation; it reports a change.
func setDeploymentRevision(d *apps.Deployment, revision string) bool {
	if d.Annotations[apps.RevisionAnnotation] == revision {
		return false
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[apps.RevisionAnnotation] = revision
	return true
}

// newReplicaSetFor builds the ReplicaSet for d's current template: its
// hash in the name, in the template's labels and in the selector.
func newReplicaSetFor(d *apps.Deployment) *apps.ReplicaSet {
	tmpl := meta.DeepCopy(d.Spec.Template)
	hash := templateHash(&d.Spec.Template, d.Status.CollisionCount)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[apps.PodTemplateHashLabel] = hash
	sel := meta.DeepCopy(d.Spec.Selector)
	if sel == nil {
		sel = &meta.LabelSelector{}
	}
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[apps.PodTemplateHashLabel] = hash
	zero := int32(0)
	return &apps.ReplicaSet{
		ObjectMeta: meta.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          maps.Clone(tmpl.Labels),
			OwnerReferences: []meta.OwnerReference{controllerRef(d, "apps/v1", "Deployment")},
		},
		Spec: apps.ReplicaSetSpec{
			Replicas:        &zero,
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        tmpl,
		},
	}
}

// allReplicaSets splits d's ReplicaSets into the new one and the old
// ones, bringing the new one's revision up to date, and creates it when
// create is set and there is none.
func (c *Deployment) allReplicaSets(ctx context.Context, d *apps.Deployment, rss []*apps.ReplicaSet, create bool) (*apps.ReplicaSet, []*apps.ReplicaSet, error) {
	_, old := splitReplicaSets(d, rss)
	newRS, err := c.newReplicaSet(ctx, d, rss, old, create)
	if err != nil {
		return nil, nil, err
	}
	return newRS, old, nil
}

// newReplicaSet returns d's new ReplicaSet, with its revision raised above
// every old one, or creates it (when create is set) sized for the first
// step of the rollout.
func (c *Deployment) newReplicaSet(ctx context.Context, d *apps.Deployment, rss, old []*apps.ReplicaSet, create bool) (*apps.ReplicaSet, error) {
	existing := findNewReplicaSet(d, rss)
	newRevision := maxRevision(old) + 1

	if existing != nil {
		rs := meta.DeepCopy(existing)
		changed := setNewReplicaSetAnnotations(d, rs, newRevision, true)
		if changed || rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			out, err := c.rsets.Update(ctx, rs)
			if err != nil {
				return nil, fmt.Errorf("updating replicaset %s: %w", rs.Name, err)
			}
			return out, nil
		}
		revChanged := setDeploymentRevision(d, rs.Annotations[apps.RevisionAnnotation])
		statusChanged := false
		if hasProgressDeadline(d) && deploymentCondition(d.Status, apps.DeploymentProgressing) == nil {
			setDeploymentCondition(&d.Status, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionTrue,
				reasonFoundNewRS, fmt.Sprintf("Found new replica set %q", rs.Name), c.now()))
			statusChanged = true
		}
		if revChanged || statusChanged {
			if err := c.writeDeployment(ctx, d, revChanged); err != nil {
				return nil, err
			}
		}
		return rs, nil
	}
	if !create {
		return nil, nil
	}

	rs := newReplicaSetFor(d)
	size := newReplicaSetTarget(d, append(slices.Clip(old), rs), rs)
	rs.Spec.Replicas = &size
	setNewReplicaSetAnnotations(d, rs, newRevision, false)
	created, err := c.rsets.Create(ctx, d.Namespace, rs)
	alreadyExisted := false
	switch {
	case errors.Is(err, errdefs.ErrAlreadyExists):
		found, ferr := c.existingReplicaSet(ctx, d.Namespace, rs.Name)
		if ferr != nil {
			return nil, ferr
		}
		if ref := found.ControllerRef(); ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &found.Spec.Template) {
			// Ours, created by an earlier sync whose result the cache
			// has not shown yet.
			created, alreadyExisted = found, true
			break
		}
		// Another template (or owner) has this name: salt the hash and try
		// again on the next sync.
		var n int32
		if d.Status.CollisionCount != nil {
			n = *d.Status.CollisionCount
		}
		n++
		d.Status.CollisionCount = &n
		if werr := c.writeDeployment(ctx, d, false); werr != nil {
			return nil, werr
		}
		c.log.Info("hash collision; bumped collisionCount", "deployment", objectKey(d), "collisionCount", n)
		return nil, fmt.Errorf("replicaset %s exists with another template: %w", rs.Name, err)
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		if hasProgressDeadline(d) {
			setDeploymentCondition(&d.Status, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionFalse,
				reasonFailedRSCreate, msg, c.now()))
			if werr := c.writeDeployment(ctx, d, false); werr != nil {
				c.log.Info("recording failed replicaset creation", "deployment", objectKey(d), "err", werr)
			}
		}
		c.rec.Event(d, core.EventTypeWarning, reasonFailedRSCreate, msg)
		return nil, err
	}
	if !alreadyExisted && size > 0 {
		c.rec.Eventf(d, core.EventTypeNormal, reasonScalingReplicaSet, "Scaled up replica set %s to %d", created.Name, size)
	}
	revChanged := setDeploymentRevision(d, strconv.FormatInt(newRevision, 10))
	statusChanged := false
	if !alreadyExisted && hasProgressDeadline(d) {
		setDeploymentCondition(&d.Status, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionTrue,
			reasonNewRSCreated, fmt.Sprintf("Created new replica set %q", created.Name), c.now()))
		statusChanged = true
	}
	if revChanged || statusChanged {
		if err := c.writeDeployment(ctx, d, revChanged); err != nil {
			return nil, err
		}
	}
	return created, nil
}

func (c *Deployment) existingReplicaSet(ctx context.Context, ns, name string) (*apps.ReplicaSet, error) {
	if rs, ok := c.rsInf.Get(ns, name); ok {
		return rs, nil
	}
	return c.rsets.Get(ctx, ns, name)
}

// cleanupHistory deletes the oldest old ReplicaSets beyond
// revisionHistoryLimit, among those scaled to zero with no pods left.
func (c *Deployment) cleanupHistory(ctx context.Context, d *apps.Deployment, old []*apps.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*apps.ReplicaSet
	for _, rs := range old {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	slices.SortStableFunc(alive, func(a, b *apps.ReplicaSet) int {
		if ra, rb := revisionOf(a), revisionOf(b); ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		return byCreation(a, b)
	})
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || replicasOf(rs.Spec.Replicas) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		c.log.Debug("deleting old replicaset beyond the history limit", "deployment", objectKey(d), "replicaset", rs.Name)
		uid := rs.UID
		err := c.rsets.Delete(ctx, rs.Namespace, rs.Name, &meta.DeleteOptions{Preconditions: &meta.Preconditions{UID: &uid}})
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrConflict) {
			return fmt.Errorf("deleting old replicaset %s: %w", rs.Name, err)
		}
	}
	return nil
}
