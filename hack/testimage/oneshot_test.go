package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOneShot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(file, []byte("10.0.0.1\tweb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ONESHOT_TEST", "yes")
	tests := []struct {
		name       string
		opts       options
		stdin      string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"echo with exit code", options{echo: "out", exitCode: 3}, "", 3, "out\n", ""},
		{"echo to both streams", options{echo: "out", echoStderr: "err"}, "", 0, "out\n", "err\n"},
		{"print file", options{printFile: file}, "", 0, "10.0.0.1\tweb\n", ""},
		{"print missing file", options{printFile: file + ".none"}, "", 1, "", "no such file"},
		{"print env", options{printEnv: true}, "", 0, "ONESHOT_TEST=yes\n", ""},
		{"cat", options{cat: true, exitCode: 5}, "a\nb", 5, "a\nb", ""},
		{"tty on a pipe", options{tty: true}, "ignored\nexit\nnot read\n", 0, "tty=false size=0x0\n", ""},
		{"tty ends at EOF", options{tty: true}, "", 0, "tty=false", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.opts.oneShot() {
				t.Fatalf("oneShot: got false for %+v, want true", tt.opts)
			}
			var stdout, stderr strings.Builder
			code := runOneShot(tt.opts, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) || (tt.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout: got %q, want %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) || (tt.wantStderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr: got %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
	if (options{sleep: true, allocMiB: 1}).oneShot() {
		t.Errorf("oneShot of sleep with alloc: got true, want false")
	}
}

func TestTouch(t *testing.T) {
	if got := len(touch(2)); got != 2<<20 {
		t.Errorf("touch(2): got %d bytes, want %d", got, 2<<20)
	}
}
