package controller

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Condition reasons, exactly as Kubernetes writes them: `kubectl rollout
// status` and dashboards read them.
const (
	reasonNewRSCreated        = "NewReplicaSetCreated"
	reasonFoundNewRS          = "FoundNewReplicaSet"
	reasonRSUpdated           = "ReplicaSetUpdated"
	reasonNewRSAvailable      = "NewReplicaSetAvailable"
	reasonTimedOut            = apps.ProgressDeadlineExceededReason
	reasonPaused              = "DeploymentPaused"
	reasonResumed             = "DeploymentResumed"
	reasonFailedRSCreate      = "ReplicaSetCreateError"
	reasonMinimumAvailable    = "MinimumReplicasAvailable"
	reasonMinimumUnavailable  = "MinimumReplicasUnavailable"
	reasonScalingReplicaSet   = "ScalingReplicaSet"
	reasonSelectingAll        = "SelectingAll"
	messageMinimumAvailable   = "Deployment has minimum availability."
	messageMinimumUnavailable = "Deployment does not have minimum availability."
)

func newDeploymentCondition(t apps.DeploymentConditionType, s core.ConditionStatus, reason, msg string, now time.Time) apps.DeploymentCondition {
	ts := meta.NewTime(now)
	return apps.DeploymentCondition{Type: t, Status: s, LastUpdateTime: ts, LastTransitionTime: ts, Reason: reason, Message: msg}
}

func deploymentCondition(st apps.DeploymentStatus, t apps.DeploymentConditionType) *apps.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setDeploymentCondition puts c into st, unless a condition of its type
// with the same status and reason is there already; the transition time
// is kept while the status stays the same.
func setDeploymentCondition(st *apps.DeploymentStatus, c apps.DeploymentCondition) {
	cur := deploymentCondition(*st, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeDeploymentCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeDeploymentCondition(st *apps.DeploymentStatus, t apps.DeploymentConditionType) {
	var kept []apps.DeploymentCondition
	for _, c := range st.Conditions {
		if c.Type != t {
			kept = append(kept, c)
		}
	}
	st.Conditions = kept
}

// hasProgressDeadline: a deadline of MaxInt32 seconds means none.
func hasProgressDeadline(d *apps.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// deploymentStatus is d's status computed from its ReplicaSets, with the
// Available condition; the other conditions are carried over.
func deploymentStatus(d *apps.Deployment, all []*apps.ReplicaSet, newRS *apps.ReplicaSet, now time.Time) apps.DeploymentStatus {
	var actual, ready, available, updated int32
	for _, rs := range all {
		if rs == nil {
			continue
		}
		actual += rs.Status.Replicas
		ready += rs.Status.ReadyReplicas
		available += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		updated = newRS.Status.Replicas
	}
	st := apps.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            actual,
		UpdatedReplicas:     updated,
		ReadyReplicas:       ready,
		AvailableReplicas:   available,
		UnavailableReplicas: max(0, specReplicas(all)-available),
		CollisionCount:      d.Status.CollisionCount,
		Conditions:          append([]apps.DeploymentCondition(nil), d.Status.Conditions...),
	}
	if available >= replicasOf(d.Spec.Replicas)-maxUnavailable(d) {
		setDeploymentCondition(&st, newDeploymentCondition(apps.DeploymentAvailable, core.ConditionTrue, reasonMinimumAvailable, messageMinimumAvailable, now))
	} else {
		setDeploymentCondition(&st, newDeploymentCondition(apps.DeploymentAvailable, core.ConditionFalse, reasonMinimumUnavailable, messageMinimumUnavailable, now))
	}
	return st
}

// deploymentComplete: every replica is updated and available, and the
// status describes the current spec.
func deploymentComplete(d *apps.Deployment, st *apps.DeploymentStatus) bool {
	want := replicasOf(d.Spec.Replicas)
	return st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want &&
		st.ObservedGeneration >= d.Generation
}

// deploymentProgressing: st shows progress over d's last status: more
// updated, ready or available pods, or fewer old ones.
func deploymentProgressing(d *apps.Deployment, st *apps.DeploymentStatus) bool {
	old := d.Status
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

// deploymentTimedOut: no progress recorded for progressDeadlineSeconds.
func deploymentTimedOut(d *apps.Deployment, st *apps.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := deploymentCondition(*st, apps.DeploymentProgressing)
	if c == nil {
		return false
	}
	switch c.Reason {
	case reasonNewRSAvailable:
		return false // a finished rollout cannot time out
	case reasonTimedOut:
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(now)
}

// replicaFailure is the ReplicaFailure condition to show on the
// deployment: the new ReplicaSet's, else any old one's.
func replicaFailure(all []*apps.ReplicaSet, newRS *apps.ReplicaSet) *apps.DeploymentCondition {
	for _, rs := range append([]*apps.ReplicaSet{newRS}, all...) {
		if rs == nil {
			continue
		}
		if c := replicaSetCondition(rs.Status.Conditions, apps.ReplicaSetReplicaFailure); c != nil {
			return &apps.DeploymentCondition{
				Type: apps.DeploymentReplicaFailure, Status: c.Status, Reason: c.Reason, Message: c.Message,
				LastUpdateTime: c.LastTransitionTime, LastTransitionTime: c.LastTransitionTime,
			}
		}
	}
	return nil
}

// rolloutStatus is d's status during a rollout: deploymentStatus plus the
// Progressing condition (complete, progressing, or past its deadline) and
// ReplicaFailure.
func rolloutStatus(d *apps.Deployment, all []*apps.ReplicaSet, newRS *apps.ReplicaSet, now time.Time) apps.DeploymentStatus {
	st := deploymentStatus(d, all, newRS, now)
	if !hasProgressDeadline(d) {
		removeDeploymentCondition(&st, apps.DeploymentProgressing)
	}
	cur := deploymentCondition(d.Status, apps.DeploymentProgressing)
	complete := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == reasonNewRSAvailable
	if hasProgressDeadline(d) && !complete {
		switch {
		case deploymentComplete(d, &st):
			msg := fmt.Sprintf("Deployment %q has successfully progressed.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name)
			}
			setDeploymentCondition(&st, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionTrue, reasonNewRSAvailable, msg, now))
		case deploymentProgressing(d, &st):
			msg := fmt.Sprintf("Deployment %q is progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q is progressing.", newRS.Name)
			}
			c := newDeploymentCondition(apps.DeploymentProgressing, core.ConditionTrue, reasonRSUpdated, msg, now)
			// Progress moves lastUpdateTime on even with the same reason,
			// which is what the deadline is measured from.
			if cur != nil {
				if cur.Status == core.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeDeploymentCondition(&st, apps.DeploymentProgressing)
			}
			setDeploymentCondition(&st, c)
		case deploymentTimedOut(d, &st, now):
			msg := fmt.Sprintf("Deployment %q has timed out progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has timed out progressing.", newRS.Name)
			}
			setDeploymentCondition(&st, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionFalse, reasonTimedOut, msg, now))
		}
	}
	if f := replicaFailure(all, newRS); f != nil {
		setDeploymentCondition(&st, *f)
	} else {
		removeDeploymentCondition(&st, apps.DeploymentReplicaFailure)
	}
	return st
}

