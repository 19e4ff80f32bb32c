package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// shutdownGrace bounds how long in-flight requests may delay an exit, so
// SIGTERM always ends the process well inside a pod's grace period.
const shutdownGrace = 900 * time.Millisecond

type options struct {
	addr      string
	sleep     bool
	exitAfter time.Duration
	exitCode  int
	allocMiB  int

	// The one-shot modes, for exec: do what they ask, then exit with
	// exitCode instead of serving.
	echo       string
	echoStderr string
	printFile  string
	printEnv   bool
	cat        bool
	tty        bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the process exit code; it panics only when /crash asks it to.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if opts.allocMiB > 0 {
		// Kept until the process exits: a memory limit below it kills the
		// process at start.
		defer runtime.KeepAlive(touch(opts.allocMiB))
	}
	if opts.oneShot() {
		return runOneShot(opts, os.Stdin, stdout, stderr)
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	// Notify before announcing readiness, so a test that signals right after
	// the first log line is never racing the handler's installation.
	sigCh := make(chan os.Signal, 1)
	signal.Notify(sigCh, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigCh)

	var timeout <-chan time.Time
	if opts.exitAfter > 0 {
		timer := time.NewTimer(opts.exitAfter)
		defer timer.Stop()
		timeout = timer.C
	}

	if opts.sleep {
		logger.Info("sleeping", "exitAfter", opts.exitAfter.String())
		select {
		case sig := <-sigCh:
			logger.Info("terminating", "signal", sig.String())
			return 0
		case <-timeout:
			logger.Info("exiting", "reason", "exit-after", "code", opts.exitCode)
			return opts.exitCode
		}
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		logger.Error("listen", "addr", opts.addr, "err", err)
		return 1
	}
	exitCh := make(chan exitRequest, 1)
	srv := &http.Server{
		Handler:           newServer(logger, exitCh).routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "version", os.Getenv("VERSION"))

	req := exitRequest{}
	select {
	case sig := <-sigCh:
		logger.Info("terminating", "signal", sig.String())
	case <-timeout:
		logger.Info("exiting", "reason", "exit-after", "code", opts.exitCode)
		req.code = opts.exitCode
	case req = <-exitCh:
		logger.Info("exiting", "reason", "requested", "code", req.code, "crash", req.crash)
	case err := <-serveErr:
		logger.Error("serve", "err", err)
		return 1
	}

	// Shutdown lets the /exit or /crash response reach the client first.
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Error("shutdown", "err", err)
	}
	if req.crash {
		panic("crash requested through POST /crash")
	}
	return req.code
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	fs := flag.NewFlagSet("testimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	// "sleep" as a subcommand reads naturally in a pod spec's args.
	if len(args) > 0 && args[0] == "sleep" {
		o.sleep = true
		args = args[1:]
	}
	fs.StringVar(&o.addr, "addr", ":"+port, "listen address")
	fs.BoolVar(&o.sleep, "sleep", o.sleep, "serve nothing, wait for SIGTERM")
	fs.DurationVar(&o.exitAfter, "exit-after", 0, "exit after this long (0: never)")
	fs.IntVar(&o.exitCode, "exit-code", 0, "exit code used by -exit-after and the one-shot modes")
	fs.IntVar(&o.allocMiB, "alloc-mb", 0, "allocate and touch this many MiB at start, kept until exit")
	fs.StringVar(&o.echo, "echo", "", "one-shot: write this line to stdout")
	fs.StringVar(&o.echoStderr, "echo-stderr", "", "one-shot: write this line to stderr")
	fs.StringVar(&o.printFile, "print-file", "", "one-shot: write this file to stdout")
	fs.BoolVar(&o.printEnv, "print-env", false, "one-shot: write the environment to stdout, one variable a line")
	fs.BoolVar(&o.cat, "cat", false, "one-shot: copy stdin to stdout until EOF")
	fs.BoolVar(&o.tty, "tty", false, "one-shot: report whether stdin is a terminal and its size, again on every SIGWINCH, until stdin ends or reads \"exit\"")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.allocMiB < 0 || o.allocMiB > maxAllocMiB {
		err := fmt.Errorf("-alloc-mb must be from 0 to %d", maxAllocMiB)
		fmt.Fprintln(stderr, err)
		return o, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, err)
		return o, err
	}
	return o, nil
}
