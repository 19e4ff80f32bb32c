// Package containerlog writes and reads container log files in the CRI
// format the kubelet reads:
//
//	<RFC 3339 timestamp, nanoseconds> <stdout|stderr> <F|P> <content>
//
// one entry a line, F for a full line and P for part of one: a line longer
// than MaxLineSize is split, and a stream that ends without a newline ends
// with a P entry.
//
// The writer is a process of its own (Main), started by containerd's shim
// as a "binary" log driver (BinaryCreator): the shim hands it the
// container's stdout and stderr pipes, so the log never depends on the node
// agent being alive, and a container never blocks on a pipe the agent
// holds. Read gives what `kubectl logs` shows: tail, since, timestamps, a
// byte limit, and follow until the container exits.
package containerlog
