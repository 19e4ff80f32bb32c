package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ocipush:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ocipush", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ocipush [-image NAME] [-timeout D] LAYOUT HOST:PORT/NAME:TAG")
		fmt.Fprintln(stderr, "  LAYOUT is an OCI image layout tarball or directory; the registry is reached over plain HTTP.")
		fs.PrintDefaults()
	}
	timeout := fs.Duration("timeout", 5*time.Minute, "time limit of the whole push")
	image := fs.String("image", "", "which image of the layout, by tag or full name, when its index.json names several")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("want 2 arguments, got %d", fs.NArg())
	}
	ref, err := parseReference(fs.Arg(1))
	if err != nil {
		return err
	}
	l, err := openLayout(fs.Arg(0))
	if err != nil {
		return err
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p := &pusher{base: "http://" + ref.host, name: ref.name, http: &http.Client{}, layout: l, log: stdout, image: *image}
	desc, err := p.push(ctx, ref.tag)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pushed %s/%s:%s@%s\n", ref.host, ref.name, ref.tag, desc.Digest)
	return nil
}
