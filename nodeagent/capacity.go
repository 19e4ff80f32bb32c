package nodeagent

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/resource"
)

// UseMachineCapacity sets a real node's CPU and memory capacity to this
// machine's, as the kubelet reports them, unless --node-cpu or
// --node-memory on fs were given. Simulated nodes keep the flags' values:
// they are made up anyway.
func (c *Config) UseMachineCapacity(fs *pflag.FlagSet) error {
	if !fs.Changed("node-cpu") {
		c.CPU = *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI)
	}
	if !fs.Changed("node-memory") {
		b, err := os.ReadFile("/proc/meminfo")
		if err != nil {
			return fmt.Errorf("reading this machine's memory: %w (give --node-memory)", err)
		}
		mem, err := memTotal(b)
		if err != nil {
			return fmt.Errorf("reading this machine's memory: %w (give --node-memory)", err)
		}
		c.Memory = *resource.NewQuantity(mem, resource.BinarySI)
	}
	return nil
}

// memTotal is /proc/meminfo's MemTotal in bytes.
func memTotal(meminfo []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected MemTotal line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0, fmt.Errorf("unexpected MemTotal line %q", sc.Text())
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no MemTotal line")
}
