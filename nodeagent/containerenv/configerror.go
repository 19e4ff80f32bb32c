package containerenv

// Reasons the agent reports, with Kubernetes' spelling.
const (
	// ReasonCreateContainerConfigError is the waiting reason of a container
	// whose environment cannot be built.
	ReasonCreateContainerConfigError = "CreateContainerConfigError"
	// ReasonInvalidEnvironmentVariableNames is the reason of the warning
	// event for envFrom keys that were skipped.
	ReasonInvalidEnvironmentVariableNames = "InvalidEnvironmentVariableNames"
)

// ConfigError says why a container's environment cannot be built. The agent
// puts Reason and Message in the container's waiting state and retries on
// its next sync, since the missing object may yet be created.
type ConfigError struct {
	Reason  string
	Message string
	// Err is the cause, if any, so that errors.Is(err, errdefs.ErrNotFound)
	// or context.Canceled still answer through a ConfigError.
	Err error
}

func (e *ConfigError) Error() string { return e.Message }

func (e *ConfigError) Unwrap() error { return e.Err }

func configError(cause error, message string) *ConfigError {
	return &ConfigError{Reason: ReasonCreateContainerConfigError, Message: message, Err: cause}
}
