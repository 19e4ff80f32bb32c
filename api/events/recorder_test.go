package events_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// TestRecorderFoldsRepeats: an event recorded three times is one Event with
// count 3; a different one is a second Event; both name the object.
func TestRecorderFoldsRepeats(t *testing.T) {
	srv := apiservertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	rec := events.NewRecorder(srv.Client, "test-component", "host-1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	wg.Add(1)
	go func() { defer wg.Done(); rec.Run(ctx) }()

	pod, err := client.For[core.Pod](srv.Client).Create(ctx, "default", &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: "p"},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "c", Image: "i"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rec.Event(pod, core.EventTypeWarning, "FailedScheduling", "0/1 nodes are available")
	}
	rec.Eventf(pod, core.EventTypeNormal, "Scheduled", "Successfully assigned default/%s to n1", pod.Name)

	evs := client.For[core.Event](srv.Client)
	apiservertest.Eventually(t, 10*time.Second, func() string {
		list, err := evs.List(ctx, "default", client.ListOptions{FieldSelector: "involvedObject.name=p,involvedObject.uid=" + pod.UID})
		if err != nil {
			return err.Error()
		}
		got := map[string]int32{}
		for _, e := range list.Items {
			if e.InvolvedObject.Kind != "Pod" || e.Source.Component != "test-component" {
				return fmt.Sprintf("event %s names %s from %s", e.Name, e.InvolvedObject.Kind, e.Source.Component)
			}
			got[e.Reason] += e.Count
		}
		if len(list.Items) != 2 || got["FailedScheduling"] != 3 || got["Scheduled"] != 1 {
			return fmt.Sprintf("%d events, counts %v; want 2 events, FailedScheduling 3 and Scheduled 1", len(list.Items), got)
		}
		return ""
	})
}
