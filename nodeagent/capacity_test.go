package nodeagent

import (
	"runtime"
	"testing"

	"github.com/spf13/pflag"
)

func TestMemTotal(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "MemTotal:        4028160 kB\nMemFree: 1 kB\n", want: 4028160 * 1024},
		{in: "MemFree: 1 kB\nMemTotal: 16 kB\n", want: 16 * 1024},
		{in: "MemFree: 1 kB\n", wantErr: true},
		{in: "MemTotal: 12 MB\n", wantErr: true},
		{in: "MemTotal: x kB\n", wantErr: true},
	}
	for _, tt := range tests {
		got, err := memTotal([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("memTotal(%q): got %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestUseMachineCapacity(t *testing.T) {
	cfg := NewConfig()
	fs := pflag.NewFlagSet("agent", pflag.ContinueOnError)
	cfg.AddFlags(fs)
	if err := fs.Parse([]string{"--node-memory", "3Gi"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.UseMachineCapacity(fs); err != nil {
		t.Fatal(err)
	}
	if got := cfg.CPU.Value(); got != int64(runtime.NumCPU()) {
		t.Errorf("cpu: got %d, want this machine's %d", got, runtime.NumCPU())
	}
	if got := cfg.Memory.String(); got != "3Gi" {
		t.Errorf("memory: got %s, want the flag's 3Gi", got)
	}
}
