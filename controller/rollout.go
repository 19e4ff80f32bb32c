package controller

import (
	"math"
	"slices"
	"strconv"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/meta"
)

// The arithmetic of rollouts, as Kubernetes' deployment controller does
// it, in pure functions of a Deployment and its ReplicaSets: each returns
// the resizes one sync should make (rsScale), which the controller then
// writes. A rolling update moves in alternating steps, each a sync of its
// own: scale the new ReplicaSet up as far as maxSurge allows, then scale
// old ones down as far as maxUnavailable allows, and again as the pods
// become available.
//
// Two guards go beyond Kubernetes, so that the bounds hold even while the
// ReplicaSet controller has yet to act on a resize: a ReplicaSet counts as
// max(spec.replicas, status.replicas) pods toward the surge (an old one
// scaled down keeps its pods until they are deleted), and as
// min(status.availableReplicas, spec.replicas) available pods (an old one
// scaled down will lose them). With statuses in step with specs both are
// exactly Kubernetes' numbers.

// rsScale is one resize: rs to size to.
type rsScale struct {
	rs *apps.ReplicaSet
	to int32
}

func isRollingUpdate(d *apps.Deployment) bool {
	return d.Spec.Strategy.Type == apps.RollingUpdateDeploymentStrategyType
}

// rollingBounds resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against desired. Both zero would leave a rollout no room to move,
// so maxUnavailable becomes 1: rounding down can get there even though
// validation forbids asking for it.
func rollingBounds(d *apps.Deployment, desired int32) (surge, unavailable int32) {
	var s, u *meta.IntOrString
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		s, u = ru.MaxSurge, ru.MaxUnavailable
	}
	resolve := func(v *meta.IntOrString, up bool) int32 {
		if v == nil {
			return 0
		}
		n, err := v.ScaledValue(int(desired), up)
		if err != nil {
			return 0
		}
		return int32(n)
	}
	surge, unavailable = resolve(s, true), resolve(u, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// maxSurge is how many pods beyond spec.replicas a rollout may run.
func maxSurge(d *apps.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	s, _ := rollingBounds(d, replicasOf(d.Spec.Replicas))
	return s
}

// maxUnavailable is how many of spec.replicas may be unavailable during a
// rollout; never more than spec.replicas.
func maxUnavailable(d *apps.Deployment) int32 {
	want := replicasOf(d.Spec.Replicas)
	if !isRollingUpdate(d) || want == 0 {
		return 0
	}
	_, u := rollingBounds(d, want)
	return min(u, want)
}

// specReplicas is the sum of the replicas the ReplicaSets ask for.
func specReplicas(rss []*apps.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += replicasOf(rs.Spec.Replicas)
		}
	}
	return n
}

// podsUpperBound is how many pods the ReplicaSets may have right now.
func podsUpperBound(rss []*apps.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += max(replicasOf(rs.Spec.Replicas), rs.Status.Replicas)
		}
	}
	return n
}

// availableLowerBound is how many available pods the ReplicaSets are
// sure to keep.
func availableLowerBound(rss []*apps.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += min(rs.Status.AvailableReplicas, replicasOf(rs.Spec.Replicas))
		}
	}
	return n
}

// newReplicaSetTarget is the size the new ReplicaSet should grow to now:
// all of spec.replicas for Recreate; for a rolling update, as far as the
// surge leaves room above the pods all ReplicaSets have.
func newReplicaSetTarget(d *apps.Deployment, all []*apps.ReplicaSet, newRS *apps.ReplicaSet) int32 {
	want := replicasOf(d.Spec.Replicas)
	if !isRollingUpdate(d) {
		return want
	}
	cur := replicasOf(newRS.Spec.Replicas)
	total := want + maxSurge(d)
	pods := podsUpperBound(all)
	if pods >= total {
		return cur // no room to surge
	}
	return cur + min(total-pods, want-cur)
}

// scaleUpNew is the rolling update's first step: the new ReplicaSet's
// resize, if any.
func scaleUpNew(d *apps.Deployment, newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) []rsScale {
	want, cur := replicasOf(d.Spec.Replicas), replicasOf(newRS.Spec.Replicas)
	switch {
	case cur == want:
		return nil
	case cur > want:
		return []rsScale{{newRS, want}}
	}
	all := append(slices.Clip(oldRSs), newRS)
	if to := newReplicaSetTarget(d, all, newRS); to != cur {
		return []rsScale{{newRS, to}}
	}
	return nil
}

