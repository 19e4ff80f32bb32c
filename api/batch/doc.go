// Package batch is the batch/v1 API group: Jobs, which run pods until a
// number of them succeed, with Kubernetes' wire format, defaults,
// validation, and the selector the server generates so that a job's pods
// belong to it alone.
package batch
