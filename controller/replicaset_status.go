package controller

import (
	"reflect"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// replicaSetStatus is rs's status given the active pods it owns: how many
// there are, how many carry every template label, are ready, and have been
// ready for minReadySeconds. A failure to create or delete pods shows as
// the ReplicaFailure condition until a sync succeeds.
func replicaSetStatus(rs *apps.ReplicaSet, pods []*core.Pod, manageErr error, now time.Time) apps.ReplicaSetStatus {
	st := rs.Status
	st.Conditions = append([]apps.ReplicaSetCondition(nil), rs.Status.Conditions...)
	tmpl := labels.SelectorFromSet(rs.Spec.Template.Labels)
	var full, ready, available int32
	for _, p := range pods {
		if tmpl.Matches(p.Labels) {
			full++
		}
		if p.IsReady() {
			ready++
			if isPodAvailable(p, rs.Spec.MinReadySeconds, now) {
				available++
			}
		}
	}
	st.Replicas = int32(len(pods))
	st.FullyLabeledReplicas = full
	st.ReadyReplicas = ready
	st.AvailableReplicas = available

	failure := replicaSetCondition(st.Conditions, apps.ReplicaSetReplicaFailure)
	switch {
	case manageErr != nil && failure == nil:
		reason := ""
		switch diff := len(pods) - int(replicasOf(rs.Spec.Replicas)); {
		case diff < 0:
			reason = "FailedCreate"
		case diff > 0:
			reason = "FailedDelete"
		}
		st.Conditions = append(st.Conditions, apps.ReplicaSetCondition{
			Type:               apps.ReplicaSetReplicaFailure,
			Status:             core.ConditionTrue,
			LastTransitionTime: meta.NewTime(now),
			Reason:             reason,
			Message:            manageErr.Error(),
		})
	case manageErr == nil && failure != nil:
		kept := st.Conditions[:0]
		for _, c := range st.Conditions {
			if c.Type != apps.ReplicaSetReplicaFailure {
				kept = append(kept, c)
			}
		}
		st.Conditions = kept
	}
	if len(st.Conditions) == 0 {
		st.Conditions = nil
	}
	return st
}

func replicaSetCondition(cs []apps.ReplicaSetCondition, t apps.ReplicaSetConditionType) *apps.ReplicaSetCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

func replicaSetStatusEqual(a, b apps.ReplicaSetStatus) bool {
	if len(a.Conditions) == 0 && len(b.Conditions) == 0 {
		a.Conditions, b.Conditions = nil, nil
	}
	return reflect.DeepEqual(a, b)
}
