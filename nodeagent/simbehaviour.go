package nodeagent

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/core"
)

// Pod annotations that tell the simulated runtime how a pod's containers
// behave. Real runtimes ignore them.
const (
	// AnnotationExitCode is the exit code ("3") the pod's containers exit
	// with. Setting it makes every app container exit, even in a pod
	// with restartPolicy Always; without it only run-to-completion pods'
	// containers exit, with 0.
	AnnotationExitCode = "sim.wharf.dev/exit-code"
	// AnnotationRunSeconds is how long ("2", "0.5") the pod's containers
	// run before they exit, instead of the agent's --run-duration. Like
	// AnnotationExitCode it makes every app container exit.
	AnnotationRunSeconds = "sim.wharf.dev/run-seconds"
	// AnnotationFail "true" makes every container of the pod, init
	// containers too, exit 1 right after it starts, so that a pod with
	// restartPolicy Always goes into CrashLoopBackOff.
	AnnotationFail = "sim.wharf.dev/fail"
	// AnnotationIgnoreSIGTERM "true" makes the pod's containers ignore
	// SIGTERM, so that stopping one takes the whole grace period and ends
	// with SIGKILL (exit code 137).
	AnnotationIgnoreSIGTERM = "sim.wharf.dev/ignore-sigterm"
)

// Exit codes and reasons of simulated containers.
const (
	exitCodeKilled    = 137 // 128 + SIGKILL
	exitCodeBadConfig = 2
	reasonCompleted   = "Completed"
	reasonError       = "Error"
)

// program is what a simulated container does once started.
type program struct {
	// exits says the container ends by itself after runFor, with exitCode.
	exits    bool
	runFor   time.Duration
	exitCode int32
	// message explains an exit caused by a malformed annotation.
	message       string
	ignoreSIGTERM bool
}

// programFor reads the container's behaviour from its pod's annotations:
// init containers and run-to-completion pods' containers finish after
// runDuration; the annotations above change that.
func programFor(annotations map[string]string, policy core.RestartPolicy, init bool, runDuration time.Duration) program {
	p := program{runFor: runDuration, ignoreSIGTERM: annotations[AnnotationIgnoreSIGTERM] == "true"}
	if annotations[AnnotationFail] == "true" {
		return program{exits: true, exitCode: 1, ignoreSIGTERM: p.ignoreSIGTERM}
	}
	p.exits = init || policy == core.RestartPolicyNever || policy == core.RestartPolicyOnFailure
	if s, ok := annotations[AnnotationRunSeconds]; ok {
		secs, err := strconv.ParseFloat(s, 64)
		if err != nil || secs < 0 {
			return badAnnotation(AnnotationRunSeconds, s, "a number of seconds, 0 or more")
		}
		p.exits, p.runFor = true, time.Duration(secs*float64(time.Second))
	}
	if s, ok := annotations[AnnotationExitCode]; ok && !init {
		code, err := strconv.ParseInt(s, 10, 32)
		if err != nil || code < 0 || code > 255 {
			return badAnnotation(AnnotationExitCode, s, "an integer from 0 to 255")
		}
		p.exits, p.exitCode = true, int32(code)
	}
	return p
}

// badAnnotation is a program that fails at once and says why, so that a
// typo shows in the pod's status instead of being ignored.
func badAnnotation(name, value, want string) program {
	return program{exits: true, exitCode: exitCodeBadConfig,
		message: fmt.Sprintf("annotation %s: %q is not %s", name, value, want)}
}

func exitReason(code int32) string {
	if code == 0 {
		return reasonCompleted
	}
	return reasonError
}
