package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/wharf/wharf/api/errdefs"
)

func TestErrorLine(t *testing.T) {
	pods := errdefs.Resource{Resource: "pods"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "API error as kubectl prints it",
			err:  errdefs.NotFound(pods, "x"),
			want: `Error from server (NotFound): pods "x" not found`,
		},
		{
			name: "wrapped API error keeps the context",
			err:  fmt.Errorf("error when creating %q: %w", "web.yaml", errdefs.AlreadyExists(errdefs.Resource{Group: "apps", Resource: "deployments"}, "web")),
			want: `Error from server (AlreadyExists): error when creating "web.yaml": deployments.apps "web" already exists`,
		},
		{
			name: "API error without a reason",
			err:  &errdefs.Error{Message: "teapot"},
			want: "Error from server: teapot",
		},
		{
			name: "client-side error",
			err:  errors.New(`the server doesn't have a resource type "foo"`),
			want: `error: the server doesn't have a resource type "foo"`,
		},
		{
			name: "a multi-line message stays on one line",
			err:  errors.New("first\nsecond\n"),
			want: "error: first; second",
		},
		{
			name: "connection refused names the server",
			err:  &url.Error{Op: "Get", URL: "https://127.0.0.1:6443/api/v1/pods", Err: syscall.ECONNREFUSED},
			want: "error: the connection to the server 127.0.0.1:6443 was refused - is Wharf running? ('wharf server' or 'make up' starts it)",
		},
		{
			name: "interrupted",
			err:  fmt.Errorf("listing: %w", context.Canceled),
			want: "error: interrupted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorLine(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunPrintsEachJoinedErrorOnItsLine(t *testing.T) {
	joined := errors.Join(errdefs.NotFound(errdefs.Resource{Resource: "pods"}, "a"), errors.Join(errors.New("bad file")))
	got := flatten(joined)
	if len(got) != 2 {
		t.Fatalf("got %d errors, want 2", len(got))
	}
	if l := errorLine(got[1]); l != "error: bad file" {
		t.Errorf("got %q, want %q", l, "error: bad file")
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"client version needs no server", []string{"version", "--client"}, 0, "Client Version: ", ""},
		{"unknown flag", []string{"get", "pods", "--bogus"}, 1, "", "error: unknown flag: --bogus (see 'wharf get --help')\n"},
		{"unknown command", []string{"frobnicate"}, 1, "", `error: unknown command "frobnicate" for "wharf"`},
		{"bad output format", []string{"get", "pods", "-o", "xml"}, 1, "", `error: unable to match a printer suitable for the output format "xml", allowed formats are: wide,yaml,json,name`},
		{"apply without files", []string{"apply"}, 1, "", "error: must specify -f"},
		{"delete with a bad cascade", []string{"delete", "pods", "--all", "--cascade=sideways"}, 1, "", `error: invalid cascade value (sideways)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if !strings.HasPrefix(out.String(), tt.wantStdout) {
				t.Errorf("stdout %q, want it to start with %q", out.String(), tt.wantStdout)
			}
			if !strings.HasPrefix(errOut.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want it to start with %q", errOut.String(), tt.wantStderr)
			}
			if n := strings.Count(errOut.String(), "\n"); n > 1 {
				t.Errorf("stderr has %d lines, want at most one: %q", n, errOut.String())
			}
		})
	}
}
