package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ocipack:", err)
		os.Exit(1)
	}
}

// stringList is a flag that may be repeated; each use appends one value.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stderr io.Writer) error {
	arch := os.Getenv("GOARCH")
	if arch == "" {
		arch = runtime.GOARCH
	}
	fs := flag.NewFlagSet("ocipack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s spec
	var out string
	fs.StringVar(&s.root, "root", "", "directory whose content becomes the image's filesystem (required)")
	fs.StringVar(&s.ref, "ref", "", "full image reference NAME:TAG, e.g. wharf.local/wharf-test:1 (required)")
	fs.StringVar(&s.arch, "arch", arch, "image architecture (GOARCH naming)")
	fs.Var((*stringList)(&s.entrypoint), "entrypoint", "one entrypoint argument; repeat for more")
	fs.Var((*stringList)(&s.env), "env", "KEY=VALUE added to the image environment; repeat for more")
	fs.Var((*stringList)(&s.ports), "port", "exposed port such as 8080/tcp; repeat for more")
	fs.StringVar(&out, "out", "", "output tarball path (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case s.root == "":
		return errors.New("-root is required")
	case out == "":
		return errors.New("-out is required")
	}
	return writeFile(out, s)
}

// writeFile replaces out atomically, so a reader never sees half an image and
// an interrupted run leaves the previous one in place.
func writeFile(out string, s spec) (err error) {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".ocipack-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := pack(s, f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}
