package batch

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

const testUID = "0b6f1c2e-0000-4000-8000-000000000001"

// causesOf lists errs as "type field", the part validation tests assert on.
func causesOf(errs validate.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

// testJob is a valid job as the server stores it: created (UID, generated
// selector) and defaulted after mutate runs.
func testJob(mutate ...func(j *Job)) *Job {
	j := &Job{
		ObjectMeta: meta.ObjectMeta{Name: "pi", Namespace: "default", UID: testUID},
		Spec: JobSpec{
			Parallelism: ptr[int32](1),
			Completions: ptr[int32](1),
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "pi"}},
				Spec: core.PodSpec{
					RestartPolicy: core.RestartPolicyNever,
					Containers:    []core.Container{{Name: "pi", Image: "perl:5.34.0"}},
				},
			},
		},
	}
	prepareJobForCreate(j)
	for _, m := range mutate {
		m(j)
	}
	DefaultJob(j)
	return j
}

func TestDefaultJob(t *testing.T) {
	tests := []struct {
		name                          string
		parallelism, completions      *int32
		wantParallelism, wantComplete *int32
	}{
		{"neither set", nil, nil, ptr[int32](1), ptr[int32](1)},
		{"completions only", nil, ptr[int32](5), ptr[int32](1), ptr[int32](5)},
		{"parallelism only: a work queue", ptr[int32](3), nil, ptr[int32](3), nil},
		{"both", ptr[int32](2), ptr[int32](4), ptr[int32](2), ptr[int32](4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &Job{Spec: JobSpec{Parallelism: tt.parallelism, Completions: tt.completions}}
			DefaultJob(j)
			if diff := cmp.Diff(tt.wantParallelism, j.Spec.Parallelism); diff != "" {
				t.Errorf("parallelism (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantComplete, j.Spec.Completions); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}

	j := &Job{Spec: JobSpec{Template: core.PodTemplateSpec{ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "pi"}}}}}
	DefaultJob(j)
	if got := *j.Spec.BackoffLimit; got != 6 {
		t.Errorf("got backoffLimit %d, want 6", got)
	}
	if got := *j.Spec.CompletionMode; got != NonIndexedCompletion {
		t.Errorf("got completionMode %q, want NonIndexed", got)
	}
	if j.Spec.Suspend == nil || *j.Spec.Suspend {
		t.Errorf("got suspend %v, want false", j.Spec.Suspend)
	}
	if diff := cmp.Diff(map[string]string{"app": "pi"}, j.Labels); diff != "" {
		t.Errorf("labels from the template (-want +got):\n%s", diff)
	}
	j.Labels["app"] = "changed"
	if j.Spec.Template.Labels["app"] != "pi" {
		t.Error("got the template's labels changed through the job's, want a copy")
	}

	own := &Job{ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"team": "a"}}, Spec: j.Spec}
	DefaultJob(own)
	if diff := cmp.Diff(map[string]string{"team": "a"}, own.Labels); diff != "" {
		t.Errorf("labels the job has (-want +got):\n%s", diff)
	}
}

func TestPrepareJobForCreate(t *testing.T) {
	j := testJob()
	if j.Generation != 1 {
		t.Errorf("got generation %d, want 1", j.Generation)
	}
	wantSelector := &meta.LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: testUID}}
	if diff := cmp.Diff(wantSelector, j.Spec.Selector); diff != "" {
		t.Errorf("selector (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{
		"app":                          "pi",
		"controller-uid":               testUID,
		"job-name":                     "pi",
		ControllerUIDLabel:             testUID,
		"batch.kubernetes.io/job-name": "pi",
	}
	if diff := cmp.Diff(wantLabels, j.Spec.Template.Labels); diff != "" {
		t.Errorf("template labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLabels, j.Labels); diff != "" {
		t.Errorf("job labels, defaulted from the template (-want +got):\n%s", diff)
	}

	manual := &Job{
		ObjectMeta: meta.ObjectMeta{Name: "m", UID: testUID},
		Spec: JobSpec{
			ManualSelector: ptr(true),
			Selector:       &meta.LabelSelector{MatchLabels: map[string]string{"app": "pi"}},
			Template:       core.PodTemplateSpec{ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "pi"}}},
		},
		Status: JobStatus{Succeeded: 3},
	}
	JobResource().PrepareForCreate(manual)
	if diff := cmp.Diff(map[string]string{"app": "pi"}, manual.Spec.Template.Labels); diff != "" {
		t.Errorf("manual selector: template labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"app": "pi"}, manual.Spec.Selector.MatchLabels); diff != "" {
		t.Errorf("manual selector: selector (-want +got):\n%s", diff)
	}
	if manual.Status.Succeeded != 0 {
		t.Errorf("got succeeded %d after create, want the status cleared", manual.Status.Succeeded)
	}
}

