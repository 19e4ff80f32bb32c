// Command testimage is the program inside Wharf's end-to-end test image
// (wharf.local/wharf-test:1 and :2, built by hack/build-test-image.sh).
//
// It is an HTTP server whose behaviour tests can steer from outside, so one
// image covers readiness, liveness, restarts, crash loops, OOM kills, volumes
// and rolling updates. It listens on :$PORT (default 8080) and logs one line
// per request to stdout:
//
//	GET  /               JSON: hostname, podIP, version ($VERSION), env
//	GET  /healthz        200, or 500 after POST /healthz/fail
//	POST /healthz/fail   make /healthz answer 500
//	POST /healthz/ok     make /healthz answer 200 again
//	POST /exit?code=N    answer, then exit with code N
//	POST /crash          answer, then panic (exit code 2)
//	GET  /alloc?mb=N     allocate, touch and keep N more MiB
//	GET  /files?path=P   a file's content, or a directory's entry names
//
// SIGTERM or SIGINT logs "terminating" and exits 0 within a second.
//
// Flags:
//
//	-sleep               serve nothing; wait for SIGTERM (init containers)
//	-exit-after D        exit after duration D, in either mode
//	-exit-code N         exit code used by -exit-after and one-shot modes (default 0)
//	-addr HOST:PORT      listen address (default ":$PORT")
//	-alloc-mb N          allocate and touch N MiB at start (OOM kills at start)
//
// The image has no shell, so exec tests run the program itself in a one-shot
// mode: it does what these flags ask, in this order, then exits with
// -exit-code instead of serving.
//
//	-echo TEXT           write TEXT and a newline to stdout
//	-echo-stderr TEXT    write TEXT and a newline to stderr
//	-print-file PATH     write the file to stdout (exit 1 if unreadable)
//	-print-env           write the environment, one variable a line
//	-cat                 copy stdin to stdout until EOF
//	-tty                 write "tty=BOOL size=COLSxROWS" for stdin, then
//	                     "size=COLSxROWS" on every SIGWINCH, until stdin ends
//	                     or a line reads "exit"
package main
