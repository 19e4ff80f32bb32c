package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/apiserver"
)

// versionInfo is the shape of /version, which kubectl prints too.
type versionInfo struct {
	GitVersion string `json:"gitVersion"`
	GoVersion  string `json:"goVersion,omitempty"`
	Compiler   string `json:"compiler,omitempty"`
	Platform   string `json:"platform,omitempty"`
}

func newVersionCommand(g *globalOptions, s streams) *cobra.Command {
	var clientOnly bool
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client and server version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "", outputJSON, outputYAML); err != nil {
				return err
			}
			return printVersion(cmd.Context(), g, s, clientOnly, output)
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "print only the client's version; needs no server")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml or json")
	return cmd
}

func printVersion(ctx context.Context, g *globalOptions, s streams, clientOnly bool, output string) error {
	cv := versionInfo{
		GitVersion: apiserver.WharfVersion,
		GoVersion:  runtime.Version(),
		Compiler:   runtime.Compiler,
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
	}
	var sv *versionInfo
	var serverErr error
	if !clientOnly {
		sv, serverErr = serverVersion(ctx, g)
	}
	if output != "" {
		b, err := json.Marshal(struct {
			Client versionInfo  `json:"clientVersion"`
			Server *versionInfo `json:"serverVersion,omitempty"`
		}{cv, sv})
		if err != nil {
			return err
		}
		if err := (&objectPrinter{format: output}).print(s.out, b); err != nil {
			return err
		}
		return serverErr
	}
	fmt.Fprintf(s.out, "Client Version: %s\n", cv.GitVersion)
	if sv != nil {
		fmt.Fprintf(s.out, "Server Version: %s\n", sv.GitVersion)
	}
	return serverErr
}

func serverVersion(ctx context.Context, g *globalOptions) (*versionInfo, error) {
	sess, err := g.connect()
	if err != nil {
		return nil, err
	}
	b, _, err := sess.client.Do(ctx, http.MethodGet, "/version", nil, "", nil, "")
	if err != nil {
		return nil, err
	}
	var v versionInfo
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("reading the server's /version: %w", err)
	}
	return &v, nil
}