// stuckRecheck is when to look at d again to see whether its rollout
// has run out of time, as nothing else might trigger a sync: never (<0)
// when it has no deadline, is complete or has timed out already.
func stuckRecheck(d *apps.Deployment, st *apps.DeploymentStatus, now time.Time) time.Duration {
	cur := deploymentCondition(d.Status, apps.DeploymentProgressing)
	if !hasProgressDeadline(d) || cur == nil {
		return -1
	}
	if deploymentComplete(d, st) || cur.Reason == reasonTimedOut {
		return -1
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return cur.LastUpdateTime.Add(deadline).Sub(now)
}

// syncRolloutStatus writes d's rollout status if it changed, and arranges
// for the progress deadline to be checked.
func (c *Deployment) syncRolloutStatus(ctx context.Context, d *apps.Deployment, all []*apps.ReplicaSet, newRS *apps.ReplicaSet) error {
	now := c.now()
	st := rolloutStatus(d, all, newRS, now)
	if deploymentStatusEqual(d.Status, st) {
		c.requeueStuck(d, &st, now)
		return nil
	}
	d.Status = st
	return c.writeDeployment(ctx, d, false)
}

// syncDeploymentStatus writes d's status, without touching Progressing,
// if it changed: for scaling and paused deployments.
func (c *Deployment) syncDeploymentStatus(ctx context.Context, d *apps.Deployment, all []*apps.ReplicaSet, newRS *apps.ReplicaSet) error {
	st := deploymentStatus(d, all, newRS, c.now())
	if deploymentStatusEqual(d.Status, st) {
		return nil
	}
	d.Status = st
	return c.writeDeployment(ctx, d, false)
}

func (c *Deployment) requeueStuck(d *apps.Deployment, st *apps.DeploymentStatus, now time.Time) {
	after := stuckRecheck(d, st, now)
	switch {
	case after < 0:
	case after < time.Second:
		c.queue.AddRateLimited(objectKey(d))
	default:
		c.queue.AddAfter(objectKey(d), after)
	}
}

// checkPausedConditions turns Progressing to Unknown/DeploymentPaused when
// d is paused and to Unknown/DeploymentResumed when it resumes, so the
// deadline does not count paused time; a timed-out rollout keeps saying
// so.
func (c *Deployment) checkPausedConditions(ctx context.Context, d *apps.Deployment) error {
	if !hasProgressDeadline(d) {
		return nil
	}
	cur := deploymentCondition(d.Status, apps.DeploymentProgressing)
	if cur != nil && cur.Reason == reasonTimedOut {
		return nil
	}
	pausedCond := cur != nil && cur.Reason == reasonPaused
	switch {
	case d.Spec.Paused && !pausedCond:
		setDeploymentCondition(&d.Status, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionUnknown, reasonPaused, "Deployment is paused", c.now()))
	case !d.Spec.Paused && pausedCond:
		setDeploymentCondition(&d.Status, newDeploymentCondition(apps.DeploymentProgressing, core.ConditionUnknown, reasonResumed, "Deployment is resumed", c.now()))
	default:
		return nil
	}
	return c.writeDeployment(ctx, d, false)
}

func deploymentStatusEqual(a, b apps.DeploymentStatus) bool {
	if len(a.Conditions) == 0 && len(b.Conditions) == 0 {
		a.Conditions, b.Conditions = nil, nil
	}
	return reflect.DeepEqual(a, b)
}
