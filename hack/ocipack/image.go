package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Media types and annotation keys from the OCI image spec and containerd.
const (
	mediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"

	// annotationImageName is what `ctr images import` names the image by.
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"

	layoutVersion = "1.0.0"
	defaultPath   = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// spec is what the image is made of.
type spec struct {
	root       string
	ref        string // NAME:TAG
	arch       string
	entrypoint []string
	env        []string
	ports      []string
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

type imageConfig struct {
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Config       containerConfig `json:"config"`
	RootFS       rootFS          `json:"rootfs"`
}

// containerConfig keeps Docker's capitalised field names, as the OCI image
// config spec does.
type containerConfig struct {
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
}

type rootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type layout struct {
	ImageLayoutVersion string `json:"imageLayoutVersion"`
}

// blob is content stored under blobs/sha256/.
type blob struct {
	digest string
	data   []byte
}

// pack writes the image described by s to w as an OCI layout tarball.
func pack(s spec, w io.Writer) error {
	tag, err := tagOf(s.ref)
	if err != nil {
		return err
	}
	if s.arch == "" {
		return errors.New("architecture is required")
	}
	for _, kv := range s.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("env %q is not KEY=VALUE", kv)
		}
	}
	for _, p := range s.ports {
		if err := checkPort(p); err != nil {
			return err
		}
	}

	l, err := buildLayer(s.root)
	if err != nil {
		return err
	}
	cfg := imageConfig{
		Architecture: s.arch,
		OS:           "linux",
		Config: containerConfig{
			Env:        imageEnv(s.env),
			Entrypoint: s.entrypoint,
		},
		RootFS: rootFS{Type: "layers", DiffIDs: []string{l.diffID}},
	}
	if len(s.ports) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range s.ports {
			cfg.Config.ExposedPorts[p] = struct{}{}
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	layerBlob := blob{digest: digestOf(l.gzipped), data: l.gzipped}
	cfgBlob := blob{digest: digestOf(cfgJSON), data: cfgJSON}
	man := manifest{
		SchemaVersion: 2,
		MediaType:     mediaTypeManifest,
		Config:        describe(mediaTypeConfig, cfgBlob),
		Layers:        []descriptor{describe(mediaTypeLayer, layerBlob)},
	}
	manJSON, err := json.Marshal(man)
	if err != nil {
		return err
	}
	manBlob := blob{digest: digestOf(manJSON), data: manJSON}
	manDesc := describe(mediaTypeManifest, manBlob)
	manDesc.Platform = &platform{Architecture: s.arch, OS: "linux"}
	manDesc.Annotations = map[string]string{
		annotationImageName: s.ref,
		annotationRefName:   tag,
	}
	idxJSON, err := json.Marshal(index{SchemaVersion: 2, MediaType: mediaTypeIndex, Manifests: []descriptor{manDesc}})
	if err != nil {
		return err
	}
	layoutJSON, err := json.Marshal(layout{ImageLayoutVersion: layoutVersion})
	if err != nil {
		return err
	}
	return writeLayout(w, idxJSON, layoutJSON, []blob{layerBlob, cfgBlob, manBlob})
}

// tagOf returns the tag of NAME:TAG; a colon before the last slash belongs
// to a registry host's port, not to a tag.
func tagOf(ref string) (string, error) {
	i := strings.LastIndex(ref, ":")
	if i <= 0 || i < strings.LastIndex(ref, "/") || i == len(ref)-1 {
		return "", fmt.Errorf("reference %q must be NAME:TAG", ref)
	}
	return ref[i+1:], nil
}

func checkPort(p string) error {
	num, proto, ok := strings.Cut(p, "/")
	var n int
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || !ok || n < 1 || n > 65535 ||
		(proto != "tcp" && proto != "udp" && proto != "sctp") {
		return fmt.Errorf("port %q must be NUMBER/tcp, /udp or /sctp", p)
	}
	return nil
}

// imageEnv puts a default PATH first unless the caller set one, since
// runtimes resolve a relative entrypoint through the image's PATH.
func imageEnv(env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			return env
		}
	}
	return append([]string{defaultPath}, env...)
}

func describe(mediaType string, b blob) descriptor {
	return descriptor{MediaType: mediaType, Digest: b.digest, Size: int64(len(b.data))}
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
