// Command wharf-container-logger writes one container's stdout and stderr
// to its log file, with a timestamp and stream on every line. containerd's
// shim starts one per container (its "binary" log driver), so it is kept
// apart from wharf: it starts in a few milliseconds and holds about 3 MB,
// where the whole wharf binary would take 20 MB and 100 ms per container.
package main

import (
	"os"

	"github.com/wharf/wharf/nodeagent/containerlog"
)

func main() { os.Exit(containerlog.Main(os.Args[1:])) }
