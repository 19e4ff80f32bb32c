package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/patch"
	"github.com/wharf/wharf/api/scheme"
)

// Dry-run modes, as kubectl names them.
const (
	dryRunNone   = "none"
	dryRunServer = "server"
	dryRunClient = "client"
)

// applyConflictRetries bounds how often apply recomputes its patch when
// the object changed between reading and patching it.
const applyConflictRetries = 5

type applyOptions struct {
	files  fileOptions
	dryRun string
	output string
}

func newApplyCommand(g *globalOptions, s streams) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Apply a configuration to resources from files or stdin",
		Long: `Create the objects of manifests, or change existing ones to match them.

Apply remembers what it applied in the kubectl.kubernetes.io/last-applied-
configuration annotation, so that a field removed from a manifest is removed
from the object, while fields that others set (controllers, people) are left
alone. Objects that kubectl applied can be applied with wharf and back.`,
		Example: `  wharf apply -f web.yaml
  wharf apply -f manifests/ -R
  cat web.yaml | wharf apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDryRun(o.dryRun); err != nil {
				return err
			}
			if err := checkOutput(o.output, "", outputName); err != nil {
				return err
			}
			if len(o.files.filenames) == 0 {
				return errors.New("must specify -f (a file, a directory or - for standard input)")
			}
			ms, err := readManifests(o.files.filenames, o.files.recursive, s.in)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				return errors.New("no objects passed to apply")
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, ms)
		},
	}
	o.files.addFlags(cmd.Flags(), "apply")
	cmd.Flags().StringVar(&o.dryRun, "dry-run", dryRunNone, `"server" sends every change for validation without persisting it; "client" only prints what would be done`)
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "output format: name prints only kind/name")
	return cmd
}

func checkDryRun(mode string) error {
	switch mode {
	case dryRunNone, dryRunServer, dryRunClient:
		return nil
	}
	return fmt.Errorf("invalid --dry-run value %q: want none, server or client", mode)
}

// dryRunSuffix is what kubectl appends to a line that changed nothing.
func dryRunSuffix(mode string) string {
	switch mode {
	case dryRunServer:
		return " (server dry run)"
	case dryRunClient:
		return " (dry run)"
	}
	return ""
}

func (o *applyOptions) run(ctx context.Context, sess *session, s streams, ms []manifest) error {
	var errs []error
	for _, m := range namespacesFirst(ms) {
		name, op, err := o.apply(ctx, sess, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if o.output == outputName {
			fmt.Fprintln(s.out, name)
		} else {
			fmt.Fprintf(s.out, "%s %s%s\n", name, op, dryRunSuffix(o.dryRun))
		}
	}
	return errors.Join(errs...)
}

// namespacesFirst orders manifests so that namespaces are created before
// what goes in them; the rest keep their order.
func namespacesFirst(ms []manifest) []manifest {
	out := append([]manifest(nil), ms...)
	sort.SliceStable(out, func(i, j int) bool {
		return isNamespace(out[i]) && !isNamespace(out[j])
	})
	return out
}

func isNamespace(m manifest) bool { return m.APIVersion == "v1" && m.Kind == "Namespace" }

// targetNamespace is where a manifest's object goes: nowhere for a
// cluster-scoped kind, else the manifest's namespace, else the command's.
// A manifest may not name another namespace than an explicit -n.
func targetNamespace(res *scheme.Resource, manifestNS, namespace string, explicit bool) (string, error) {
	switch {
	case !res.Namespaced:
		return "", nil
	case manifestNS == "":
		return namespace, nil
	case explicit && manifestNS != namespace:
		return "", fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", manifestNS, namespace, manifestNS)
	}
	return manifestNS, nil
}

// resolveManifest finds the kind and namespace of a manifest's object.
func resolveManifest(sess *session, m manifest) (*scheme.Resource, string, error) {
	res, ok := sess.scheme.ByKind(m.APIVersion, m.Kind)
	if !ok {
		return nil, "", fmt.Errorf("resource mapping not found for name: %q namespace: %q from %s: no matches for kind %q in version %q", m.name, m.namespace, m.where(), m.Kind, m.APIVersion)
	}
	ns, err := targetNamespace(res, m.namespace, sess.namespace, sess.explicitNamespace)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", m.where(), err)
	}
	if m.name == "" {
		return nil, "", fmt.Errorf("%s: the %s has no metadata.name", m.where(), m.Kind)
	}
	return res, ns, nil
}

// apply creates or patches one object and returns its name and what
// happened to it: created, configured or unchanged.
func (o *applyOptions) apply(ctx context.Context, sess *session, m manifest) (string, string, error) {
	res, ns, err := resolveManifest(sess, m)
	if err != nil {
		return "", "", err
	}
	name := objectName(res, m.name)
	modified, err := withLastApplied(m.json, res, ns)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", m.where(), err)
	}
	q := url.Values{}
	if o.dryRun == dryRunServer {
		q.Set("dryRun", "All")
	}
	for attempt := 1; ; attempt++ {
		live, err := sess.getObject(ctx, res, ns, m.name)
		if errors.Is(err, errdefs.ErrNotFound) {
			if o.dryRun != dryRunClient {
				if _, _, err := sess.client.Do(ctx, http.MethodPost, resourcePath(res, ns, ""), q, client.ContentTypeJSON, modified, ""); err != nil {
					return "", "", fmt.Errorf("error when creating %q: %w", m.source, err)
				}
			}
			return name, "created", nil
		}
		if err != nil {
			return "", "", fmt.Errorf("error when retrieving current configuration of %s from %q: %w", name, m.source, err)
		}
		original, err := lastApplied(live)
		if err != nil {
			return "", "", fmt.Errorf("%s: reading the live %s: %v", m.where(), name, err)
		}
		p, err := patch.CreateThreeWayMergePatch(original, modified, live, res.Type())
		if err != nil {
			return "", "", fmt.Errorf("%s: computing the patch of %s: %v", m.where(), name, err)
		}
		if bytes.Equal(bytes.TrimSpace(p), []byte("{}")) {
			return name, "unchanged", nil
		}
		if o.dryRun == dryRunClient {
			return name, "configured", nil
		}
		_, _, err = sess.client.Do(ctx, http.MethodPatch, resourcePath(res, ns, m.name), q, string(client.StrategicMergePatch), p, "")
		if errors.Is(err, errdefs.ErrConflict) && attempt < applyConflictRetries {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("error when patching %q: %w", m.source, err)
		}
		return name, "configured", nil
	}
}

// withLastApplied returns the manifest as apply sends it: its namespace
// filled in, and the last-applied annotation holding the manifest itself
// (without that annotation, compact, keys sorted, newline-terminated, as
// kubectl stores it, so that either tool reads the other's).
func withLastApplied(raw []byte, res *scheme.Resource, ns string) ([]byte, error) {
	var obj map[string]any
	if err := decodeJSON(raw, &obj); err != nil {
		return nil, err
	}
	md, _ := obj["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		obj["metadata"] = md
	}
	if res.Namespaced {
		md["namespace"] = ns
	} else {
		delete(md, "namespace")
	}
	ann, _ := md["annotations"].(map[string]any)
	delete(ann, lastAppliedAnnotation)
	if len(ann) == 0 {
		delete(md, "annotations")
	}
	last, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	if ann == nil {
		ann = map[string]any{}
	}
	ann[lastAppliedAnnotation] = string(last) + "\n"
	md["annotations"] = ann
	return json.Marshal(obj)
}

// lastApplied reads the last-applied annotation of a live object; nil when
// the object was never applied.
func lastApplied(live []byte) ([]byte, error) {
	var probe struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(live, &probe); err != nil {
		return nil, err
	}
	if a, ok := probe.Metadata.Annotations[lastAppliedAnnotation]; ok {
		return []byte(a), nil
	}
	return nil, nil
}