// scaleDownOld is the rolling update's second step: shrink old
// ReplicaSets, first their unavailable pods (which cost no availability),
// then available ones down to replicas-maxUnavailable available pods in
// all, oldest ReplicaSets first.
func scaleDownOld(d *apps.Deployment, newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) []rsScale {
	if specReplicas(oldRSs) == 0 {
		return nil
	}
	all := append(slices.Clip(oldRSs), newRS)
	minAvailable := replicasOf(d.Spec.Replicas) - maxUnavailable(d)
	var newUnavailable int32
	if newRS != nil {
		newUnavailable = replicasOf(newRS.Spec.Replicas) - min(newRS.Status.AvailableReplicas, replicasOf(newRS.Spec.Replicas))
	}
	maxScaledDown := specReplicas(all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return nil
	}

	// Work on sizes, oldest first, so the two passes compose.
	olds := slices.Clone(oldRSs)
	slices.SortStableFunc(olds, byCreation)
	size := make([]int32, len(olds))
	for i, rs := range olds {
		size[i] = replicasOf(rs.Spec.Replicas)
	}

	// Pass 1: unhealthy pods first; removing them loses nothing.
	var cleaned int32
	for i, rs := range olds {
		if cleaned >= maxScaledDown {
			break
		}
		avail := min(rs.Status.AvailableReplicas, size[i])
		if size[i] == 0 || size[i] == avail {
			continue
		}
		n := min(maxScaledDown-cleaned, size[i]-avail)
		size[i] -= n
		cleaned += n
	}

	// Pass 2: available pods, down to minAvailable in all.
	var available int32
	if newRS != nil {
		available = min(newRS.Status.AvailableReplicas, replicasOf(newRS.Spec.Replicas))
	}
	for i, rs := range olds {
		available += min(rs.Status.AvailableReplicas, size[i])
	}
	if available > minAvailable {
		budget := available - minAvailable
		for i := range olds {
			if budget <= 0 {
				break
			}
			if size[i] == 0 {
				continue
			}
			n := min(size[i], budget)
			size[i] -= n
			budget -= n
		}
	}

	var out []rsScale
	for i, rs := range olds {
		if size[i] != replicasOf(rs.Spec.Replicas) {
			out = append(out, rsScale{rs, size[i]})
		}
	}
	return out
}

// rollingStep is the resizes of one step of a rolling update: the new
// ReplicaSet up if there is room, else old ones down if availability
// allows, else nothing.
func rollingStep(d *apps.Deployment, newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) []rsScale {
	if steps := scaleUpNew(d, newRS, oldRSs); len(steps) > 0 {
		return steps
	}
	return scaleDownOld(d, newRS, activeReplicaSets(oldRSs))
}

// activeReplicaSets are those asking for pods.
func activeReplicaSets(rss []*apps.ReplicaSet) []*apps.ReplicaSet {
	var out []*apps.ReplicaSet
	for _, rs := range rss {
		if rs != nil && replicasOf(rs.Spec.Replicas) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// activeOrLatest is the one ReplicaSet with pods, or, when none has, the
// new one or else the newest old one; nil when several have pods.
func activeOrLatest(newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) *apps.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	olds := slices.Clone(oldRSs)
	slices.SortStableFunc(olds, func(a, b *apps.ReplicaSet) int { return byCreation(b, a) })
	active := activeReplicaSets(append(slices.Clip(olds), newRS))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return olds[0]
	case 1:
		return active[0]
	}
	return nil
}

// saturated reports whether the new ReplicaSet runs the whole deployment.
func saturated(d *apps.Deployment, rs *apps.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	want := replicasOf(d.Spec.Replicas)
	desired, ok := int32Annotation(rs, apps.DesiredReplicasAnnotation)
	return ok && replicasOf(rs.Spec.Replicas) == want && desired == want && rs.Status.AvailableReplicas == want
}

