package nodeagent

import (
	"fmt"

	"github.com/wharf/wharf/api/core"
)

// EventSource is the component the agent's events name, as the kubelet's
// do, so that tools filtering on "kubelet" find them.
const EventSource = "kubelet"

// Event reasons, as the kubelet spells them.
const (
	eventPulling   = "Pulling"
	eventPulled    = "Pulled"
	eventFailed    = "Failed"
	eventBackOff   = "BackOff"
	eventCreated   = "Created"
	eventStarted   = "Started"
	eventKilling   = "Killing"
	eventUnhealthy = "Unhealthy"
)

// event records an event about pod. Simulated nodes record none: thousands
// of them would flood the API with events nobody reads.
func (a *Agent) event(pod *core.Pod, eventType, reason, format string, args ...any) {
	if a.recorder == nil || pod == nil {
		return
	}
	a.recorder.Event(pod, eventType, reason, fmt.Sprintf(format, args...))
}
