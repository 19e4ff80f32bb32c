package apiserver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/apiserver/registry"
)

// agentDialTimeout bounds reaching a node agent and hearing its answer; the
// stream that follows is not bounded.
const agentDialTimeout = 15 * time.Second

// maxAgentErrorBody bounds how much of an agent's error reply is read.
const maxAgentErrorBody = 64 << 10

// nodeProxy serves the pod subresources that the node agent running the pod
// answers (log, exec), by proxying them to that agent's streaming server,
// as kube-apiserver proxies them to the kubelet.
type nodeProxy struct {
	pods, nodes *registry.Registry
	// token is what the agent accepts: the admin token, which is also the
	// token of the kubeconfig every agent of this server runs with.
	token string
	// tls is how agents are reached. Agents serve a self-signed
	// certificate made at their start, which nothing could vouch for: as
	// kube-apiserver without --kubelet-certificate-authority, the
	// certificate is not verified, and the bearer token is what protects
	// the agent.
	tls *tls.Config
	// logs carries log requests. Keep-alives are off: log requests are few
	// and long, and an idle pool to every agent would outlive the server.
	logs *http.Client
}

func newNodeProxy(s *scheme.Scheme, regs map[*scheme.Resource]*registry.Registry, token string) *nodeProxy {
	pods, _ := s.ByKind("v1", "Pod")
	nodes, _ := s.ByKind("v1", "Node")
	tc := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}} //nolint:gosec // see the tls field
	return &nodeProxy{
		pods:  regs[pods],
		nodes: regs[nodes],
		token: token,
		tls:   tc,
		logs: &http.Client{Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: agentDialTimeout}).DialContext,
			TLSClientConfig:       tc,
			TLSHandshakeTimeout:   agentDialTimeout,
			ResponseHeaderTimeout: agentDialTimeout,
			DisableKeepAlives:     true,
			DisableCompression:    true,
		}},
	}
}

// longRunning says a request may last as long as the client wants: a
// watch, a followed log, an exec session. The request timeout does not
// apply to it (kube-apiserver's long-running request check).
func longRunning(info *requestInfo) bool {
	return info.Verb == "watch" || isNodeSubresource(info)
}

// isNodeSubresource says the node agent answers the request.
func isNodeSubresource(info *requestInfo) bool {
	return info.Subresource == "log" || info.Subresource == "exec"
}

func (p *nodeProxy) serve(w http.ResponseWriter, r *http.Request, info *requestInfo) {
	var err error
	switch {
	case info.Resource.Kind != "Pod" || info.Resource.Group != "" || info.Name == "":
		err = errdefs.NotFound(info.Resource.GroupResource(), info.Name+"/"+info.Subresource)
	case info.Subresource == "log":
		err = p.log(w, r, info)
	default:
		err = p.exec(w, r, info)
	}
	if err != nil {
		writeError(w, r, err)
	}
}

// agentTarget is a container of a pod, and where its node's agent listens.
type agentTarget struct {
	namespace, pod, container string
	node                      string
	addr                      string // host:port
}

// locate finds the agent that runs the container of a pod; container ""
// picks the pod's default one. what names the service ("logs", "exec")
// in the error of a node that does not serve it.
func (p *nodeProxy) locate(ctx context.Context, ns, name, container, what string) (*agentTarget, error) {
	obj, err := p.pods.Get(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	pod := obj.(*core.Pod)
	if container, err = podContainer(pod, container); err != nil {
		return nil, err
	}
	if pod.Spec.NodeName == "" {
		return nil, errdefs.BadRequest("pod %s does not have a host assigned", name)
	}
	obj, err = p.nodes.Get(ctx, "", pod.Spec.NodeName)
	if err != nil {
		return nil, err
	}
	node := obj.(*core.Node)
	host := ""
	for _, t := range []core.NodeAddressType{core.NodeInternalIP, core.NodeExternalIP, core.NodeHostName} {
		if host = node.Address(t); host != "" {
			break
		}
	}
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port <= 0 {
		return nil, errdefs.ServiceUnavailable("node %s does not serve %s: its agent reports no port (status.daemonEndpoints.kubeletEndpoint.Port)", node.Name, what)
	}
	if host == "" {
		return nil, errdefs.ServiceUnavailable("node %s does not serve %s: it reports no address", node.Name, what)
	}
	return &agentTarget{
		namespace: pod.Namespace, pod: pod.Name, container: container, node: node.Name,
		addr: net.JoinHostPort(host, strconv.Itoa(int(port))),
	}, nil
}

// podContainer is the container a request addresses, as kube-apiserver
// picks it: the one named, which must exist; else the only container; else
// the one the default-container annotation names (which kubectl honours on
// its side and Wharf on the server's, so every client gets it).
func podContainer(pod *core.Pod, name string) (string, error) {
	var all []string
	for _, c := range pod.Spec.AllContainers() {
		all = append(all, c.Name)
	}
	has := func(n string) bool { return slices.Contains(all, n) }
	if name != "" {
		if !has(name) {
			return "", errdefs.BadRequest("container %s is not valid for pod %s", name, pod.Name)
		}
		return name, nil
	}
	switch len(pod.Spec.Containers) {
	case 1:
		return pod.Spec.Containers[0].Name, nil
	case 0:
		return "", errdefs.BadRequest("a container name must be specified for pod %s", pod.Name)
	}
	if d := pod.Annotations[core.DefaultContainerAnnotation]; d != "" && has(d) {
		return d, nil
	}
	return "", errdefs.BadRequest("a container name must be specified for pod %s, choose one of: %s", pod.Name, all)
}

// agentError turns an agent's failed reply into the error the client
// gets: the agent's own Status when it sent one, else a Status of the
// agent's code that quotes what it said.
func agentError(t *agentTarget, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAgentErrorBody))
	var st meta.Status
	if json.Unmarshal(b, &st) == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(resp.StatusCode)
		}
		return errdefs.FromStatus(&st)
	}
	msg := string(b)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &errdefs.Error{Reason: reasonFor(resp.StatusCode), Code: resp.StatusCode,
		Message: fmt.Sprintf("the agent of node %s answered %d: %s", t.node, resp.StatusCode, msg)}
}

// reasonFor is the Status reason of an HTTP code, for agent replies that
// carry none.
func reasonFor(code int) meta.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return meta.StatusReasonBadRequest
	case http.StatusUnauthorized:
		return meta.StatusReasonUnauthorized
	case http.StatusForbidden:
		return meta.StatusReasonForbidden
	case http.StatusNotFound:
		return meta.StatusReasonNotFound
	case http.StatusConflict:
		return meta.StatusReasonConflict
	case http.StatusServiceUnavailable:
		return meta.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return meta.StatusReasonTimeout
	}
	if code >= 500 {
		return meta.StatusReasonInternalError
	}
	return meta.StatusReasonUnknown
}

// unreachable is the error of an agent that could not be reached.
func unreachable(t *agentTarget, err error) error {
	return errdefs.ServiceUnavailable("error dialing the agent of node %s at %s: %v", t.node, t.addr, err)
}
