package ctl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

type setImageOptions struct {
	refs refOptions
}

func newSetImageCommand(g *globalOptions, s streams) *cobra.Command {
	o := &setImageOptions{}
	cmd := &cobra.Command{
		Use:   "image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N",
		Short: "Update the image of a pod template",
		Long: `Update the images of containers of pods, or of the pod templates of
deployments, replica sets, daemon sets, stateful sets, jobs and cron jobs.
CONTAINER may be "*" for every container. On a deployment this starts a
rollout; follow it with 'wharf rollout status'.`,
		Example: `  wharf set image deployment/web web=nginx:1.27
  wharf set image deployment/web web=nginx:1.27 sidecar=envoy:1.31
  wharf set image daemonset agent '*=agent:2.0'
  wharf set image pods -l app=web web=nginx:1.27`,
		RunE: func(cmd *cobra.Command, args []string) error {
			resources, images, err := splitImageArgs(args)
			if err != nil {
				return err
			}
			if len(images) == 0 {
				return errors.New("at least one image update is required")
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, resources, images)
		},
	}
	o.refs.addFlags(cmd.Flags(), "update", true)
	return cmd
}

// imageUpdate is one CONTAINER=IMAGE argument.
type imageUpdate struct {
	container, image string
}

// splitImageArgs splits set image's arguments into the resources, which
// come first, and the CONTAINER=IMAGE pairs after them. A container named
// twice gets the last image given.
func splitImageArgs(args []string) ([]string, []imageUpdate, error) {
	var resources []string
	var images []imageUpdate
	for _, a := range args {
		if !strings.Contains(a, "=") {
			if len(images) > 0 {
				return nil, nil, fmt.Errorf("all resources must be specified before image changes: %s", a)
			}
			resources = append(resources, a)
			continue
		}
		container, image, _ := strings.Cut(a, "=")
		if container == "" {
			return nil, nil, fmt.Errorf("invalid image format: %q", a)
		}
		replaced := false
		for i := range images {
			if images[i].container == container {
				images[i].image, replaced = image, true
			}
		}
		if !replaced {
			images = append(images, imageUpdate{container, image})
		}
	}
	return resources, images, nil
}

func (o *setImageOptions) run(ctx context.Context, sess *session, s streams, args []string, images []imageUpdate) error {
	refs, err := o.refs.resolve(ctx, sess, s, "wharf set image", args,
		"one or more resources must be specified as <resource> <name> or <resource>/<name>")
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		// A container that is missing is reported, but the images that
		// were found are still set, as kubectl does.
		var missing []error
		res, err := patchObject(ctx, sess, ref, func(ref objectRef, o object) error {
			spec, err := podSpecOf(ref, o)
			if err != nil {
				return err
			}
			missing = setImages(spec, images)
			return nil
		}, "failed to patch image update to pod template")
		errs = append(errs, missing...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if res == patched {
			fmt.Fprintf(s.out, "%s image updated\n", ref)
		}
	}
	return errors.Join(errs...)
}

// podSpecOf returns the pod spec inside o that set image changes: a pod's
// own, a cron job's job template's, or any other workload's pod template's.
func podSpecOf(ref objectRef, o object) (object, error) {
	var path []string
	switch ref.res.Group + "/" + ref.res.Kind {
	case "/Pod":
		path = []string{"spec"}
	case "batch/CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "apps/Deployment", "apps/ReplicaSet", "apps/DaemonSet", "apps/StatefulSet", "batch/Job", "/ReplicationController":
		path = []string{"spec", "template", "spec"}
	default:
		return nil, fmt.Errorf("the object is not a pod or does not have a pod template: %s", groupKind(ref.res))
	}
	spec := o.obj(path...)
	if spec == nil {
		return nil, fmt.Errorf("the object has no %s", strings.Join(path, "."))
	}
	return spec, nil
}

// setImages sets the images of the containers of spec (init, app and
// ephemeral) that the updates name, "*" naming every one, and returns an
// error for each named container that spec does not have.
func setImages(spec object, images []imageUpdate) []error {
	var missing []error
	for _, u := range images {
		found := false
		for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
			for _, c := range spec.list(list) {
				if u.container == "*" || c.str("name") == u.container {
					c["image"] = u.image
					found = true
				}
			}
		}
		if !found {
			missing = append(missing, fmt.Errorf("unable to find container named %q", u.container))
		}
	}
	return missing
}
