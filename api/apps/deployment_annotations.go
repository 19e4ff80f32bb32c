package apps

// Names the Deployment controller writes and the rollout commands read.
// They are Kubernetes' own, which kubectl and dashboards read too.
const (
	// RevisionAnnotation numbers a ReplicaSet's revision (and, on the
	// Deployment, the current one).
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// RevisionHistoryAnnotation lists the earlier numbers a ReplicaSet had
	// before a rollback made it current again.
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	// DesiredReplicasAnnotation and MaxReplicasAnnotation record the
	// Deployment's size for proportional scaling.
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	// ChangeCauseAnnotation is what `rollout history` shows per revision.
	ChangeCauseAnnotation = "kubernetes.io/change-cause"
	// PodTemplateHashLabel tells apart the pods of a Deployment's ReplicaSets.
	PodTemplateHashLabel = "pod-template-hash"
	// ProgressDeadlineExceededReason is the Progressing condition's reason
	// once progressDeadlineSeconds has passed without progress.
	ProgressDeadlineExceededReason = "ProgressDeadlineExceeded"
)
