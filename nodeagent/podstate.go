package nodeagent

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// podState is what the runtime holds for one pod at one moment.
type podState struct {
	// sandboxes, newest (highest attempt) first.
	sandboxes []Sandbox
	// containers by name, newest attempt first, over every sandbox, so
	// that restart counts carry over when a sandbox is replaced.
	containers map[string][]Container
}

// observe reads the pod's sandboxes and containers from the runtime.
func observe(ctx context.Context, rt Runtime, podUID string) (*podState, error) {
	sbs, err := rt.ListSandboxes(ctx, podUID)
	if err != nil {
		return nil, fmt.Errorf("listing the sandboxes of pod %s: %w", podUID, err)
	}
	slices.SortFunc(sbs, func(a, b Sandbox) int {
		return cmp.Or(cmp.Compare(b.Attempt, a.Attempt), b.CreatedAt.Compare(a.CreatedAt))
	})
	st := &podState{sandboxes: sbs, containers: map[string][]Container{}}
	for _, sb := range sbs {
		cs, err := rt.ListContainers(ctx, sb.ID)
		if err != nil {
			return nil, fmt.Errorf("listing the containers of pod %s: %w", podUID, err)
		}
		for _, c := range cs {
			st.containers[c.Name] = append(st.containers[c.Name], c)
		}
	}
	for _, cs := range st.containers {
		slices.SortFunc(cs, func(a, b Container) int {
			return cmp.Or(cmp.Compare(b.Attempt, a.Attempt), b.CreatedAt.Compare(a.CreatedAt))
		})
	}
	return st, nil
}

// sandbox returns the newest sandbox if it is ready, else nil.
func (s *podState) sandbox() *Sandbox {
	if len(s.sandboxes) > 0 && s.sandboxes[0].Ready {
		return &s.sandboxes[0]
	}
	return nil
}

// latest returns the newest instance of the named container, or nil.
func (s *podState) latest(name string) *Container {
	if cs := s.containers[name]; len(cs) > 0 {
		return &cs[0]
	}
	return nil
}

// running lists the containers that still run, in any sandbox.
func (s *podState) running() []Container {
	var out []Container
	for _, cs := range s.containers {
		for _, c := range cs {
			if c.State == ContainerRunning || c.State == ContainerCreated {
				out = append(out, c)
			}
		}
	}
	return out
}

// hasRun reports whether any container of the pod was ever started.
func (s *podState) hasRun() bool {
	for _, cs := range s.containers {
		if len(cs) > 0 {
			return true
		}
	}
	return false
}
