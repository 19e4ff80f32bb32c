package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
)

// reference is where an image goes: HOST:PORT/NAME:TAG.
type reference struct {
	host, name, tag string
}

// Grammar of the distribution spec: repository path components and tags.
var (
	nameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
)

func parseReference(s string) (reference, error) {
	host, rest, ok := strings.Cut(s, "/")
	if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
		return reference{}, fmt.Errorf("reference %q: want HOST:PORT/NAME:TAG, naming the registry", s)
	}
	name, tag := rest, "latest"
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		name, tag = rest[:i], rest[i+1:]
	}
	if !nameRE.MatchString(name) {
		return reference{}, fmt.Errorf("reference %q: repository name %q is not valid (lower-case letters, digits, separators)", s, name)
	}
	if !tagRE.MatchString(tag) {
		return reference{}, fmt.Errorf("reference %q: tag %q is not valid", s, tag)
	}
	return reference{host: host, name: name, tag: tag}, nil
}

// pusher pushes one image of a layout to one repository.
type pusher struct {
	base   string // http://host:port
	name   string // repository
	http   *http.Client
	layout *layout
	log    io.Writer
	image  string // which image of the layout; "" for its only one
}

// push sends the image's blobs and manifests and tags it tag; it returns
// the descriptor of what the tag names.
func (p *pusher) push(ctx context.Context, tag string) (descriptor, error) {
	if err := p.ping(ctx); err != nil {
		return descriptor{}, err
	}
	d, err := p.layout.image(p.image)
	if err != nil {
		return descriptor{}, err
	}
	return d, p.pushManifest(ctx, d, tag)
}

// ping checks that a registry without authentication answers at /v2/.
func (p *pusher) ping(ctx context.Context) error {
	resp, err := p.do(ctx, http.MethodGet, p.base+"/v2/", nil, 0, "")
	if err != nil {
		return fmt.Errorf("registry %s: %w", p.base, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("registry %s: GET /v2/: %s (a registry without authentication, over plain HTTP, is needed)", p.base, describe(resp))
	}
	return nil
}

// pushManifest pushes what manifest d refers to, then d itself under
// reference (a tag, or its digest for an index's manifests).
func (p *pusher) pushManifest(ctx context.Context, d descriptor, reference string) error {
	raw, m, err := p.layout.readManifest(d)
	if err != nil {
		return err
	}
	mediaType := d.MediaType
	if mediaType == "" {
		mediaType = m.MediaType
	}
	if m.isIndex(mediaType) {
		for _, child := range m.Manifests {
			if err := p.pushManifest(ctx, child, child.Digest); err != nil {
				return err
			}
		}
	} else {
		if m.Config == nil {
			return fmt.Errorf("manifest %s has no config", d.Digest)
		}
		for _, b := range append([]descriptor{*m.Config}, m.Layers...) {
			if err := p.pushBlob(ctx, b); err != nil {
				return err
			}
		}
	}
	if mediaType == "" {
		return fmt.Errorf("manifest %s: no media type in its descriptor or itself", d.Digest)
	}
	u := fmt.Sprintf("%s/v2/%s/manifests/%s", p.base, p.name, reference)
	resp, err := p.do(ctx, http.MethodPut, u, bytes.NewReader(raw), int64(len(raw)), mediaType)
	if err != nil {
		return fmt.Errorf("put manifest %s: %w", d.Digest, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("put manifest %s as %s:%s: %s", d.Digest, p.name, reference, describe(resp))
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != "" && got != d.Digest {
		return fmt.Errorf("put manifest %s: the registry stored it as %s", d.Digest, got)
	}
	fmt.Fprintf(p.log, "manifest %s (%s) -> %s:%s\n", d.Digest, mediaType, p.name, reference)
	return nil
}

// pushBlob uploads blob d unless the registry has it: a monolithic upload,
// POST to open it and PUT of the whole blob with its digest to close it.
func (p *pusher) pushBlob(ctx context.Context, d descriptor) error {
	blobURL := fmt.Sprintf("%s/v2/%s/blobs/%s", p.base, p.name, d.Digest)
	resp, err := p.do(ctx, http.MethodHead, blobURL, nil, 0, "")
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	drain(resp) // a HEAD answer has no body to explain itself with
	switch resp.StatusCode {
	case http.StatusOK:
		fmt.Fprintf(p.log, "blob %s: already there\n", d.Digest)
		return nil
	case http.StatusNotFound:
	default:
		return fmt.Errorf("blob %s: HEAD: %s", d.Digest, describe(resp))
	}

	path, err := p.layout.blobPath(d.Digest)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != d.Size {
		return fmt.Errorf("blob %s: the layout holds %d bytes, its descriptor says %d", d.Digest, fi.Size(), d.Size)
	}

	resp, err = p.do(ctx, http.MethodPost, fmt.Sprintf("%s/v2/%s/blobs/uploads/", p.base, p.name), nil, 0, "")
	if err != nil {
		return fmt.Errorf("blob %s: start upload: %w", d.Digest, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("blob %s: start upload: %s", d.Digest, describe(resp))
	}
	loc, err := resp.Location() // resolved against the request's URL
	if err != nil {
		return fmt.Errorf("blob %s: start upload: no upload location: %w", d.Digest, err)
	}
	q := loc.Query()
	q.Set("digest", d.Digest)
	loc.RawQuery = q.Encode()

	put, err := p.do(ctx, http.MethodPut, loc.String(), f, d.Size, "application/octet-stream")
	if err != nil {
		return fmt.Errorf("blob %s: upload: %w", d.Digest, err)
	}
	defer drain(put)
	if put.StatusCode != http.StatusCreated {
		return fmt.Errorf("blob %s: upload: %s", d.Digest, describe(put))
	}
	fmt.Fprintf(p.log, "blob %s: uploaded %d bytes\n", d.Digest, d.Size)
	return nil
}

func (p *pusher) do(ctx context.Context, method, u string, body io.Reader, size int64, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return p.http.Do(req)
}

// drain reads what is left of a body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// describe is a failed response as the registry explains it: the status
// and the codes and messages of its error body, when it has one.
func describe(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &body) == nil && len(body.Errors) > 0 {
		msgs := make([]string, 0, len(body.Errors))
		for _, e := range body.Errors {
			msgs = append(msgs, e.Code+": "+e.Message)
		}
		return resp.Status + " (" + strings.Join(msgs, "; ") + ")"
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return resp.Status + " (" + s + ")"
	}
	return resp.Status
}
