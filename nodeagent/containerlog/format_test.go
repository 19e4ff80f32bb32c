package containerlog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendEntry(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	tests := []struct {
		name    string
		stream  string
		partial bool
		content string
		want    string
	}{
		{"full line", Stdout, false, "hello world", "2024-01-02T03:04:05.0000006Z stdout F hello world\n"},
		{"partial line", Stderr, true, "abc", "2024-01-02T03:04:05.0000006Z stderr P abc\n"},
		{"empty line", Stdout, false, "", "2024-01-02T03:04:05.0000006Z stdout F \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendEntry(nil, ts, tc.stream, tc.partial, []byte(tc.content))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseEntry(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	type parsed struct {
		TS      time.Time
		TSRaw   string
		Stream  stream
		Partial bool
		Content string
	}
	tests := []struct {
		name   string
		line   string
		want   parsed
		wantOK bool
	}{
		{"full", "2024-01-02T03:04:05.0000006Z stdout F hello world", parsed{ts, "2024-01-02T03:04:05.0000006Z", streamStdout, false, "hello world"}, true},
		{"partial stderr", "2024-01-02T03:04:05.0000006Z stderr P  two spaces", parsed{ts, "2024-01-02T03:04:05.0000006Z", streamStderr, true, " two spaces"}, true},
		{"empty content", "2024-01-02T03:04:05.0000006Z stdout F ", parsed{ts, "2024-01-02T03:04:05.0000006Z", streamStdout, false, ""}, true},
		{"no content separator", "2024-01-02T03:04:05.0000006Z stdout F", parsed{ts, "2024-01-02T03:04:05.0000006Z", streamStdout, false, ""}, true},
		{"more tags", "2024-01-02T03:04:05.0000006Z stdout P:x y", parsed{ts, "2024-01-02T03:04:05.0000006Z", streamStdout, true, "y"}, true},
		{"time zone offset", "2024-01-02T04:04:05.0000006+01:00 stdout F z", parsed{ts, "2024-01-02T04:04:05.0000006+01:00", streamStdout, false, "z"}, true},
		{"raw text", "hello world", parsed{}, false},
		{"bad stream", "2024-01-02T03:04:05Z stdin F x", parsed{}, false},
		{"bad tag", "2024-01-02T03:04:05Z stdout X x", parsed{}, false},
		{"no tag", "2024-01-02T03:04:05Z stdout ", parsed{}, false},
		{"empty", "", parsed{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := parseEntry([]byte(tc.line))
			if ok != tc.wantOK {
				t.Fatalf("ok: got %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			got := parsed{e.ts, string(e.tsRaw), e.stream, e.partial, string(e.content)}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
		})
	}
}
