package containerlog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestFileWriterRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	w := newTestWriter(t, path, 100)
	// Each entry is 38 bytes: two fit in 100.
	for _, s := range []string{"aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd", "eeeeeee"} {
		mustWrite(t, w, Stdout, false, s)
	}
	tests := []struct {
		path string
		want string
	}{
		{rotatedPath(path), logText(full(3, Stdout, "ccccccc"), full(4, Stdout, "ddddddd"))},
		{path, logText(full(5, Stdout, "eeeeeee"))},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s: got %q, want %q", filepath.Base(tc.path), b, tc.want)
		}
	}
	var out bytes.Buffer
	if err := Read(context.Background(), path, ReadOptions{TailLines: -1}, &out, nil); err != nil {
		t.Fatalf("Read: %v", err)
	}
	if want := "ccccccc\nddddddd\neeeeeee\n"; out.String() != want {
		t.Errorf("Read: got %q, want %q", out.String(), want)
	}
}

func TestFileWriterAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	writeFile(t, path, logText(full(0, Stdout, "before")))
	w := newTestWriter(t, path, DefaultMaxSize)
	mustWrite(t, w, Stderr, false, "after")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := logText(full(0, Stdout, "before"), full(1, Stderr, "after")); string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.write(Stdout, false, []byte("closed")); err == nil {
		t.Errorf("write after Close: got no error, want one")
	}
}

func TestRemove(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"file and rotated file", []string{"c.log", "c.log.1"}},
		{"file alone", []string{"c.log"}},
		{"nothing", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				writeFile(t, filepath.Join(dir, f), "x\n")
			}
			writeFile(t, filepath.Join(dir, "other.log"), "x\n")
			if err := Remove(filepath.Join(dir, "c.log")); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 1 || ents[0].Name() != "other.log" {
				t.Errorf("left: got %v, want only other.log", ents)
			}
		})
	}
}
