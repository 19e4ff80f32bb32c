package podnet

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

// networkName names the CNI network: host-local keeps its leases under
// dataDir/networkName and libcni its cache entries by it.
const networkName = "wharf"

// cniVersion is the newest version Debian's plugins (1.1.1) accept; libcni
// refuses them for 1.1.0.
const cniVersion = "1.0.0"

// ifName is the pod's interface, as Kubernetes names it.
const ifName = "eth0"

// confList renders the bridge + host-local chain. ipMasq is off: Service
// and egress NAT belong to the proxy, not to every pod ADD. The default
// route lets pods reach Service addresses through the bridge. There is no
// loopback plugin: the namespace is made with lo up (netns.go), and each
// plugin is a process to start, about a quarter of a pod's CNI cost.
func confList(cfg Config, ipamDir string) (*libcni.NetworkConfigList, error) {
	bridge := map[string]any{
		"type":        "bridge",
		"bridge":      cfg.BridgeName,
		"isGateway":   true,
		"ipMasq":      false,
		"hairpinMode": true,
		"ipam": map[string]any{
			"type":    "host-local",
			"ranges":  [][]map[string]string{{{"subnet": cfg.PodCIDR}}},
			"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
			"dataDir": ipamDir,
		},
	}
	if cfg.MTU > 0 {
		bridge["mtu"] = cfg.MTU
	}
	raw, err := json.Marshal(map[string]any{
		"cniVersion": cniVersion,
		"name":       networkName,
		"plugins":    []any{bridge},
	})
	if err != nil {
		return nil, err
	}
	return libcni.NetworkConfFromBytes(raw)
}

// runtimeConf describes one pod to the plugins. The K8S_* args are those the
// kubelet passes; IgnoreUnknown keeps plugins that do not know them happy.
func runtimeConf(podUID, netnsPath, podNamespace, podName string) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{
		ContainerID: podUID,
		NetNS:       netnsPath,
		IfName:      ifName,
		Args:        [][2]string{{"IgnoreUnknown", "1"}},
	}
	if podNamespace != "" || podName != "" {
		rt.Args = append(rt.Args,
			[2]string{"K8S_POD_NAMESPACE", podNamespace},
			[2]string{"K8S_POD_NAME", podName},
			[2]string{"K8S_POD_INFRA_CONTAINER_ID", podUID},
		)
	}
	return rt
}

// podAddress picks the IPv4 address the plugins gave the pod's eth0 and its
// gateway.
func podAddress(res types.Result) (ip, gw net.IP, err error) {
	r, err := types100.NewResultFromResult(res)
	if err != nil {
		return nil, nil, fmt.Errorf("read CNI result: %w", err)
	}
	for _, c := range r.IPs {
		if c.Address.IP.To4() == nil {
			continue
		}
		if c.Interface != nil {
			i := *c.Interface
			if i < 0 || i >= len(r.Interfaces) || r.Interfaces[i].Name != ifName {
				continue
			}
		}
		return c.Address.IP.To4(), c.Gateway.To4(), nil
	}
	return nil, nil, fmt.Errorf("CNI result has no IPv4 address for %s", ifName)
}
