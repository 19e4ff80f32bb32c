package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Media types of the documents a push PUTs as manifests.
const (
	mediaTypeOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeOCIIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeDockerList  = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// Annotations that name an image in an index.json: the tag alone (OCI),
// or the full reference (containerd's import and export).
const (
	annotationRefName   = "org.opencontainers.image.ref.name"
	annotationImageName = "io.containerd.image.name"
)

const (
	ociLayoutFile    = "oci-layout"
	indexFile        = "index.json"
	digestAlgorithm  = "sha256"
	maxManifestBytes = 4 << 20 // registries refuse larger manifests
)

// descriptor points at a blob (OCI image spec descriptor).
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// manifest is what a push reads of an image manifest or an index: the
// blobs and manifests it refers to.
type manifest struct {
	MediaType string       `json:"mediaType"`
	Config    *descriptor  `json:"config"`
	Layers    []descriptor `json:"layers"`
	Manifests []descriptor `json:"manifests"`
}

func (m *manifest) isIndex(mediaType string) bool {
	return mediaType == mediaTypeOCIIndex || mediaType == mediaTypeDockerList ||
		mediaType == "" && len(m.Manifests) > 0
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// layout is an OCI image layout on disk. A tarball is unpacked into a
// temporary directory first, which Close removes: blobs are read by
// digest, in any order, and may be larger than memory should hold.
type layout struct {
	dir string
	tmp bool
}

func openLayout(path string) (*layout, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	l := &layout{dir: path}
	if !fi.IsDir() {
		dir, err := os.MkdirTemp("", "ocipush-")
		if err != nil {
			return nil, err
		}
		l = &layout{dir: dir, tmp: true}
		if err := untar(path, dir); err != nil {
			l.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(l.dir, ociLayoutFile)); err != nil {
		l.Close()
		return nil, fmt.Errorf("%s is not an OCI image layout (no %s)", path, ociLayoutFile)
	}
	return l, nil
}

// Close removes the unpacked copy of a tarball.
func (l *layout) Close() error {
	if l.tmp {
		return os.RemoveAll(l.dir)
	}
	return nil
}

// untar unpacks the regular files of a layout tarball into dir, refusing
// names that would leave it.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("tar entry %q leaves the layout", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue // directories are made as needed; links have no place in a layout
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

// blobPath is where the layout keeps the blob of digest d.
func (l *layout) blobPath(d string) (string, error) {
	if !digestRE.MatchString(d) {
		return "", fmt.Errorf("digest %q: want sha256:<64 hex digits>", d)
	}
	return filepath.Join(l.dir, "blobs", digestAlgorithm, strings.TrimPrefix(d, "sha256:")), nil
}

// readManifest reads and checks a manifest or index blob: its size and
// digest must be those its descriptor promised.
func (l *layout) readManifest(d descriptor) ([]byte, *manifest, error) {
	p, err := l.blobPath(d.Digest)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	if len(raw) > maxManifestBytes {
		return nil, nil, fmt.Errorf("manifest %s: larger than %d bytes", d.Digest, maxManifestBytes)
	}
	sum := sha256.Sum256(raw)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != d.Digest || int64(len(raw)) != d.Size {
		return nil, nil, fmt.Errorf("manifest %s: the layout holds %d bytes with digest %s, want %d bytes", d.Digest, len(raw), got, d.Size)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	return raw, &m, nil
}

// image picks the image to push from index.json: the only one, or the one
// named name (by tag or full reference) when there are several.
func (l *layout) image(name string) (descriptor, error) {
	raw, err := os.ReadFile(filepath.Join(l.dir, indexFile))
	if err != nil {
		return descriptor{}, err
	}
	var idx manifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		return descriptor{}, fmt.Errorf("%s: %w", indexFile, err)
	}
	var names []string
	var match []descriptor
	for _, d := range idx.Manifests {
		n := d.Annotations[annotationImageName]
		if n == "" {
			n = d.Annotations[annotationRefName]
		}
		names = append(names, n)
		if name != "" && (d.Annotations[annotationImageName] == name || d.Annotations[annotationRefName] == name) {
			match = append(match, d)
		}
	}
	switch {
	case len(idx.Manifests) == 0:
		return descriptor{}, fmt.Errorf("%s names no image", indexFile)
	case name == "" && len(idx.Manifests) == 1:
		return idx.Manifests[0], nil
	case name == "":
		return descriptor{}, fmt.Errorf("%s names %d images %q: say which with -image", indexFile, len(names), names)
	case len(match) != 1:
		return descriptor{}, fmt.Errorf("-image %q: %d of the images in %s match (%q), want 1", name, len(match), indexFile, names)
	}
	return match[0], nil
}
