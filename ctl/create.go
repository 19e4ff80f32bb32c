package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
)

func newCreateCommand(g *globalOptions, s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a resource",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("say what to create, such as 'wharf create namespace NAME' (see '%s --help'); 'wharf apply -f' creates from manifests", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newCreateNamespaceCommand(g, s))
	return cmd
}

func newCreateNamespaceCommand(g *globalOptions, s streams) *cobra.Command {
	var dryRun string
	cmd := &cobra.Command{
		Use:     "namespace NAME",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the given name",
		Example: "  wharf create namespace team-a",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("exactly one NAME is required")
			}
			if dryRun != dryRunNone && dryRun != dryRunServer && dryRun != dryRunClient {
				return fmt.Errorf("invalid --dry-run value %q: want none, server or client", dryRun)
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return createNamespace(cmd.Context(), sess, s, args[0], dryRun)
		},
	}
	cmd.Flags().StringVar(&dryRun, "dry-run", dryRunNone, `"server" validates without creating; "client" only prints`)
	return cmd
}

func createNamespace(ctx context.Context, sess *session, s streams, name, dryRun string) error {
	res, err := sess.scheme.Lookup("namespaces")
	if err != nil {
		return err
	}
	if dryRun != dryRunClient {
		body, err := json.Marshal(map[string]any{
			"apiVersion": res.APIVersion(),
			"kind":       res.Kind,
			"metadata":   map[string]string{"name": name},
		})
		if err != nil {
			return err
		}
		q := url.Values{}
		if dryRun == dryRunServer {
			q.Set("dryRun", "All")
		}
		if _, _, err := sess.client.Do(ctx, http.MethodPost, resourcePath(res, "", ""), q, client.ContentTypeJSON, body, ""); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.out, "%s created%s\n", objectName(res, name), dryRunSuffix(dryRun))
	return nil
}