func TestValidateJob(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(j *Job)
		want   []string
	}{
		{"valid", func(j *Job) {}, nil},
		{"OnFailure", func(j *Job) { j.Spec.Template.Spec.RestartPolicy = core.RestartPolicyOnFailure }, nil},
		{"restart policy Always", func(j *Job) { j.Spec.Template.Spec.RestartPolicy = core.RestartPolicyAlways },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"negative counts", func(j *Job) {
			j.Spec.Parallelism, j.Spec.Completions, j.Spec.BackoffLimit = ptr[int32](-1), ptr[int32](-1), ptr[int32](-1)
			j.Spec.ActiveDeadlineSeconds, j.Spec.TTLSecondsAfterFinished = ptr[int64](-1), ptr[int32](-1)
		}, []string{
			"FieldValueInvalid spec.parallelism",
			"FieldValueInvalid spec.completions",
			"FieldValueInvalid spec.activeDeadlineSeconds",
			"FieldValueInvalid spec.backoffLimit",
			"FieldValueInvalid spec.ttlSecondsAfterFinished",
		}},
		{"zero counts", func(j *Job) {
			j.Spec.Parallelism, j.Spec.Completions, j.Spec.BackoffLimit = ptr[int32](0), ptr[int32](0), ptr[int32](0)
		}, nil},
		{"unknown completion mode", func(j *Job) { j.Spec.CompletionMode = ptr[CompletionMode]("Ordered") },
			[]string{"FieldValueNotSupported spec.completionMode"}},
		{"indexed without completions", func(j *Job) {
			j.Spec.CompletionMode, j.Spec.Parallelism = ptr(IndexedCompletion), ptr[int32](2)
			j.Spec.Completions = nil
		}, []string{"FieldValueRequired spec.completions"}},
		{"indexed too parallel", func(j *Job) {
			j.Spec.CompletionMode, j.Spec.Parallelism = ptr(IndexedCompletion), ptr[int32](100001)
		}, []string{"FieldValueInvalid spec.parallelism"}},
		{"template is validated", func(j *Job) { j.Spec.Template.Spec.Containers = nil },
			[]string{"FieldValueRequired spec.template.spec.containers"}},
		{"generated label changed", func(j *Job) { j.Spec.Template.Labels[ControllerUIDLabel] = "other" },
			[]string{"FieldValueInvalid spec.template.metadata.labels[batch.kubernetes.io/controller-uid]", "FieldValueInvalid spec.template.metadata.labels"}},
		{"generated label removed", func(j *Job) { delete(j.Spec.Template.Labels, "job-name") },
			[]string{"FieldValueRequired spec.template.metadata.labels[job-name]"}},
		{"selector copied from another job", func(j *Job) {
			j.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: "other"}}
		}, []string{"FieldValueInvalid spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{"no uid", func(j *Job) { j.UID = "" }, []string{
			"FieldValueRequired metadata.uid",
			"FieldValueInvalid spec.template.metadata.labels[controller-uid]",
			"FieldValueInvalid spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
			"FieldValueInvalid spec.selector",
		}},
		{"manual selector", func(j *Job) {
			j.Spec.ManualSelector = ptr(true)
			j.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
			j.Spec.Template.Labels = map[string]string{"app": "pi"}
		}, nil},
		{"manual selector does not match", func(j *Job) {
			j.Spec.ManualSelector = ptr(true)
			j.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
		}, []string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"manual selector missing", func(j *Job) { j.Spec.ManualSelector, j.Spec.Selector = ptr(true), nil },
			[]string{"FieldValueRequired spec.selector"}},
		{"bad selector", func(j *Job) {
			j.Spec.ManualSelector = ptr(true)
			j.Spec.Selector = &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "app", Operator: "In"}}}
		}, []string{"FieldValueRequired spec.selector.matchExpressions[0].values"}},
		{"negative status", func(j *Job) { j.Status = JobStatus{Active: -1, Succeeded: -1, Failed: -1, Ready: ptr[int32](-1)} }, []string{
			"FieldValueInvalid status.active",
			"FieldValueInvalid status.succeeded",
			"FieldValueInvalid status.failed",
			"FieldValueInvalid status.ready",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, causesOf(ValidateJob(testJob(tt.mutate)))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateJobUpdate(t *testing.T) {
	indexed := func(j *Job) {
		j.Spec.CompletionMode, j.Spec.Parallelism, j.Spec.Completions = ptr(IndexedCompletion), ptr[int32](3), ptr[int32](3)
	}
	suspended := func(j *Job) { j.Spec.Suspend = ptr(true) }
	tests := []struct {
		name      string
		old, next []func(j *Job)
		want      []string
	}{
		{"unchanged", nil, nil, nil},
		{"mutable fields", nil, []func(j *Job){func(j *Job) {
			j.Spec.Parallelism, j.Spec.BackoffLimit, j.Spec.Suspend = ptr[int32](5), ptr[int32](1), ptr(true)
			j.Spec.ActiveDeadlineSeconds, j.Spec.TTLSecondsAfterFinished = ptr[int64](60), ptr[int32](10)
		}}, nil},
		{"completions", nil, []func(j *Job){func(j *Job) { j.Spec.Completions = ptr[int32](2) }},
			[]string{"FieldValueInvalid spec.completions"}},
		{"selector", nil, []func(j *Job){func(j *Job) { j.Spec.Selector.MatchLabels["app"] = "pi" }},
			[]string{"FieldValueInvalid spec.selector"}},
		{"completion mode", nil, []func(j *Job){indexed},
			[]string{"FieldValueInvalid spec.completionMode"}},
		{"image", nil, []func(j *Job){func(j *Job) { j.Spec.Template.Spec.Containers[0].Image = "perl:5.40" }},
			[]string{"FieldValueInvalid spec.template"}},
		{"node selector of a running job", nil, []func(j *Job){func(j *Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "gpu"} }},
			[]string{"FieldValueInvalid spec.template"}},
		{"node selector of a job suspended from the start", []func(j *Job){suspended}, []func(j *Job){suspended, func(j *Job) {
			j.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "gpu"}
			j.Spec.Template.Annotations = map[string]string{"queue": "a"}
		}}, nil},
		{"image of a job suspended from the start", []func(j *Job){suspended}, []func(j *Job){suspended, func(j *Job) {
			j.Spec.Template.Spec.Containers[0].Image = "perl:5.40"
		}}, []string{"FieldValueInvalid spec.template"}},
		{"node selector of a job suspended after it started", []func(j *Job){suspended, func(j *Job) {
			j.Status.StartTime = ptr(meta.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)))
		}}, []func(j *Job){suspended, func(j *Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "gpu"} }},
			[]string{"FieldValueInvalid spec.template"}},
		{"elastic indexed job", []func(j *Job){indexed}, []func(j *Job){indexed, func(j *Job) {
			j.Spec.Parallelism, j.Spec.Completions = ptr[int32](5), ptr[int32](5)
		}}, nil},
		{"indexed completions alone", []func(j *Job){indexed}, []func(j *Job){indexed, func(j *Job) { j.Spec.Completions = ptr[int32](5) }},
			[]string{"FieldValueInvalid spec.completions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, next := testJob(tt.old...), testJob(tt.next...)
			if diff := cmp.Diff(tt.want, causesOf(ValidateJobUpdate(next, old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJobRow(t *testing.T) {
	start := meta.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	done := meta.NewTime(start.Add(100 * time.Second))
	now := start.Add(5*time.Minute + 30*time.Second)
	condition := func(c JobConditionType, s core.ConditionStatus) JobCondition { return JobCondition{Type: c, Status: s} }
	tests := []struct {
		name   string
		mutate func(j *Job)
		want   []any
	}{
		{"not started", func(j *Job) {}, []any{"pi", "Running", "0/1", "", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
		{"running", func(j *Job) {
			j.Spec.Completions = ptr[int32](3)
			j.Status = JobStatus{StartTime: &start, Succeeded: 1, Active: 2}
		}, []any{"pi", "Running", "1/3", "5m30s", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
		{"complete", func(j *Job) {
			j.Status = JobStatus{StartTime: &start, CompletionTime: &done, Succeeded: 1,
				Conditions: []JobCondition{condition(JobComplete, core.ConditionTrue)}}
		}, []any{"pi", "Complete", "1/1", "100s", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
		{"failed while being deleted", func(j *Job) {
			j.DeletionTimestamp = &done
			j.Status.Conditions = []JobCondition{condition(JobSuspended, core.ConditionTrue), condition(JobFailed, core.ConditionTrue)}
		}, []any{"pi", "Failed", "0/1", "", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
		{"terminating", func(j *Job) { j.DeletionTimestamp = &done },
			[]any{"pi", "Terminating", "0/1", "", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
		{"suspended work queue", func(j *Job) {
			j.Spec.Completions, j.Spec.Parallelism = nil, ptr[int32](4)
			j.Status.Conditions = []JobCondition{condition(JobComplete, core.ConditionFalse), condition(JobSuspended, core.ConditionTrue)}
		}, []any{"pi", "Suspended", "0/1 of 4", "", "<unknown>", "pi", "perl:5.34.0", "batch.kubernetes.io/controller-uid=" + testUID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, jobRow(testJob(tt.mutate), now)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
	r := JobResource()
	if got := len(r.Row(&Job{})); got != len(r.Columns) {
		t.Errorf("got %d cells, want one per column (%d)", got, len(r.Columns))
	}
	if got := r.FieldSet(testJob(func(j *Job) { j.Status.Succeeded = 2 }))["status.successful"]; got != "2" {
		t.Errorf("got status.successful %q, want 2", got)
	}
}

func TestJobManifestRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var j Job
	if err := codec.Decode(data, &j); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	encoded, err := json.Marshal(&j)
	if err != nil {
		t.Fatal(err)
	}
	source, err := codec.ToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(encoded, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(source, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("re-encoded job differs from the manifest (-manifest +encoded):\n%s", diff)
	}

	// The fixture is what the server stores: defaulted, and valid.
	DefaultJob(&j)
	if errs := ValidateJob(&j); len(errs) != 0 {
		t.Errorf("ValidateJob got %v, want no errors", errs)
	}
	if got := jobRow(&j, time.Now())[1:4]; !cmp.Equal(got, []any{"Complete", "4/4", "100s"}) {
		t.Errorf("got status, completions, duration %v, want Complete 4/4 100s", got)
	}

	err = codec.Decode([]byte(`{"spec":{"backoffLimitt":1}}`), &Job{})
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.backoffLimitt"`) {
		t.Errorf("Decode got error %v, want one naming unknown field spec.backoffLimitt", err)
	}
}
