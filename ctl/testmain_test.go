package ctl

import (
	"os"
	"testing"

	"github.com/wharf/wharf/nodeagent/containerlog"
)

func TestMain(m *testing.M) {
	// A real node started in-process (TestUpRunsThisMachineAsANode) runs
	// os.Executable() container-logger as its containers' logger, as the
	// wharf binary is in production: here that is the test binary.
	if len(os.Args) > 1 && os.Args[1] == "container-logger" {
		os.Exit(containerlog.Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}
