// Package remotecommand speaks Kubernetes' remotecommand WebSocket protocol,
// the one `kubectl exec` uses since 1.30, from both ends: ServeExec is the
// server half (the node agent's exec endpoint), Executor the client half
// (`wharf exec`).
//
// A session is one WebSocket with subprotocol v5.channel.k8s.io (or the
// older v4.channel.k8s.io). Every binary message starts with a channel
// byte: 0 stdin, 1 stdout, 2 stderr, 3 the final status, 4 terminal
// resizes as JSON {"Width":w,"Height":h}. Version 5 adds the message
// {255, ch}, which half-closes channel ch: this is how the end of the
// client's stdin reaches the command. When the command ends the server
// writes a JSON Status on channel 3 (Success, or Failure with reason
// NonZeroExitCode and the code in a cause of type ExitCode, or Failure
// with the error that kept the command from running) and closes the
// WebSocket normally; the client reads until that close.
//
// ServeExec also speaks the SPDY/3.1 dialect of kubectl 1.29 and older,
// with protocol v4 (spdy_*.go, framing written here on the standard
// library): the client opens one SPDY stream per channel, named by its
// streamType header (error, stdin, stdout, stderr, resize); the end of the
// stdin stream is the end of stdin, and the same Status arrives on the
// error stream once stdout and stderr have ended. Executor speaks
// WebSocket only.
package remotecommand