// proportionalScale resizes the ReplicaSets when spec.replicas changed
// (or the deployment is paused): one active ReplicaSet takes the new size;
// several, mid-rollout, share the change in proportion to their sizes, so
// that scaling does not finish or undo the rollout. Every active
// ReplicaSet is listed, even at its current size, so that its replica
// annotations get updated.
func proportionalScale(d *apps.Deployment, newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) []rsScale {
	want := replicasOf(d.Spec.Replicas)
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if replicasOf(rs.Spec.Replicas) == want {
			return nil
		}
		return []rsScale{{rs, want}}
	}
	if saturated(d, newRS) {
		var out []rsScale
		for _, rs := range activeReplicaSets(oldRSs) {
			out = append(out, rsScale{rs, 0})
		}
		return out
	}
	if !isRollingUpdate(d) {
		return nil
	}
	all := activeReplicaSets(append(slices.Clip(oldRSs), newRS))
	var allowed int32
	if want > 0 {
		allowed = want + maxSurge(d)
	}
	toAdd := allowed - specReplicas(all)
	switch {
	case toAdd > 0:
		// Growing: the biggest, then newest, take the most.
		slices.SortStableFunc(all, func(a, b *apps.ReplicaSet) int {
			if c := bySize(a, b); c != 0 {
				return c
			}
			return byCreation(b, a)
		})
	case toAdd < 0:
		// Shrinking: the biggest, then oldest, give the most.
		slices.SortStableFunc(all, func(a, b *apps.ReplicaSet) int {
			if c := bySize(a, b); c != 0 {
				return c
			}
			return byCreation(a, b)
		})
	}
	sizes := make([]int32, len(all))
	var added int32
	for i, rs := range all {
		sizes[i] = replicasOf(rs.Spec.Replicas)
		if toAdd != 0 {
			p := proportion(d, rs, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	if toAdd != 0 && len(all) > 0 {
		// Rounding leftovers go to the largest.
		sizes[0] = max(0, sizes[0]+toAdd-added)
	}
	out := make([]rsScale, len(all))
	for i, rs := range all {
		out[i] = rsScale{rs, sizes[i]}
	}
	return out
}

// proportion is rs's share of toAdd replicas (negative: to remove), of
// which added have been handed out already.
func proportion(d *apps.Deployment, rs *apps.ReplicaSet, toAdd, added int32) int32 {
	if rs == nil || replicasOf(rs.Spec.Replicas) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(d, rs)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(f, allowed)
	}
	return max(f, allowed)
}

// fraction is how much rs should change so that it keeps its share of the
// deployment: its size scaled by the deployment's new maximum over the
// maximum it was last sized for (its max-replicas annotation).
func fraction(d *apps.Deployment, rs *apps.ReplicaSet) int32 {
	size := replicasOf(rs.Spec.Replicas)
	want := replicasOf(d.Spec.Replicas)
	if want == 0 {
		return -size
	}
	total := want + maxSurge(d)
	annotated, ok := int32Annotation(rs, apps.MaxReplicasAnnotation)
	if !ok {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0
	}
	return int32(math.Round(float64(size)*float64(total)/float64(annotated))) - size
}

// int32Annotation reads a numeric annotation of rs.
func int32Annotation(rs *apps.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// byCreation orders ReplicaSets oldest first, then by name.
func byCreation(a, b *apps.ReplicaSet) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	switch {
	case a.Name < b.Name:
		return -1
	case a.Name > b.Name:
		return 1
	}
	return 0
}

// bySize orders ReplicaSets largest first.
func bySize(a, b *apps.ReplicaSet) int {
	return int(replicasOf(b.Spec.Replicas)) - int(replicasOf(a.Spec.Replicas))
}

// scalingEvent reports whether spec.replicas changed since the active
// ReplicaSets were last sized: their desired-replicas annotation differs.
func scalingEvent(d *apps.Deployment, newRS *apps.ReplicaSet, oldRSs []*apps.ReplicaSet) bool {
	want := replicasOf(d.Spec.Replicas)
	for _, rs := range activeReplicaSets(append(slices.Clip(oldRSs), newRS)) {
		if desired, ok := int32Annotation(rs, apps.DesiredReplicasAnnotation); ok && desired != want {
			return true
		}
	}
	return false
}
