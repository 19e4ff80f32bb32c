package main

import (
	"archive/tar"
	"io"
	"sort"
	"strings"
)

// writeLayout writes an OCI image layout as a tar whose entries are sorted by
// name, with fixed times and root ownership.
func writeLayout(w io.Writer, indexJSON, layoutJSON []byte, blobs []blob) error {
	type entry struct {
		name string
		data []byte
		dir  bool
	}
	entries := []entry{
		{name: "blobs/", dir: true},
		{name: "blobs/sha256/", dir: true},
		{name: "index.json", data: indexJSON},
		{name: "oci-layout", data: layoutJSON},
	}
	seen := map[string]bool{}
	for _, b := range blobs {
		if seen[b.digest] {
			continue
		}
		seen[b.digest] = true
		entries = append(entries, entry{name: "blobs/sha256/" + strings.TrimPrefix(b.digest, "sha256:"), data: b.data})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	tw := tar.NewWriter(w)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, ModTime: epoch, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.data))}
		if e.dir {
			hdr.Mode, hdr.Typeflag, hdr.Size = 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return tw.Close()
}
