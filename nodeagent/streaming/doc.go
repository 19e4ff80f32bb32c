// Package streaming is the node agent's HTTPS server for the API server:
// the kubelet's container log and exec endpoints, which the API server's
// pods/{name}/log and pods/{name}/exec subresources proxy to.
//
//	GET      /healthz
//	GET      /containerLogs/{namespace}/{pod}/{container}?follow=&previous=&tailLines=&...
//	GET|POST /exec/{namespace}/{pod}/{container}?command=...&stdin=&stdout=&stderr=&tty=
//
// Every path but /healthz wants the bearer token of Config. The server
// makes its own self-signed certificate at start, which the API server
// does not verify, as kube-apiserver without --kubelet-certificate-authority
// does not. The work is done by a Backend, the agent, which finds the
// container and asks its runtime.
package streaming
